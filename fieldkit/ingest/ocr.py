"""OCR of page images with rapidocr-onnxruntime (PP-OCR ONNX models ship in its wheel; no download)."""

from __future__ import annotations

import threading

from fieldkit import paths
from fieldkit.errors import ModelError

OCR_SCALE = 2.0  # 144 dpi renders: small print stays readable, pages stay fast


class PageOCR:
    _engine = None
    _lock = threading.Lock()

    @classmethod
    def engine(cls):
        with cls._lock:
            if cls._engine is None:
                try:
                    with paths.third_party_folders():
                        from rapidocr_onnxruntime import RapidOCR
                except ImportError as exc:
                    raise ModelError("OCR needs rapidocr-onnxruntime; run `make install`") from exc
                # Printed manuals have tight line spacing: without dilation (and with a larger detection
                # size) PP-OCR stops merging adjacent lines (measured on AC 43-2B: 46 vs 40 lines found).
                cls._engine = RapidOCR(det_use_dilation=False, det_limit_side_len=1400)
            return cls._engine

    @classmethod
    def lines(cls, image) -> list[str]:
        """Recognised text lines of a PIL image, top to bottom, left to right."""
        import numpy as np

        from fieldkit.ingest.tables import group_rows

        result, _ = cls.engine()(np.asarray(image.convert("RGB")))
        boxes = []
        for box, text, _score in result or []:
            xs, ys = [p[0] for p in box], [p[1] for p in box]
            boxes.append((min(xs), -max(ys), max(xs), -min(ys), text))  # image y runs down: flip it
        return [" ".join(b[4] for b in row) for row in group_rows(boxes)]

    @classmethod
    def read_line(cls, image) -> str:
        """Recognise one line of text that fills the image (no detection step: fast on small crops)."""
        import numpy as np

        result, _ = cls.engine()(np.asarray(image.convert("RGB")), use_det=False, use_cls=False, use_rec=True)
        return " ".join(r[0] for r in result or [])


def ocr_page(page) -> list[str]:
    return PageOCR.lines(page.render(scale=OCR_SCALE).to_pil())
