"""Is there evidence in the library for this question? Decides refusals before any generation.

Three signals, calibrated on ../shared/eval/dev.jsonl with `fieldkit eval --calibrate` (README):
- the best dense similarity among the top passages (``DENSE_FLOOR``), for English questions;
- identifiers in the question (spec numbers, part numbers, model designators) that occur nowhere in
  the library: a question about "MIL-PRF-23699" cannot be answered by manuals that never name it;
- a check or test the question names ("the mag check") that none of the top passages mentions: they
  describe other checks (on a turbine helicopter, RPM checks during runup), not the one asked about.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldkit.language import detect_language
from fieldkit.question import mentions, named_procedures, with_shop_talk_spelled_out
from fieldkit.textnorm import content_words, identifiers, stems

DENSE_FLOOR = 0.37
COVERAGE_PASSAGES = 5


@dataclass(frozen=True)
class Evidence:
    refuse: bool
    reason: str
    top_dense: float
    unknown_identifiers: tuple[str, ...]
    english: bool  # the floor applies to questions in the manuals' language only
    unmentioned: tuple[str, ...] = ()  # checks/tests the question names that no top passage mentions


def assess(library, question: str, passages, dense_floor: float = DENSE_FLOOR) -> Evidence:
    top = max((p.dense for p in passages[:3]), default=0.0)
    question = with_shop_talk_spelled_out(question, keep=False)  # "blackhawk" asks about the UH-60
    unknown = tuple(t for t in identifiers(question) if library.term_count(t) == 0)
    english = detect_language(question) == "en"
    if not passages:
        return Evidence(True, "the library has no passages for this question", top, unknown, english)
    if unknown:
        return Evidence(True, f"the loaded manuals never mention {', '.join(unknown)}", top, unknown, english)
    unmentioned = _unmentioned_procedures(question, passages[:COVERAGE_PASSAGES]) if english else ()
    if unmentioned:
        reason = f"no passage close to the question mentions the {', '.join(unmentioned)}"
        return Evidence(True, reason, top, unknown, english, unmentioned)
    # The embedder is English-only: its similarity says nothing for a question in another language
    # (the crosslang questions that are answered score 0.23-0.57), so the floor applies to English.
    if top < dense_floor and english:
        reason = f"no passage is close enough to the question (best similarity {top:.2f})"
        return Evidence(True, reason, top, unknown, english)
    return Evidence(False, "", top, unknown, english)


def _unmentioned_procedures(question: str, passages) -> tuple[str, ...]:
    """The named checks ("mag check", "prop governor check") with a name word that none of ``passages``
    uses (in its text, section, manual name, callouts or figure captions)."""
    named = named_procedures(question)
    if not named:
        return ()
    texts = [t for p in passages for t in (p.text, p.section, p.doc, *(c.text for c in p.callouts),
                                           *(f.caption for f in p.figures))]
    text = " ".join(texts)
    words, word_stems = set(content_words(text)), stems(text)
    return tuple(dict.fromkeys(phrase for word, phrase in named if not mentions(word, word_stems, words)))
