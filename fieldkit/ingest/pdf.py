"""PDF text, page labels and figures with pypdfium2. Page numbers are 1-based PDF indices."""

from __future__ import annotations

import re
import statistics
from pathlib import Path

from fieldkit.errors import BadInputError
from fieldkit.ingest.figures import MAX_IMAGE_PIXELS, page_crop, render, save_figure
from fieldkit.ingest.pagetext import failure_reason as _reason
from fieldkit.ingest.pagetext import page_texts
from fieldkit.ingest.structure import find_page_label, lines_to_blocks
from fieldkit.library.records import FigureImage, Page

FIGURE_CAPTION_RE = re.compile(r"^(FIGURE|Figure|Fig\.)\s+([A-Z]?\d+(?:[-.]\d+)*[A-Z]?)")
LEADER_RE = re.compile(r"\.{4,}|(\. ){4,}")
# Callout banner pictures read so far in this process, by content: Army TMs print the same WARNING /
# CAUTION / NOTE pictures in every manual, so each distinct picture is OCRed once per process (a
# worker of the ingest pool reads many manuals), not once per manual. Bounded: a banner is a few bytes here.
BANNER_CACHE: dict[str, str | None] = {}
BANNER_CACHE_MAX = 4096


def check_pdf_file(path: Path) -> None:
    """Raise BadInputError with the reason a file is not a readable PDF."""
    if not path.exists():
        raise BadInputError(path, "file not found; check the path")
    if not path.is_file():
        raise BadInputError(path, "not a file")
    size = path.stat().st_size
    if size == 0:
        raise BadInputError(path, "file is empty (0 bytes); copy it again from the source")
    with path.open("rb") as fh:
        head = fh.read(1024)
        fh.seek(max(0, size - 2048))
        tail = fh.read()
    if b"%PDF-" not in head:
        raise BadInputError(path, "not a PDF file (no %PDF header); give a PDF, Markdown, HTML or S1000D XML file")
    if b"%%EOF" not in tail:
        raise BadInputError(path, "PDF is truncated (no end-of-file marker); copy the complete file again")


def open_pdf(path: Path):
    import pypdfium2 as pdfium

    check_pdf_file(path)
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text or "security" in text:
            raise BadInputError(path, "PDF is encrypted (password-protected); save an unprotected copy first") from exc
        raise BadInputError(path, f"PDF cannot be read ({exc}); the file may be damaged") from exc


def extract_pdf(path: Path, figure_dir: Path, progress=None, ocr: bool = True, warnings: list[str] | None = None
                ) -> tuple[list[Page], list[FigureImage], dict]:
    """Pages with blocks, figures (images written under ``figure_dir``) and document metadata.

    Each page's text layer is checked (``textlayer``): one-word-per-line layers are rejoined by
    layout, and scans or garbled layers are OCRed, keeping whichever text scores better.
    ``progress(stage, done, total)`` is told about OCR as it goes. A page that cannot be read is left
    out (``meta["skipped_pages"]``) and a figure that cannot be made is skipped, each with a line in
    ``warnings``; the file fails only when no page can be read.
    """
    pdf = open_pdf(path)
    report = progress or (lambda *a: None)
    warn = warnings if warnings is not None else []
    try:
        try:
            meta = {k: v for k, v in (pdf.get_metadata_dict() or {}).items() if v}
        except Exception:
            meta = {}
        banners = BANNER_CACHE if len(BANNER_CACHE) < BANNER_CACHE_MAX else {}
        bad: dict[int, str] = {}
        layers = {}
        for index in range(len(pdf)):
            try:
                layers[index] = _text_layer(pdf, index, banners, warn)
            except Exception as exc:
                bad[index] = _reason(exc)
        pitch = line_pitch([lines for lines, _ in layers.values()])
        layer_texts = {}
        for index, (lines, tables) in layers.items():
            try:
                layer_texts[index] = with_paragraph_breaks(lines, pitch, tables)
            except Exception as exc:
                bad[index] = _reason(exc)
        texts = page_texts(pdf, layer_texts, ocr, report, warn, bad)
        if len(pdf) and not texts:
            first = min(bad)
            raise BadInputError(path, f"no page can be read (page {first + 1}: {bad[first]}); the file may be damaged")
        running = running_lines([t.split("\n") for t, _ in texts.values()])
        pages: list[Page] = []
        figures: list[FigureImage] = []
        for index, (text, used_ocr) in sorted(texts.items()):
            number = index + 1
            lines = text.split("\n")
            label = _pdf_label(pdf, index) or find_page_label(lines)
            skip = _edge_lines(lines, label) | {i for i, l in enumerate(lines) if _norm_edge(l) in running}
            blocks = lines_to_blocks(lines, number, skip)
            pages.append(Page(number, label, text, tuple(blocks), ocr=used_ocr))
            if any(b.kind == "caption" for b in blocks):
                try:
                    figures.extend(_page_figures(pdf, index, blocks, figure_dir))
                except Exception as exc:
                    warn.append(f"page {number}: figure skipped ({_reason(exc)})")
        if bad:
            meta["skipped_pages"] = [i + 1 for i in sorted(bad)]
            warn[:0] = [f"page {i + 1} skipped: cannot be read ({bad[i]})" for i in sorted(bad)]
        return pages, figures, meta
    finally:
        pdf.close()


