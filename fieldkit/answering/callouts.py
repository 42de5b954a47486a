"""Which callouts an answer shows first: those that govern a quoted step or speak to the question;
the others on the cited pages follow after the answer."""

from __future__ import annotations

from fieldkit.answering.events import Quote
from fieldkit.answering.injection import looks_like_injection
from fieldkit.library.records import Callout, Passage
from fieldkit.text.callouts import CALLOUT_ORDER
from fieldkit.text.normalize import stems

# Words of a question that say what kind of answer is wanted, not what it is about.
GENERIC_STEMS = stems("check checks procedure limit limits maximum minimum max min value allowed need required "
                      "normal okay good long often much many time times", min_len=1)


def collect_callouts(passages) -> list[Callout]:
    """The callouts governing the cited passages, verbatim, WARNING > CAUTION > NOTE, each once."""
    seen: dict[str, Callout] = {}
    for p in passages:
        for c in p.callouts:
            if not looks_like_injection(c.text):
                seen.setdefault(c.text, c)
    return sorted(seen.values(), key=lambda c: CALLOUT_ORDER.get(c.kind, 3))


def relevant_callouts(question: str, callouts: list[Callout], quotes: list[Quote]) -> tuple[list[Callout], list[Callout]]:
    """The callouts to show before the answer, and the other callouts on the cited pages. A callout
    goes first when its words speak to the question or when it governs a quoted step: a WARNING or
    CAUTION printed before the step in its procedure governs it (they head the procedure), a NOTE only
    the step right after it."""
    first, other = [], []
    for c in callouts:
        governs = any(_precedes(c.text, q, adjacent=c.kind == "NOTE") for q in quotes)
        (first if governs or speaks_to(question, c.text) else other).append(c)
    return first, other


def _precedes(callout: str, quote: Quote, adjacent: bool) -> bool:
    """Is ``callout`` printed before the quoted span in its passage (``adjacent``: right before it,
    nothing but white space between)?"""
    text = quote.passage.text
    at = text.find(quote.text.split("\n")[0])  # a table row is quoted under its header: the header
    end = text.rfind(callout, 0, max(at, 0))
    return at > 0 and end >= 0 and (not adjacent or not text[end + len(callout):at].strip())


def speaks_to(question: str, text: str) -> bool:
    """Does ``text`` share two content words with the question (one, if the question has only one)?"""
    wanted = stems(question, min_len=3) - GENERIC_STEMS
    return bool(wanted) and len(wanted & stems(text)) >= min(2, len(wanted))


def passage_speaks_to(question: str, passage: Passage) -> bool:
    """Does a warning/caution or a figure caption of the passage share two content words with the question?"""
    wanted = stems(question, min_len=3)
    texts = [c.text for c in passage.callouts if c.kind in ("WARNING", "CAUTION")] + [f.caption for f in passage.figures]
    return any(len(wanted & stems(t)) >= 2 for t in texts)
