"""OCR of page images (the OCR model lives in ``models/ocr``), and the character error rate that
``scripts/bench_ocr.py`` and the OCR quality tests measure it by."""

from __future__ import annotations

from fieldkit.models.ocr import OCR

OCR_SCALE = 2.0  # 144 dpi renders: small print stays readable (1.5-1.75x renders doubled the CER)


def ocr_page(page, fast: bool = True) -> list[str]:
    """Text lines of a pypdfium2 page, rendered and OCRed: by the page engine (pages are upright: no
    angle classifier), or, ``fast=False``, by the slower general one, which reads degraded table scans
    better (AC 43-18's appendix: text quality 0.55 vs 0.63)."""
    return OCR.lines(page.render(scale=OCR_SCALE).to_pil(), upright=fast)


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
