"""The OCR model: rapidocr-onnxruntime (its PP-OCR ONNX models ship in its wheel; nothing is downloaded),
loaded once per process and shared by page OCR (ingest) and photo reading (answering)."""

from __future__ import annotations

import threading
from contextlib import contextmanager
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


# Measured with scripts/bench_ocr.py (pages/s on the scanned shared manuals, old and new in one run;
# CER against the text layer of rendered text-layer pages). Two engines (the models are ~15 MB):
# photos and banner lines keep the settings they had ("general"); rendered pages ("page") use faster ones.
GENERAL_OPTIONS = {
    # Printed manuals have tight line spacing: without dilation (and with a larger detection size)
    # PP-OCR stops merging adjacent lines (measured on AC 43-2B: 46 vs 40 lines found).
    "det_use_dilation": False,
    "det_limit_side_len": 1400,
}
PAGE_OPTIONS = {
    "det_use_dilation": False,
    # Detect at the render's own size: 144 dpi pages are larger, so nothing is resized (the 1400 px
    # upscale cost 1.1-2x the detection time; AC 43-2B p3 still reads all its lines).
    "det_limit_side_len": 736,
    # Lines at 32 px, not 48: 2.5x less work per line, and at 48 px the model drops the spaces between
    # words ("batchtobatch andper"); 28 px loses characters. Banner crops (a box border around one
    # word) need 48 px ("WARNG" at 32): they use the general engine.
    "rec_img_shape": [3, 32, 320],
    "rec_batch_num": 1,  # one line per run: batches of 6 (padded to the widest) cost 2x the CPU time
    # One thread: ingest reads the pages of a manual on several threads (ingest/pagetext.py) and several
    # manuals at once, a process each (ingest/pool.py); on 2 busy cores ONNX Runtime's spinning 2-thread
    # pool ran 2x slower, on a quiet one 1.2x faster for 2x the CPU.
    "intra_op_num_threads": 1,
    "inter_op_num_threads": 1,
}


class OCR:
    # Engines made so far and not in use, per mode. RapidOCR keeps per-call state on its engine (its
    # detector's resize step), so a thread takes one to itself (``engine``) and gives it back: as many
    # engines as threads ever read at once (ingest reads ``ocr_threads()`` pages of a manual at a time).
    _free: dict[str, list] = {}
    _lock = threading.Lock()

    @classmethod
    @contextmanager
    def engine(cls, mode: str = "general"):
        """A RapidOCR engine for ``mode`` ("page": rendered manual pages; "general": photos, banners),
        this thread's alone until the block ends."""
        with cls._lock:
            free = cls._free.setdefault(mode, [])
            engine = free.pop() if free else None
        if engine is None:
            try:
                with paths.third_party_folders():
                    from rapidocr_onnxruntime import RapidOCR
            except ImportError as exc:
                raise ModelError("OCR needs rapidocr-onnxruntime; run `make install`") from exc
            engine = RapidOCR(**(PAGE_OPTIONS if mode == "page" else GENERAL_OPTIONS))
        try:
            yield engine
        finally:
            with cls._lock:
                cls._free[mode].append(engine)

    @classmethod
    def boxes(cls, image, upright: bool = False) -> list[TextBox]:
        """Every text run found in a PIL image. ``upright`` (a rendered page): page settings and no
        angle classifier (on pages it only turned good lines upside down into garbage)."""
        import numpy as np

        array = np.asarray(image.convert("RGB"))
        with cls.engine("page" if upright else "general") as engine:
            result, _ = engine(array, use_cls=not upright)
        found = []
        for box, text, score in result or []:
            xs, ys = [p[0] for p in box], [p[1] for p in box]
            found.append(TextBox(text, float(score), min(xs), min(ys), max(xs), max(ys)))
        return found

    @classmethod
    def lines(cls, image, upright: bool = False) -> list[str]:
        """Recognised text lines of a PIL image, top to bottom, left to right."""
        return [" ".join(b.text for b in row) for row in rows(cls.boxes(image, upright))]

    @classmethod
    def read_line(cls, image) -> str:
        """Recognise one line of text that fills the image (no detection step: fast on small crops)."""
        import numpy as np

        with cls.engine() as engine:
            result, _ = engine(np.asarray(image.convert("RGB")), use_det=False, use_cls=False, use_rec=True)
        return " ".join(r[0] for r in result or [])


def rows(boxes: list[TextBox]) -> list[list[TextBox]]:
    """The boxes grouped into lines, top to bottom, each left to right."""
    flipped = [(b.left, -b.bottom, b.right, -b.top, b) for b in boxes]  # image y runs down: flip it
    return [[run[4] for run in row] for row in group_rows(flipped)]
