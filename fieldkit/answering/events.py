"""The typed event stream of one answer, in the order it comes. CLI, TUI and kiosk render these same
events; the core emits data, never the text a terminal prints.

    [PhotoRead] -> Retrieved -> Refused | (WarningFound* -> Citations -> [ModelLoading -> ModelReady | Failed]
                                                      -> (Token | Removed)*) -> Done

Quotes and callouts (``WarningFound``, ``Citations``) come before generation: they are the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fieldkit.answering.photo import PhotoReading
from fieldkit.library.records import Callout, Figure, Passage

STATUSES = ("answered", "refused", "cancelled", "abandoned")
REFUSAL = "Not in the loaded manuals."  # what every screen says when the manuals do not answer


@dataclass(frozen=True)
class Quote:
    """A verbatim span of a cited passage: steps, limits and values come only this way."""

    text: str
    passage: Passage


@dataclass(frozen=True)
class Answer:
    question: str
    refused: bool
    citations: tuple[Passage, ...]
    warnings: tuple[Callout, ...]  # shown before the answer: they govern the quoted steps or speak to it
    figures: tuple[Figure, ...]
    model: str
    timings_ms: dict
    generated: str = ""  # the model's words, every sentence passed by the guard
    removed: tuple = ()  # the model's sentences the guard took out, with why
    quotes: tuple[Quote, ...] = ()
    reason: str = ""  # why it was refused
    related: tuple[Passage, ...] = field(default=())  # the closest passages of a refusal
    evidence: object = None  # the evidence.Evidence that decided answer or refusal
    other_warnings: tuple[Callout, ...] = ()  # callouts on the cited pages that neither govern nor speak to it
    status: str = "answered"  # one of STATUSES: cancelled by the asker, abandoned when the stream was dropped
    error: str = ""  # what failed on the way (the model could not load), the answer being retrieval-only
    photo: PhotoReading | None = None  # what was read from a photo asked with
    manuals_as_of: str = ""  # "manuals as of <date>, pack <name> <revision>" when the library came from a pack

    def asked(self) -> str:
        """The question as the audit log keeps it: typed words, and what a photo said."""
        if self.photo is None:
            return self.question
        read = ", ".join(i.text for i in self.photo.identifiers) or " ".join(self.photo.text.split())[:120]
        return f"{self.question} [photo {self.photo.path}: {read}]".strip()

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "refused": self.refused,
            "status": self.status,
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
            "error": self.error,
            "manuals_as_of": self.manuals_as_of,
            **({"image": self.photo.to_json()} if self.photo is not None else {}),
        }


@dataclass(frozen=True)
class PhotoRead:
    """What OCR read from the photo asked with: shown first, so it can be checked against the plate."""

    reading: PhotoReading


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
class Citations:
    """The verbatim quotes and where they come from; they arrive before the model writes anything."""

    passages: tuple[Passage, ...]
    quotes: tuple[Quote, ...]
    figures: tuple[Figure, ...]
    other_callouts: tuple[Callout, ...] = ()  # shown after the answer: "other cautions on these pages"


@dataclass(frozen=True)
class ModelLoading:
    name: str


@dataclass(frozen=True)
class ModelReady:
    name: str
    seconds: float


@dataclass(frozen=True)
class Failed:
    """Something failed on the way (the model could not load); the answer goes on retrieval-only."""

    message: str


@dataclass(frozen=True)
class Token:
    text: str  # already checked by the number guard


@dataclass(frozen=True)
class Removed:
    sentence: str
    reason: str


@dataclass(frozen=True)
class Done:
    answer: Answer


Event = (PhotoRead | Retrieved | Refused | WarningFound | Citations | ModelLoading | ModelReady | Failed | Token | Removed
         | Done)
