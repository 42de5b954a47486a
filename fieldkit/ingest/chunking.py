"""Chunks that follow the manual's own structure.

A chunk is a run of blocks under one heading on one page, closed at a heading, at a page
break, or when it reaches the size budget. Callouts and captions stay with the steps they sit
among; a table stays whole. Blocks longer than the budget are split at sentence ends.
"""

from __future__ import annotations

import re

from fieldkit.library.records import Block, CalloutBlock, Chunk, Page
from fieldkit.text.callouts import callout_kind

TARGET_WORDS = 110
MAX_WORDS = 200
SENTENCE_END_RE = re.compile(r"(?<=[.!?。；;])\s+")


def chunk_pages(pages: list[Page]) -> tuple[list[Chunk], list[CalloutBlock]]:
    """Chunks, and the callouts as records of their own (kind, verbatim text, page, section)."""
    chunks: list[Chunk] = []
    callouts: list[CalloutBlock] = []
    headings: list[tuple[int, str]] = []  # stack of (level, text)
    for page in pages:
        current: list[Block] = []
        first = len(chunks)
        page_headings: list[str] = []
        for block in page.blocks:
            if block.kind == "heading":
                _flush(current, chunks, page, headings)
                while headings and headings[-1][0] >= block.level:
                    headings.pop()
                headings.append((block.level, block.text))
                page_headings.append(block.text)
                continue
            if block.kind == "callout":
                callouts.append(CalloutBlock(block.callout or callout_kind(block.text) or "NOTE", block.text,
                                             page.number, page.label, _section(headings)))
            for piece in _split_long(block):
                words = sum(len(b.text.split()) for b in current)
                if current and (words + len(piece.text.split()) > MAX_WORDS or words >= TARGET_WORDS):
                    # Keep a callout with the step that follows it.
                    carry = [current.pop()] if current[-1].kind == "callout" and piece.kind != "callout" else []
                    _flush(current, chunks, page, headings)
                    current.extend(carry)
                current.append(piece)
        _flush(current, chunks, page, headings)
        if len(chunks) == first and page_headings:  # a page of headings only stays findable
            chunks.append(Chunk(len(chunks), page.number, page.number, page.label, _section(headings),
                                "heading", "\n".join(page_headings)))
    return chunks, callouts


def _flush(current: list[Block], chunks: list[Chunk], page: Page, headings) -> None:
    """Close the blocks gathered so far into one chunk of the page."""
    if not current:
        return
    kinds = {b.kind for b in current}
    kind = "table" if "table" in kinds else "callout" if kinds == {"callout"} else "step" if "step" in kinds else "para"
    text = "\n".join(b.text for b in current)
    chunks.append(Chunk(len(chunks), page.number, page.number, page.label, _section(headings), kind, text))
    current.clear()


def _section(headings: list[tuple[int, str]]) -> str:
    return " > ".join(text for _, text in headings[-3:])


def _split_long(block: Block) -> list[Block]:
    if len(block.text.split()) <= MAX_WORDS:
        return [block]
    if block.kind == "table":  # row groups, each with the header row repeated
        header, *rows = block.text.split("\n")
        groups, buf = [], []
        for row in rows:
            if buf and len(" ".join([header, *buf, row]).split()) > MAX_WORDS:
                groups.append(buf)
                buf = []
            buf.append(row)
        groups.append(buf)
        return [Block("table", "\n".join([header, *g]), block.page, block.level) for g in groups if g]
    pieces, buf = [], []
    for sentence in SENTENCE_END_RE.split(block.text):
        if buf and sum(len(s.split()) for s in buf) + len(sentence.split()) > TARGET_WORDS:
            pieces.append(Block(block.kind, " ".join(buf), block.page, block.level))
            buf = []
        buf.append(sentence)
    if buf:
        pieces.append(Block(block.kind, " ".join(buf), block.page, block.level))
    return pieces
