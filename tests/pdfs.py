"""Small PDFs built by the tests (fpdf2), so the suite runs without ../shared."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    if Path(FONT).exists():
        pdf.add_font("DejaVu", fname=FONT)
        pdf.set_font("DejaVu", size=11)
    else:
        pdf.set_font("Helvetica", size=11)
    return pdf


def text_pdf(path: Path, pages: list[list[str]], footer_labels: list[str] | None = None,
             encrypt_password: str | None = None) -> Path:
    """One page per list of lines; optional printed page labels in the footer."""
    pdf = _pdf()
    if encrypt_password:
        pdf.set_encryption(owner_password="owner-" + encrypt_password, user_password=encrypt_password)
    for n, lines in enumerate(pages):
        pdf.add_page()
        for line in lines:
            pdf.multi_cell(0, 6, line)
            pdf.ln(1)
        if footer_labels:
            pdf.set_y(-18)
            pdf.cell(0, 8, footer_labels[n], align="C")
    pdf.output(str(path))
    return path
