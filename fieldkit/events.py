"""The typed event stream of one answer. CLI, TUI and kiosk all render these same events."""

from __future__ import annotations

from dataclasses import dataclass, field

from fieldkit.records import Callout, Figure, Passage


@dataclass(frozen=True)
class Quote:
    """A verbatim span of a cited passage: steps, limits and values come only this way."""

    text: str
    passage: Passage


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    refused: bool
    citations: tuple[Passage, ...]
    warnings: tuple[Callout, ...]
    figures: tuple[Figure, ...]
    model: str
    timings_ms: dict
    generated: str = ""
    removed: tuple = ()
    quotes: tuple[Quote, ...] = ()
    reason: str = ""
    related: tuple[Passage, ...] = field(default=())
    evidence: object = None  # the evidence.Evidence that decided answer or refusal
    other_warnings: tuple[Callout, ...] = ()  # callouts on the cited pages that neither govern nor speak to it

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [p.citation() for p in self.citations],
            "warnings": [w.to_json() for w in self.warnings],
            "figures": [f.to_json() for f in self.figures],
            "model": self.model,
            "timings_ms": self.timings_ms,
            "generated": self.generated,
            "removed": [r.to_json() for r in self.removed],
            "quotes": [{"text": q.text, "doc": q.passage.doc, "page": q.passage.page} for q in self.quotes],
            "reason": self.reason,
            "related": [p.citation() for p in self.related],
            "other_warnings": [w.to_json() for w in self.other_warnings],
        }


@dataclass(frozen=True)
class Retrieved:
    passages: tuple[Passage, ...]
    seconds: float


@dataclass(frozen=True)
class Refused:
    reason: str
    related: tuple[Passage, ...]


@dataclass(frozen=True)
class WarningFound:
    """A callout that governs the cited steps or speaks to the question: shown before the answer."""

    callout: Callout


@dataclass(frozen=True)
class Token:
    text: str  # already checked by the number guard


@dataclass(frozen=True)
class Removed:
    sentence: str
    reason: str


@dataclass(frozen=True)
class Citations:
    passages: tuple[Passage, ...]
    quotes: tuple[Quote, ...]
    figures: tuple[Figure, ...]
    other_callouts: tuple[Callout, ...] = ()  # shown after the answer: "other cautions on these pages"


@dataclass(frozen=True)
class Done:
    answer: Answer


Event = Retrieved | Refused | WarningFound | Token | Removed | Citations | Done
