"""Is there evidence in the library for this question? Decides refusals before any generation.

Two signals, calibrated on ../shared/eval/dev.jsonl with `fieldkit eval --calibrate` (README):
- the best dense similarity among the top passages (``DENSE_FLOOR``), for English questions;
- identifiers in the question (spec numbers, part numbers, model designators) that occur nowhere in
  the library: a question about "MIL-PRF-23699" cannot be answered by manuals that never name it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldkit.language import detect_language
from fieldkit.textnorm import identifiers

DENSE_FLOOR = 0.37


@dataclass(frozen=True)
class Evidence:
    refuse: bool
    reason: str
    top_dense: float
    unknown_identifiers: tuple[str, ...]
    english: bool  # the floor applies to questions in the manuals' language only


def assess(library, question: str, passages, dense_floor: float = DENSE_FLOOR) -> Evidence:
    top = max((p.dense for p in passages[:3]), default=0.0)
    unknown = tuple(t for t in identifiers(question) if library.term_count(t) == 0)
    english = detect_language(question) == "en"
    if not passages:
        return Evidence(True, "the library has no passages for this question", top, unknown, english)
    if unknown:
        return Evidence(True, f"the loaded manuals never mention {', '.join(unknown)}", top, unknown, english)
    # The embedder is English-only: its similarity says nothing for a question in another language
    # (the crosslang questions that are answered score 0.23-0.57), so the floor applies to English.
    if top < dense_floor and english:
        reason = f"no passage is close enough to the question (best similarity {top:.2f})"
        return Evidence(True, reason, top, unknown, english)
    return Evidence(False, "", top, unknown, english)
