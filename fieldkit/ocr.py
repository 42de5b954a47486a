"""OCR of page images with rapidocr-onnxruntime (PP-OCR ONNX models ship in its wheel; no download)."""

from __future__ import annotations

import threading

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

        result, _ = cls.engine()(np.asarray(image.convert("RGB")))
        boxes = []
        for box, text, _score in result or []:
            ys = [p[1] for p in box]
            xs = [p[0] for p in box]
            boxes.append((min(ys), max(ys), min(xs), text))
        boxes.sort(key=lambda b: ((b[0] + b[1]) / 2, b[2]))
        lines: list[list[tuple]] = []
        for box in boxes:
            mid = (box[0] + box[1]) / 2
            if lines and min(b[0] for b in lines[-1]) <= mid <= max(b[1] for b in lines[-1]):
                lines[-1].append(box)
            else:
                lines.append([box])
        return [" ".join(b[3] for b in sorted(line, key=lambda b: b[2])) for line in lines]


    @classmethod
    def read_line(cls, image) -> str:
        """Recognise one line of text that fills the image (no detection step: fast on small crops)."""
        import numpy as np

        result, _ = cls.engine()(np.asarray(image.convert("RGB")), use_det=False, use_cls=False, use_rec=True)
        return " ".join(r[0] for r in result or [])


def ocr_page(page) -> list[str]:
    return PageOCR.lines(page.render(scale=OCR_SCALE).to_pil())
