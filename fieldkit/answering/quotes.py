"""The verbatim spans of cited passages that answer a question: steps, limits and values reach the
technician only this way (a line, a sentence of a long line, or a table row under its header)."""

from __future__ import annotations

import re

from fieldkit.answering.events import Quote
from fieldkit.answering.injection import looks_like_injection
from fieldkit.library.records import Passage
from fieldkit.text.callouts import callout_kind
from fieldkit.text.normalize import stems


def key_quotes(question: str, passages, limit: int = 3) -> list[Quote]:
    """The spans of the cited passages that answer the question best, verbatim."""
    wanted = stems(question)
    scored: list[tuple[float, int, int, str, Passage]] = []
    for rank, p in enumerate(passages):
        for pos, span in enumerate(_spans(p.text)):
            if callout_kind(span):
                continue  # callouts are shown first, on their own
            overlap = len(wanted & stems(span, min_len=1))
            if not overlap:
                continue
            score = overlap + (0.5 if re.search(r"\d", span) else 0.0) - 0.75 * rank
            scored.append((score, rank, pos, span, p))
    if not scored:
        for p in passages[:1]:
            for span in _spans(p.text):
                if not callout_kind(span):
                    return [Quote(span, p)]
        return []
    best = max(s[0] for s in scored)
    chosen = sorted((s for s in scored if s[0] >= best * 0.6), key=lambda s: -s[0])[:limit]
    chosen.sort(key=lambda s: (s[1], s[2]))
    return [Quote(span, p) for _, _, _, span, p in chosen]


def _spans(text: str) -> list[str]:
    """Quotable units: a line, a sentence of a long line, or a table row under its header row."""
    spans, header = [], None
    for line in text.split("\n"):
        line = line.strip()
        if " | " in line:
            if header is None:
                header = line
                spans.append(line)
            else:
                spans.append(f"{header}\n{line}")
            continue
        header = None
        if len(line) <= 320 and not looks_like_injection(line):
            spans.append(line)
        else:  # long, or carrying text aimed at a model: sentence by sentence, those dropped
            spans.extend(s.strip() for s in re.split(r"(?<=[.;!?])\s+(?=[A-Z(])", line)
                         if s.strip() and not looks_like_injection(s))
    return [s for s in spans if s]
