"""WARNING, CAUTION and NOTE as manuals print them, and the order they are shown in."""

from __future__ import annotations

import re

CALLOUT_RE = re.compile(r"^(WARNING|CAUTION|NOTE|NOTES)\b\s*([:.\-—–]?)\s*(.*)$", re.IGNORECASE)
CALLOUT_ORDER = {"WARNING": 0, "CAUTION": 1, "NOTE": 2}


def callout_kind(line: str) -> str | None:
    """WARNING / CAUTION / NOTE when ``line`` opens a callout (the word in capitals, as manuals print
    it; OCR may lower a letter: "WARNiNG"), else None. "Note that ..." in prose is not a callout."""
    m = CALLOUT_RE.match(line.strip())
    if not m or (m.group(3) and not m.group(2)):
        return None  # "CAUTION Panel TEST - All lights ..." names the caution panel; a callout is
        # "CAUTION" alone on its line (its text follows) or "CAUTION: text"
    word = m.group(1)
    if sum(c.isupper() for c in word) < len(word) - 1:
        return None
    kind = word.upper()
    return "NOTE" if kind == "NOTES" else kind
