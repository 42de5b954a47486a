"""OCR of page images (the OCR model lives in ``models/ocr``)."""

from __future__ import annotations

from fieldkit.models.ocr import OCR

OCR_SCALE = 2.0  # 144 dpi renders: small print stays readable, pages stay fast


def ocr_page(page) -> list[str]:
    return OCR.lines(page.render(scale=OCR_SCALE).to_pil())
