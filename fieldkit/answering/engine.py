"""Grounded answers. The manual decides, the model only phrases.

``Engine.answer`` yields typed events (``events.py``): retrieved passages; a refusal, or the callouts
that govern the quoted steps and the verbatim quotes with their citations (before any generation:
they are the answer); then the model's short lead-in, sentence by sentence, each shown only once the
number guard passed it (``guard.py``); then done. A screen can drive it: an Engine made on one thread
answers in another, ``cancel`` stops generation within one token, and every answer is recorded in the
audit log however its stream ends (read to the end, cancelled, or dropped).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from fieldkit.answering import audit, guard
from fieldkit.answering.callouts import collect_callouts, passage_speaks_to, relevant_callouts
from fieldkit.answering.events import (
    REFUSAL,
    Answer,
    Citations,
    Done,
    Event,
    Failed,
    ModelLoading,
    ModelReady,
    PhotoRead,
    Refused,
    Removed,
    Retrieved,
    Token,
    WarningFound,
)
from fieldkit.answering.evidence import CALLOUT_COVERS, COVERAGE_PASSAGES, Evidence, Signals, assess
from fieldkit.answering.photo import PhotoReading, assessed_question, figures_first, holds_identifier, \
    identifier_phrase, look_up, not_in_manuals
from fieldkit.answering.prompt import build_messages
from fieldkit.answering.quotes import key_quotes
from fieldkit.answering.session import Session, Turn
from fieldkit.errors import ModelError
from fieldkit.library.packs import installed
from fieldkit.library.records import Passage
from fieldkit.text.language import detect_language

CONTEXT_PASSAGES = 3
GENERATE_TOKENS = 64
MAX_GENERATED_SENTENCES = 2


class Engine:
    """Library + embedder + retriever + (lazily) the language model, loaded once per process.
    ``read_only`` opens the library without writing anything and keeps no audit log (a kiosk)."""

    def __init__(self, library=None, embedder=None, llm=None, model: str | None = None, read_only: bool | None = False):
        from fieldkit.answering.retrieve import Retriever
        from fieldkit.library.catalog import Library

        self.embedder = embedder or library_embedder(library)
        self.library = library or Library.open(self.embedder.id, self.embedder.dim, read_only=read_only)
        self.read_only = bool(read_only) or self.library.read_only
        self.retriever = Retriever(self.library, self.embedder)
        pack = installed(self.library.root)
        self.manuals_as_of = pack.as_of() if pack else ""  # shown with every answer
        self._llm = llm
        self._model = model
        self._llm_lock = threading.Lock()

    @property
    def llm(self):
        return self.load_model()

    @property
    def model_loaded(self) -> bool:
        return self._llm is not None

    def model_name(self) -> str:
        """The chat model's file name, without loading it."""
        from fieldkit.models.weights import resolve_llm

        return self._llm.name if self._llm is not None else resolve_llm(self._model).name

    def load_model(self):
        """Load the chat model once (a screen may call this in the background at start)."""
        with self._llm_lock:
            if self._llm is None:
                from fieldkit.models.llm import LocalLLM

                self._llm = LocalLLM(self._model)
            return self._llm

    def search(self, query: str, k: int = 5, doc: str | None = None, applies_to: str | None = None,
               photo: PhotoReading | None = None):
        """Top ``k`` passages for a question, or for a photo (``read_photo``) and the words typed with
        it: its identifiers as exact phrases, its text by meaning, a figure it matches first."""
        if photo is None:
            return self.retriever.search(query, k=k, doc=doc, applies_to=applies_to)
        phrases = tuple(identifier_phrase(i.text) for i in photo.found)
        result = self.retriever.search(photo.search_text(query), k=k, doc=doc, applies_to=applies_to, phrases=phrases)
        return replace(result, passages=figures_first(photo, result.passages))

    def read_photo(self, path) -> PhotoReading:
        """OCR of a photo, its identifiers looked up in this library."""
        from fieldkit.answering.photo import read_photo

        return look_up(self.library, read_photo(path))

    def answer(self, question: str, k: int = 5, doc: str | None = None, generate: bool = True,
               session: Session | None = None, log: bool = True, applies_to: str | None = None,
               cancel: threading.Event | None = None, photo: PhotoReading | None = None) -> Iterator[Event]:
        """The event stream of one answer. ``cancel``: set it (from any thread) to stop generating;
        the answer still ends with ``Done`` and is recorded as cancelled. A stream dropped before its
        end is recorded as abandoned. ``photo``: what ``read_photo`` read, asked about with ``question``
        (which may be empty)."""
        if photo is not None and any(i.in_manuals is None for i in photo.identifiers):
            photo = look_up(self.library, photo)
        run = _Run(question, session, cancel or threading.Event(), time.perf_counter(), log=log, photo=photo,
                   manuals_as_of=self.manuals_as_of)
        try:
            yield from self._answer(run, k, doc, generate, applies_to)
        finally:
            if run.passages is not None and run.final is None:  # dropped (or failed) before its end
                self._finish(run, "cancelled" if run.cancel.is_set() else "abandoned")

    def _answer(self, run: _Run, k: int, doc: str | None, generate: bool, applies_to: str | None) -> Iterator[Event]:
        session, photo = run.session, run.photo
        query = session.search_query(run.question) if session and run.question.strip() else run.question
        if photo is not None:
            yield PhotoRead(photo)
        result = self.search(query, k=k, doc=doc, applies_to=applies_to, photo=photo)
        run.passages = result.passages
        run.timings["retrieve"] = round(result.seconds * 1000, 1)
        yield Retrieved(result.passages, result.seconds)

        if photo is not None and photo.unknown_parts:  # never guessed around
            run.evidence = Evidence(True, not_in_manuals(photo), Signals(has_passages=bool(result.passages)))
        elif photo is not None and not query.strip() and photo.found:  # "what is this?": where it is named
            run.subject = query = assessed_question(query, photo)
            named = holds_identifier(photo, result.passages)
            run.evidence = Evidence(not named, "" if named else "no passage found names what the photo shows",
                                    Signals(has_passages=bool(result.passages)))
        else:
            if photo is not None:
                query = run.subject = assessed_question(query, photo)
            run.evidence = assess(self.library, query, result.passages)
        if run.evidence.refuse:
            run.related = result.passages[:3]
            if run.evidence.signals.callout_share >= CALLOUT_COVERS:  # a value no passage states, asked
                # beside a WARNING or CAUTION about the question: that callout still comes first, verbatim
                close = collect_callouts(result.passages[:COVERAGE_PASSAGES])
                run.warnings = tuple(c for c in relevant_callouts(query, close, [])[0] if c.kind in ("WARNING", "CAUTION"))
                for callout in run.warnings:
                    yield WarningFound(callout)
            yield Refused(run.evidence.reason, run.related)
            run.timings["first_token"] = run.ms()
            yield Done(self._finish(run, "refused"))
            return

        cited = result.passages[:CONTEXT_PASSAGES]
        # A lower-ranked passage whose WARNING/CAUTION or figure caption speaks to the question is cited too.
        speaks = [p for p in result.passages[CONTEXT_PASSAGES:] if passage_speaks_to(run.subject or run.question, p)]
        run.cited = cited + tuple(speaks)
        run.quotes = tuple(key_quotes(query, run.cited))
        callouts, others = relevant_callouts(query, collect_callouts(run.cited), list(run.quotes))
        run.warnings, run.other_warnings = tuple(callouts), tuple(others)
        for callout in run.warnings:
            yield WarningFound(callout)
        run.figures = tuple({(f.doc, f.page, f.label): f for p in run.cited for f in p.figures}.values())
        yield Citations(run.cited, run.quotes, run.figures, run.other_warnings)

        if generate and run.quotes and not run.cancel.is_set():
            llm = yield from self._model_for(run)
            if llm is not None:
                yield from self._generate(run, llm)
        yield Done(self._finish(run, "cancelled" if run.cancel.is_set() else "answered"))

    def _model_for(self, run: _Run):
        """The loaded model, announcing the load; None (after a ``Failed``) when it cannot load."""
        if self._llm is None:
            try:
                name = self.model_name()
                yield ModelLoading(name)
                began = time.perf_counter()
                self.load_model()
                yield ModelReady(name, round(time.perf_counter() - began, 2))
            except ModelError as exc:
                run.error = exc.message
                yield Failed(exc.message)
                return None
        run.model = self._llm.name
        return self._llm

    def _generate(self, run: _Run, llm) -> Iterator[Token | Removed]:
        """Stream the model's lead-in sentence by sentence; each sentence is shown only after the guard,
        and only once the next piece proves it ended ("to 3." may go on "5 N·m"). The model's
        unfiltered words are kept for the session (replayed so the KV cache matches)."""
        run.sources = guard.Sources.of(run.cited, run.warnings)
        messages = build_messages(llm, run.subject or run.question, list(run.quotes),
                                  run.session.history() if run.session else ())
        run.turn = Turn(run.question, messages[-1]["content"], "", [p.citation() for p in run.cited])
        buffer, kept, raw = "", 0, []
        stream = llm.stream_chat(messages, max_tokens=GENERATE_TOKENS)
        try:
            for piece in stream:
                raw.append(piece)
                run.turn.reply = "".join(raw)
                if run.cancel.is_set():
                    return
                complete, buffer = guard.complete_sentences(buffer + piece)
                for sentence in complete:
                    for event in run.checked(sentence):
                        kept += isinstance(event, Token)
                        yield event
                if kept >= MAX_GENERATED_SENTENCES:
                    return
            for sentence in guard.split_sentences(buffer):
                yield from run.checked(sentence)
        except ModelError as exc:  # the quotes already sent are the answer
            run.error = exc.message
            yield Failed(exc.message)
        finally:
            stream.close()  # releases the model for the next answer at once

    def _finish(self, run: _Run, status: str) -> Answer:
        """The answer as it ends, recorded: the session's turn, and the audit log (unless read-only)."""
        run.final = answer = run.answer(status)
        if run.turn is None and status == "answered" and run.quotes:
            # Answered by its quotes alone (no model, or it did not load): the quotes are what was said,
            # and a follow-up still reads this question.
            run.turn = Turn(run.question, run.question, "\n".join(q.text for q in run.quotes),
                            [p.citation() for p in run.cited])
        if run.session is not None and run.turn is not None:
            run.session.turns.append(run.turn)
        if run.log and not self.read_only:
            audit.log_answer(self.library, answer, detect_language(answer.question),
                             run.session.name if run.session else None)
        return answer


