"""OCR of page images (the OCR model lives in ``models/ocr``), and the character error rate that
``scripts/bench_ocr.py`` and the OCR quality tests measure it by."""

from __future__ import annotations

import os

from fieldkit.models.ocr import OCR

OCR_SCALE = 2.0  # 144 dpi renders: small print stays readable (1.5-1.75x renders doubled the CER)
ENV_THREADS = "FIELDKIT_OCR_THREADS"
# Pages of one manual OCRed at once, each on a thread of its own (ONNX Runtime and OpenCV let go of
# the interpreter while they work; each engine runs one ONNX thread): None is one per core, up to 4.
# An ingest worker process sets its share of the cores (ingest/pool.py).
threads: int | None = None


def ocr_threads() -> int:
    """How many pages of a manual are OCRed at once: $FIELDKIT_OCR_THREADS, else ``threads``, else one
    per core (at most 4: each thread holds a page image and an engine)."""
    try:
        wanted = int(os.environ.get(ENV_THREADS, "0"))
    except ValueError:
        wanted = 0
    return max(1, wanted or threads or min(os.cpu_count() or 1, 4))


def render_for_ocr(page):
    """A pypdfium2 page as the RGB image OCR reads (a copy: it outlives the page and its bitmap)."""
    return page.render(scale=OCR_SCALE).to_pil().convert("RGB")


def ocr_image(image, fast: bool = True) -> list[str]:
    """Text lines of a rendered page (``render_for_ocr``): by the page engine (pages are upright: no
    angle classifier), or, ``fast=False``, by the slower general one, which reads degraded table scans
    better (AC 43-18's appendix: text quality 0.55 vs 0.63). Safe to call from several threads."""
    return OCR.lines(image, upright=fast)


def ocr_page(page, fast: bool = True) -> list[str]:
    """Text lines of a pypdfium2 page, rendered and OCRed (``ocr_image``)."""
    return ocr_image(render_for_ocr(page), fast)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions), one numpy row at a time."""
    import numpy as np

    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    codes = np.array([ord(c) for c in b])
    index = np.arange(len(b) + 1)
    previous = index.copy()
    for i, char in enumerate(a, 1):
        row = np.empty_like(previous)
        row[0] = i
        row[1:] = np.minimum(previous[1:] + 1, previous[:-1] + (codes != ord(char)))
        previous = np.minimum.accumulate(row - index) + index  # the insertions along the row
    return int(previous[-1])


def char_error_rate(text: str, reference: str) -> float:
    """Edit distance over the reference's length, runs of whitespace collapsed in both."""
    hyp, ref = " ".join(text.split()), " ".join(reference.split())
    return edit_distance(hyp, ref) / max(1, len(ref))
