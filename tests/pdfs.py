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


def scanned_pdf(path: Path, lines: list[str], *more_pages: list[str]) -> Path:
    """Pages that are only pictures of text (no text layer), as a scanner makes them: ``lines`` on the
    first, each of ``more_pages`` on one more."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, 30) if Path(FONT).exists() else ImageFont.load_default()
    pdf = FPDF(format="A4")
    for n, page_lines in enumerate([lines, *more_pages]):
        img = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
        draw = ImageDraw.Draw(img)
        y = 150
        for line in page_lines:
            draw.text((120, y), line, fill=0, font=font)
            y += 56
        png = path.with_name(f"{path.stem}-{n}.png")
        img.save(png)
        pdf.add_page()
        pdf.image(str(png), x=0, y=0, w=210, h=297)
        png.unlink()
    pdf.output(str(path))
    return path


def word_per_line_pdf(path: Path, lines: list[str]) -> Path:
    """Text drawn word by word in column order, so the text layer comes out one word per line."""
    pdf = _pdf()
    pdf.add_page()
    words = [line.split() for line in lines]
    longest = max(len(w) for w in words)
    for col in range(longest):
        for row, line_words in enumerate(words):
            if col < len(line_words):
                x = 20 + sum(pdf.get_string_width(w + " ") for w in line_words[:col])
                pdf.text(x, 30 + row * 8, line_words[col])
    pdf.output(str(path))
    return path
