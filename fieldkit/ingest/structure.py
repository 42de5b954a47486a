"""Turn a page's text lines into structural blocks (headings, steps, callouts, captions, paragraphs).

Maintenance manuals mark their structure in the text itself: paragraph numbers ("601."),
lettered and numbered steps ("a.", "(1)", "*7."), WARNING/CAUTION/NOTE callouts and
"FIGURE 6-2." captions. Those markers, not a fixed window, decide where blocks start.
"""

from __future__ import annotations

import re

from fieldkit.library.records import Block
from fieldkit.text.callouts import CALLOUT_RE, callout_kind
from fieldkit.text.captions import CAPTION_RE

CHAPTER_RE = re.compile(r"^(CHAPTER|Chapter|SECTION|Section|APPENDIX|Appendix|PART|Part)\s*([0-9IVXLC]+[A-Z]?)\b\.?\s*(.*)$")
# ATA iSpec 2200 chapter-section-subject ("32-41-00") and task numbers ("TASK 32-41-00-400-801")
ATA_HEADING_RE = re.compile(r"^(TASK\s+|SUBTASK\s+)?\d{2}-\d{2}-\d{2}(-\d{3}-\d{3}(-[A-Z0-9]+)?)?\b\s*\S")
CJK_ARTICLE_RE = re.compile(r"^(第\s*[0-9一二三四五六七八九十百.]+\s*[章节条])\s*(.*)$")
# "601. GENERAL." / "6-3. BATTERY" / "8.3 Other Methods." / "32-41-00"
NUMBERED_HEADING_RE = re.compile(r"^(\d{1,4}(?:[-.]\d{1,3}){0,3})\.?\s+([A-Z][A-Za-z0-9 ,/&()'-]{2,80}?)\.?\s*$")
STEP_RE = re.compile(r"^(\*?\d{1,3}\.|[a-z]\.|\(\d{1,3}\)|\([a-z]\)|[•▪●◦-])(\s+\S|(?<=\.)[A-Z])")
PARAGRAPH_NUMBER_RE = re.compile(r"^(\d{1,4}(?:-\d{1,3})?)\.\s+[A-Z]")
DATE = r"(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|[A-Z][a-z]+ \d{1,2}, \d{4}|\d{1,2} [A-Z][a-z]+ \d{4})"
REVISION_RES = (
    re.compile(rf"\b(?:Revision|REVISION|Rev\.)\s*(?:No\.?\s*)?[0-9A-Z]{{1,4}}\b(?:,?\s*(?:dated\s*)?{DATE})?"),
    re.compile(rf"\b(?:CHANGE|Change|CHG)\s*(?:NO\.?\s*)?\d{{1,3}}\b(?:\s*(?:dated\s*)?{DATE})?"),
)
APPLICABILITY_RE = re.compile(r"\b(?:Applicability|APPLICABILITY|Effectivity|EFFECTIVITY|Applies to)\s*:?\s*([^\n.]{3,160})")
PAGE_LABEL_PATTERNS = (
    re.compile(r"\bPage\s+([A-Z]?\d{1,4}(?:-\d{1,4})?)\b"),
    re.compile(r"^-\s*([0-9ivxlc]{1,6})\s*-$"),
    re.compile(r"-\s*(\d{1,4})\s*-\s*$"),
    re.compile(r"^([A-Z]?\d{1,3}-\d{1,3}(?:\.\d+)?)$"),
    re.compile(r"^(\d{1,4}|[ivxlc]{1,6})$"),
)


def clean_text(text: str) -> str:
    """Normalise a PDF text layer: line ends, pdfium's soft-hyphen marker, stray controls."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\ufffe\n", "").replace("\ufffe", "").replace("\u00ad\n", "").replace("\u00ad", "")
    text = text.replace("\x00", "").replace("\u00a0", " ").replace("\x0c", "\n").replace("\x02", "")
    return text


def find_page_label(lines: list[str]) -> str | None:
    """The printed page number in a page's header or footer lines, if it shows one."""
    nonblank = [l.strip() for l in lines if l.strip()]
    edges = nonblank[-3:][::-1] + nonblank[:3]
    for pattern in PAGE_LABEL_PATTERNS:
        for line in edges:
            if len(line) > 60:
                continue
            m = pattern.search(line)
            if m:
                return m.group(1)
    return None


