"""The OCR model: rapidocr-onnxruntime (its PP-OCR ONNX models ship in its wheel; nothing is downloaded),
loaded once per process and shared by page OCR (ingest) and photo reading (answering)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from fieldkit import paths
from fieldkit.errors import ModelError
from fieldkit.text.layout import group_rows


@dataclass(frozen=True)
class TextBox:
    """One recognised run of text, where it is in the image (pixels, y downwards) and how sure OCR is."""

    text: str
    confidence: float
    left: float
    top: float
    right: float
    bottom: float


class OCR:
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
    def boxes(cls, image) -> list[TextBox]:
        """Every text run found in a PIL image."""
        import numpy as np

        result, _ = cls.engine()(np.asarray(image.convert("RGB")))
        found = []
        for box, text, score in result or []:
            xs, ys = [p[0] for p in box], [p[1] for p in box]
            found.append(TextBox(text, float(score), min(xs), min(ys), max(xs), max(ys)))
        return found

    @classmethod
    def lines(cls, image) -> list[str]:
        """Recognised text lines of a PIL image, top to bottom, left to right."""
        return [" ".join(b.text for b in row) for row in rows(cls.boxes(image))]

    @classmethod
    def read_line(cls, image) -> str:
        """Recognise one line of text that fills the image (no detection step: fast on small crops)."""
        import numpy as np

        result, _ = cls.engine()(np.asarray(image.convert("RGB")), use_det=False, use_cls=False, use_rec=True)
        return " ".join(r[0] for r in result or [])


def rows(boxes: list[TextBox]) -> list[list[TextBox]]:
    """The boxes grouped into lines, top to bottom, each left to right."""
    flipped = [(b.left, -b.bottom, b.right, -b.top, b) for b in boxes]  # image y runs down: flip it
    return [[run[4] for run in row] for row in group_rows(flipped)]