@dataclass
class _Run:
    """What one answer has gathered so far (so a cancelled or dropped stream can still be recorded)."""

    question: str
    session: Session | None
    cancel: threading.Event
    start: float
    log: bool = True
    photo: PhotoReading | None = None
    manuals_as_of: str = ""
    subject: str = ""  # what a photo question asks about, in words (its typed words and identifiers)
    timings: dict = field(default_factory=dict)
    passages: tuple[Passage, ...] | None = None
    evidence: Evidence | None = None
    related: tuple = ()
    cited: tuple = ()
    quotes: tuple = ()
    warnings: tuple = ()
    other_warnings: tuple = ()
    figures: tuple = ()
    generated: str = ""
    removed: list = field(default_factory=list)
    model: str = ""
    error: str = ""
    turn: Turn | None = None
    sources: guard.Sources | None = None
    final: Answer | None = None

    def ms(self) -> float:
        return round((time.perf_counter() - self.start) * 1000, 1)

    def checked(self, sentence: str) -> Iterator[Token | Removed]:
        """One sentence of the model's, through the guard: shown (Token) or reported (Removed)."""
        if len(re.findall(r"[^\W\d_]{2,}", sentence)) < 3:
            return  # a fragment ("- 3."), not a sentence: nothing to show or report
        if REFUSAL.lower().rstrip(".") in sentence.lower():
            event = Removed(sentence.strip(), "the model said the passages do not answer; the passages are shown")
        else:
            reason = guard.check(sentence, self.sources, wording=self.subject or self.question)
            event = Removed(sentence.strip(), reason) if reason else Token(sentence.strip() + " ")
        if isinstance(event, Token):
            self.timings.setdefault("first_token", self.ms())
            self.generated += event.text
        else:
            self.removed.append(guard.Removal(event.sentence, event.reason))
        yield event

    def answer(self, status: str) -> Answer:
        self.timings.setdefault("first_token", self.ms())
        self.timings["total"] = self.ms()
        refused = status == "refused"
        return Answer(
            self.question, refused, () if refused else self.cited, self.warnings, self.figures, self.model,
            dict(self.timings), generated=self.generated.strip(), removed=tuple(self.removed), quotes=self.quotes,
            reason=self.evidence.reason if refused else "", related=self.related, evidence=self.evidence,
            other_warnings=self.other_warnings, status=status, error=self.error, photo=self.photo,
            manuals_as_of=self.manuals_as_of)


def open_library(read_only: bool | None = False, root=None):
    """The library, opened without loading its embedder (a new one for the default embedder)."""
    from fieldkit import paths
    from fieldkit.library import manifest
    from fieldkit.library.catalog import Library
    from fieldkit.models.embedder import DIM, EMBEDDER_ID

    root = root or paths.library_dir()
    embedder_id, dim = manifest.recorded_embedder(root / "manifest.json") or (EMBEDDER_ID, DIM)
    return Library.open(embedder_id, dim, root=root, read_only=read_only)


def library_embedder(library=None, root=None):
    """The embedder the library was built with (its manifest says); for a new library, the one
    $FIELDKIT_EMBEDDER names (the default MiniLM, or ``multilingual``)."""
    from fieldkit import paths
    from fieldkit.library import manifest
    from fieldkit.models.embedder import load_embedder

    if library is not None:
        return load_embedder(library.embedder_id)
    recorded = manifest.recorded_embedder((root or paths.library_dir()) / "manifest.json")
    return load_embedder(recorded[0] if recorded else None)


def answer(question: str, engine: Engine | None = None, **kwargs) -> Iterator[Event]:
    """The one answer stream every shell renders."""
    return (engine or Engine()).answer(question, **kwargs)
