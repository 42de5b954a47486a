"""Markdown manuals with local images, parsed by markdown-it-py into the same blocks as PDF pages.

A Markdown file has no pages: everything is page 1 and the section path is the locator.
"""

from __future__ import annotations

from pathlib import Path

from fieldkit.errors import BadInputError
from fieldkit.ingest.figures import save_local_images
from fieldkit.library.records import Block, FigureImage, Page
from fieldkit.text.callouts import callout_kind


MAX_BYTES = 20 * 1024 * 1024


def extract_markdown(path: Path, figure_dir: Path, warnings: list[str] | None = None
                     ) -> tuple[list[Page], list[FigureImage], dict]:
    from markdown_it import MarkdownIt

    warn = warnings if warnings is not None else []
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise BadInputError(path, f"Markdown file is {size // 1024 // 1024} MB, over the {MAX_BYTES // 1024 // 1024} MB limit")
    data = path.read_bytes()
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        source = data.decode("utf-8", errors="replace")
        bad = source.count("\ufffd")
        warn.append(f"text is not all valid UTF-8 (first bad byte at offset {exc.start}); {bad} character(s) "
                    "shown as \ufffd; save the file as UTF-8")
    if not source.strip():
        raise BadInputError(path, "file has no text; nothing to ingest")
    tokens = MarkdownIt("commonmark").enable("table").parse(source)
    blocks: list[Block] = []
    images: list[tuple[str, str, str]] = []  # (src, alt, title)
    i = 0
    list_numbers: list[int | None] = []
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "heading_open":
            blocks.append(Block("heading", tokens[i + 1].content.strip(), 1, int(tok.tag[1])))
            i += 3
            continue
        if tok.type in ("ordered_list_open", "bullet_list_open"):
            list_numbers.append(int(tok.attrs.get("start", 1)) if tok.type == "ordered_list_open" else None)
        elif tok.type in ("ordered_list_close", "bullet_list_close"):
            list_numbers.pop()
        elif tok.type == "list_item_open":
            marker = f"{tok.info}{tok.markup}" if tok.info else "-"
            text, j = _item_text(tokens, i + 1)
            blocks.append(Block(_kind(text, "step"), f"{marker} {text}", 1))
            images.extend(_images(tokens[i:j]))
            i = j + 1
            continue
        elif tok.type == "table_open":
            rows, j = _table_rows(tokens, i)
            blocks.append(Block("table", "\n".join(" | ".join(r) for r in rows), 1))
            i = j + 1
            continue
        elif tok.type == "inline":
            text = _plain(tok)
            found = _images([tok])
            images.extend(found)
            if found and not text.strip():
                for _src, alt, title in found:
                    blocks.append(Block("caption", title or alt, 1))
            elif text.strip():
                blocks.append(Block(_kind(text, "para"), text.strip(), 1))
        i += 1
    blocks = _merge_callout_headings(blocks)
    figures = save_local_images(path, images, figure_dir, blocks, warn)
    page = Page(1, None, source, tuple(blocks))
    meta = {"Title": next((b.text for b in blocks if b.kind == "heading"), path.stem)}
    return [page], figures, meta


def _kind(text: str, default: str) -> str:
    stripped = text.lstrip("*_> ").strip()
    return "callout" if callout_kind(stripped) else default


def _merge_callout_headings(blocks: list[Block]) -> list[Block]:
    """A "WARNING" heading or line followed by its text becomes one callout block."""
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if prev and prev.kind in ("callout", "heading") and prev.text.strip("*: ").upper() in ("WARNING", "CAUTION", "NOTE"):
            out[-1] = Block("callout", f"{prev.text.strip('*: ').upper()}: {block.text}", block.page)
            continue
        out.append(block)
    return out


def _plain(inline) -> str:
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _images(tokens) -> list[tuple[str, str, str]]:
    found = []
    for tok in tokens:
        for child in tok.children or []:
            if child.type == "image":
                found.append((child.attrs.get("src", ""), child.content, child.attrs.get("title") or ""))
    return found


def _item_text(tokens, start: int) -> tuple[str, int]:
    depth, parts, i = 1, [], start
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "list_item_open":
            depth += 1
        elif tok.type == "list_item_close":
            depth -= 1
            if depth == 0:
                return " ".join(p for p in parts if p), i
        elif tok.type == "inline":
            parts.append(_plain(tok).strip())
        i += 1
    return " ".join(parts), i


def _table_rows(tokens, start: int) -> tuple[list[list[str]], int]:
    rows, row, i = [], None, start
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "tr_open":
            row = []
        elif tok.type == "inline" and row is not None:
            row.append(_plain(tok).strip())
        elif tok.type == "tr_close":
            rows.append(row)
            row = None
        elif tok.type == "table_close":
            return rows, i
        i += 1
    return rows, i
