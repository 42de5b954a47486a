"""Figure and table captions ("FIGURE 7-2. NUT PLATE BONDING ...", "Table 3-1"): ingest starts a block
at one; the evidence check reads what a figure's notes are about from it."""

from __future__ import annotations

import re

# kind, label, the caption's words
CAPTION_RE = re.compile(r"^(FIGURE|Figure|Fig\.|TABLE|Table)\s+([A-Z]?\d+(?:[-.]\d+)*[A-Z]?)\b[.:]?\s*(.*)$")


def captions(text: str) -> list[str]:
    """The words of each caption line in ``text``."""
    return [m.group(3) for line in text.splitlines() if (m := CAPTION_RE.match(line.strip()))]
