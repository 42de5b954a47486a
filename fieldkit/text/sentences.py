"""Splitting text into sentences without ever splitting inside a number."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (or the CJK 。！？) followed by white space and a capital, digit or bracket
# (so "3.5" and "0.032 in. wire" never split), or at a line end.
SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[*•¿¡-])|(?<=[。！？])|\n+")


def split_sentences(text: str) -> list[str]:
    """Sentences and lines; never inside a number ("to 3.5 N·m." is one sentence)."""
    return [s.strip() for s in SENTENCE_END_RE.split(text) if s and s.strip()]