PARAGRAPH_GAP = 1.45  # a gap between baselines over 1.45x the document's usual line pitch


def line_bottoms(textpage) -> list[tuple[str, float | None]]:
    """The raw text layer's lines with the baseline (box bottom) of each line's first character."""
    out, offset = [], 0
    for line in textpage.get_text_range().split("\r\n"):
        stripped = line.lstrip()
        bottom = None
        if stripped:
            try:
                bottom = textpage.get_charbox(offset + len(line) - len(stripped))[1]
            except Exception:
                bottom = None
        out.append((line, bottom))
        offset += len(line) + 2
    return out


def line_pitch(pages: list[list[tuple[str, float | None]]]) -> float:
    """The document's line spacing inside a paragraph: a low quantile of the gaps between consecutive
    baselines (the median is a paragraph gap in manuals of many one-line steps)."""
    gaps = []
    for lines in pages:
        ys = [b for _, b in lines if b is not None]
        gaps += [a - b for a, b in zip(ys, ys[1:]) if 2 < a - b < 60]
    return statistics.quantiles(gaps, n=10)[2] if len(gaps) >= 10 else 12.0


def with_paragraph_breaks(lines: list[tuple[str, float | None]], pitch: float, tables=()) -> str:
    """Lines joined with a blank line wherever the vertical gap is larger than line spacing (or the
    text jumps up: a new column), so blocks end where the printed paragraph does. Lines inside a
    table's area are replaced by the table's rows ("cell | cell")."""
    out, previous, placed = [], None, set()
    for line, bottom in lines:
        table = next((t for t in tables if bottom is not None and t.bottom - 1 <= bottom <= t.top + 1), None)
        if table is not None:
            if id(table) not in placed:
                placed.add(id(table))
                out += ["", *table.lines(), ""]
            continue
        if bottom is not None:
            if previous is not None and (previous - bottom > PARAGRAPH_GAP * pitch or bottom - previous > pitch):
                out.append("")
            previous = bottom
        out.append(line)
    return "\n".join(out)


def _text_layer(pdf, index: int, banners: dict, warn: list[str]):
    """(lines with their baselines, tables found by layout) of one page. Callout banners printed as
    pictures ("CAUTION" in a box, as Army TMs do) are read by OCR and put in as lines of their own."""
    from fieldkit.ingest.tables import find_tables

    page = pdf[index]
    try:
        textpage = page.get_textpage()
        lines = line_bottoms(textpage)
        tables = find_tables(textpage)
        textpage.close()
        try:
            found = banner_callouts(page, banners)
        except Exception as exc:
            warn.append(f"page {index + 1}: picture callout banners not read ({_reason(exc)})")
            found = []
        for kind, bottom in found:
            at = next((i for i, (_, b) in enumerate(lines) if b is not None and b < bottom), None)
            if at is not None:
                lines.insert(at, (kind, None))
                lines.insert(at, ("", None))
        return lines, tables
    finally:
        page.close()


def _norm_edge(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip())