def is_heading_line(line: str) -> tuple[bool, int]:
    """(is a heading, level). Level 1 chapters, 2 numbered paragraphs, 3 short all-caps titles."""
    if CHAPTER_RE.match(line) or CJK_ARTICLE_RE.match(line):
        return True, 1
    m = ATA_HEADING_RE.match(line)
    if m and len(line.split()) <= 14:
        return True, 3 if m.group(1) else 2
    m = NUMBERED_HEADING_RE.match(line)
    if m and _mostly_upper(m.group(2)) and len(m.group(2).split()) <= 10:
        return True, 2
    words = line.split()
    if (
        1 <= len(words) <= 8
        and _mostly_upper(line)
        and re.search(r"[^\W\d_]{3,}", line)  # a word, not a code such as "FK-PS-31"
        and not line.rstrip().endswith(",")
        and not callout_kind(line)
    ):
        return True, 3
    return False, 0


def _mostly_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) >= 0.85


def lines_to_blocks(lines: list[str], page: int, skip: set[int] | frozenset = frozenset()) -> list[Block]:
    """Group lines into blocks. ``skip`` holds indices of header/footer lines to leave out.

    A blank line (the PDF reader puts one where the printed page leaves vertical space) ends a
    block; so does any line that opens a heading, step, callout or caption. A bare "WARNING" or
    "NOTE" line waits for the text that follows it.
    """
    blocks: list[Block] = []
    kind, level, buf = "", 0, []

    def flush():
        nonlocal kind, level, buf
        text = "\n".join(buf) if kind == "table" else _join(buf)
        if text:
            callout = callout_kind(buf[0]) or "" if kind == "callout" else ""
            blocks.append(Block(kind or "para", text, page, level, callout))
        kind, level, buf = "", 0, []

    for i, raw in enumerate(lines):
        if i in skip:
            continue
        line = raw.strip()
        bare_callout = kind == "callout" and len(buf) == 1 and CALLOUT_RE.match(buf[0]).group(3) == ""
        if not line:
            if not bare_callout:
                flush()
            continue
        if " | " in line and not bare_callout:  # a table row, as the PDF reader or Markdown writes it
            if kind != "table":
                flush()
                kind = "table"
            buf.append(line)
            continue
        if kind == "table":
            flush()
        if bare_callout and not callout_kind(line):
            buf.append(line)  # "NOTE" on its own line, then its text
            continue
        if callout_kind(line):
            flush()
            kind, buf = "callout", [line]
            continue
        if CAPTION_RE.match(line) and _caption_like(line):
            flush()
            blocks.append(Block("caption", line, page))
            continue
        heading, hlevel = is_heading_line(line)
        if heading:
            flush()
            blocks.append(Block("heading", line, page, hlevel))
            continue
        if STEP_RE.match(line) or PARAGRAPH_NUMBER_RE.match(line):
            flush()
            kind, buf = "step", [line]
            continue
        if not kind:
            kind = "para"
        buf.append(line)
    flush()
    return blocks


def _caption_like(line: str) -> bool:
    """"Figure 5-6. Main Rotor Chart" is a caption; "Figure 5-6 shows how the ..." in prose is not."""
    rest = CAPTION_RE.match(line).group(3)
    return not rest or _mostly_upper(rest) or len(rest.split()) <= 12


def _join(lines: list[str]) -> str:
    out = ""
    for line in lines:
        if not out:
            out = line
        elif out.endswith("-") and not out.endswith(" -") and line[:1].islower():
            out = out[:-1] + line  # hyphenated word broken across lines
        elif _is_cjk(out[-1:]) and _is_cjk(line[:1]):
            out += line
        else:
            out += " " + line
    return re.sub(r"[ \t]+", " ", out).strip()


def _is_cjk(ch: str) -> bool:
    return bool(ch) and ("\u3000" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef")


def revision_of(text: str) -> str | None:
    """The revision / change / date a document states on its first pages ("Revision 3, 2026-03-01")."""
    for pattern in REVISION_RES:
        m = pattern.search(text)
        if m:
            return " ".join(m.group(0).split())
    return None


def applicability_of(text: str) -> str | None:
    """An applicability or effectivity statement ("Applicability: FK-200 units serial FK2-0100 and on")."""
    m = APPLICABILITY_RE.search(text)
    return " ".join(m.group(1).split()) if m else None
