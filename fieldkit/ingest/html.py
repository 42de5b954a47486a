"""HTML manuals with local images, parsed by lxml.html into the same blocks as PDF pages.

Headings, paragraphs, list items (numbered as printed), tables (header row first), figures with
their captions. Scripts and styles are dropped; nothing is fetched (remote images are skipped).
"""

from __future__ import annotations

from pathlib import Path

from fieldkit.errors import BadInputError
from fieldkit.ingest.figures import save_local_images
from fieldkit.library.records import Block, FigureImage, Page
from fieldkit.text.callouts import callout_kind

MAX_BYTES = 20 * 1024 * 1024
BLOCK_TAGS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "figcaption", "img", "dt", "dd", "pre"}


def extract_html(path: Path, figure_dir: Path, warnings: list[str] | None = None
                 ) -> tuple[list[Page], list[FigureImage], dict]:
    from lxml import html

    warn = warnings if warnings is not None else []
    if path.stat().st_size > MAX_BYTES:
        raise BadInputError(path, f"HTML file is over the {MAX_BYTES // 1024 // 1024} MB limit")
    data = path.read_bytes()
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        source = data.decode("cp1252", errors="replace")  # older manuals saved by Windows tools
        warn.append(f"text is not valid UTF-8 (first bad byte at offset {exc.start}); read as Windows-1252")
    try:
        root = html.document_fromstring(source)
    except Exception as exc:  # lxml raises ParserError for empty or undecodable documents
        raise BadInputError(path, f"not readable HTML ({exc})") from exc
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    blocks: list[Block] = []
    images: list[tuple[str, str, str]] = []
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag not in BLOCK_TAGS or _inside_block(el):
            continue
        if tag.startswith("h") and tag[1:].isdigit():
            blocks.append(Block("heading", _text(el), 1, int(tag[1:])))
        elif tag == "table":
            rows = [[_text(c) for c in tr.xpath("./th|./td")] for tr in el.xpath(".//tr")]
            rows = [r for r in rows if any(r)]
            if rows:
                blocks.append(Block("table", "\n".join(" | ".join(r) for r in rows), 1))
        elif tag == "img":
            caption = el.xpath("ancestor::figure[1]//figcaption")
            images.append((el.get("src", ""), el.get("alt", ""), _text(caption[0]) if caption else el.get("title", "")))
        elif tag == "figcaption":
            blocks.append(Block("caption", _text(el), 1))
        elif tag == "li":
            parent = el.getparent()
            marker = f"{list(parent).index(el) + _start(parent)}." if parent.tag == "ol" else "-"
            text = _text(el)
            blocks.append(Block("callout" if callout_kind(text) else "step", f"{marker} {text}", 1,
                                callout=callout_kind(text) or ""))
        else:
            text = _text(el)
            if text:
                kind = callout_kind(text)
                blocks.append(Block("callout" if kind else "para", text, 1, callout=kind or ""))
    if not blocks:
        raise BadInputError(path, "no text found in the HTML file; nothing was added")
    title = root.findtext(".//title") or next((b.text for b in blocks if b.kind == "heading"), path.stem)
    figures = save_local_images(path, images, figure_dir, blocks, warn)
    return [Page(1, None, "\n".join(b.text for b in blocks), tuple(blocks))], figures, {"Title": title.strip()}


def _start(ol) -> int:
    """The number an <ol> starts at; 1 when its start attribute is not a number."""
    try:
        return int(ol.get("start", 1))
    except ValueError:
        return 1


def _inside_block(el) -> bool:
    """True when an ancestor is already a block (a <p> inside an <li>, a table inside a table cell)."""
    parent = el.getparent()
    while parent is not None:
        if isinstance(parent.tag, str) and parent.tag in BLOCK_TAGS - {"img"}:
            return el.tag != "img"
        parent = parent.getparent()
    return False


def _text(el) -> str:
    return " ".join(el.text_content().split())