def running_lines(pages: list[list[str]]) -> set[str]:
    """Header/footer lines that repeat (digits aside) on many pages: document noise, not content."""
    from collections import Counter

    counts: Counter[str] = Counter()
    for lines in pages:
        nonblank = [l for l in lines if l.strip()]
        counts.update({_norm_edge(l) for l in nonblank[:2] + nonblank[-2:]})
    threshold = max(3, len(pages) // 4)
    return {line for line, n in counts.items() if n >= threshold and len(line) < 80}


def _pdf_label(pdf, index: int) -> str | None:
    try:
        label = pdf.get_page_label(index)
    except Exception:
        return None
    return label or None


def _edge_lines(lines: list[str], label: str | None) -> set[int]:
    """Header/footer lines that only carry the page label (left out of the blocks)."""
    skip = set()
    nonblank = [i for i, l in enumerate(lines) if l.strip()]
    if not label:
        return skip
    for i in nonblank[:2] + nonblank[-2:]:
        line = lines[i].strip()
        if line == label or line.replace(" ", "") in (f"-{label}-",) or re.fullmatch(
            rf"(Page\s+{re.escape(label)}\s*(Par\s+\S+)?|(Par\s+\S+\s*'?\s*)?Page\s+{re.escape(label)})", line
        ):
            skip.add(i)
    return skip


def banner_callouts(page, cache: dict) -> list[tuple[str, float]]:
    """(WARNING | CAUTION | NOTE, bottom y) for small banner-shaped images that say so (OCR, cached
    in ``cache`` per distinct image: its pixel size and decoded bytes)."""
    import hashlib

    import pypdfium2.raw as raw

    from fieldkit.text.callouts import callout_kind

    width, height = page.get_size()
    found = []
    for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        w, h = right - left, top - bottom
        if not (8 <= h <= 40 and w / h >= 2.2 and w <= 200):
            continue
        try:
            px_w, px_h = obj.get_px_size()
        except Exception:
            continue
        if px_w * px_h > MAX_IMAGE_PIXELS:
            continue  # a banner is a small picture; a huge one is not decoded
        try:
            key = f"{px_w}x{px_h}:" + hashlib.sha1(bytes(obj.get_bitmap().buffer)).hexdigest()
        except Exception:
            key = None
        if key is None or key not in cache:
            from fieldkit.models.ocr import OCR

            crop = page_crop(page, left - 2, bottom - 2, right + 2, top + 2)
            if crop is None:
                continue  # drawn outside the page: nothing to read
            text = OCR.read_line(render(page, 3, crop)).replace(" ", "")
            kind = callout_kind(text) if len(text) <= 10 else None
            if key is None:
                if kind:
                    found.append((kind, bottom))
                continue
            cache[key] = kind
        if cache[key]:
            found.append((cache[key], bottom))
    return found


def _page_figures(pdf, index: int, blocks, figure_dir: Path) -> list[FigureImage]:
    number = index + 1
    captions = [b for b in blocks if b.kind == "caption" and FIGURE_CAPTION_RE.match(b.text)]
    captions = [c for c in captions if not LEADER_RE.search(c.text)]  # a list of figures, not a figure
    if not captions:
        return []
    page = pdf[index]
    try:
        image = _render_figure_region(page)
    finally:
        page.close()
    context = " ".join(b.text for b in blocks if b.kind != "caption")[:600]
    out = []
    for i, caption in enumerate(captions):
        label = f"Figure {FIGURE_CAPTION_RE.match(caption.text).group(2)}"
        full, thumb = save_figure(image, figure_dir, f"p{number:04d}-{i}")
        out.append(FigureImage(number, label, caption.text, str(full), str(thumb), context))
    return out


def _render_figure_region(page):
    """The page region covered by the figure: its image objects, else its vector drawing (path
    objects, leaving out page borders and rules), else the whole page."""
    import pypdfium2.raw as raw

    width, height = page.get_size()
    boxes = []
    for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        if (right - left) * (top - bottom) > 0.04 * width * height:
            boxes.append((left, bottom, right, top))
    if not boxes:
        for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_PATH,), max_depth=2):
            left, bottom, right, top = obj.get_bounds()
            if right - left < 0.9 * width and top - bottom < 0.9 * height:
                boxes.append((left, bottom, right, top))
    scale = 1.5
    if boxes:
        crop = page_crop(page, min(b[0] for b in boxes) - 6, min(b[1] for b in boxes) - 6,
                         max(b[2] for b in boxes) + 6, max(b[3] for b in boxes) + 6)
        if crop is not None and (width - crop[0] - crop[2]) * (height - crop[1] - crop[3]) >= 0.03 * width * height:
            return render(page, scale, crop)
    return render(page, scale)
