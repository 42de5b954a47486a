"""`fieldkit tui`: ask, read the callouts and quotes at once, watch the guarded summary stream in,
open a citation's page and figures, browse manuals, run a checklist, ask with a photo of a plate (F8).

Slow work runs in thread workers that post the engine's events to the UI: the app takes typing at
once while the engine (embedder, library) and then the model load behind it; a question asked before
the engine is ready waits for it, not the other way round. Escape cancels an answer.
"""

from __future__ import annotations

import threading
import time

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.theme import Theme
from textual.widgets import Footer, Header, Input, OptionList

from fieldkit.answering.events import Done
from fieldkit.errors import FieldkitError
from fieldkit.ui.tui.answer import AnswerView
from fieldkit.ui.tui.photo import PhotoThumb, PhotoUnread, photo_picker
from fieldkit.ui.tui.screens import ChecklistScreen, LogScreen, ManualsScreen, PageScreen

HIGH_CONTRAST = Theme(name="high-contrast", primary="#ffff00", secondary="#00ffff", warning="#ffff00",
                      error="#ff5555", success="#00ff00", accent="#ffffff", foreground="#ffffff",
                      background="#000000", surface="#000000", panel="#1a1a1a", dark=True)

CSS = """
#answer { height: 1fr; padding: 0 1; }
#status { color: $text-muted; height: auto; }
#callouts { height: auto; }
.callout { border: heavy $warning; padding: 0 1; margin: 0 0 1 0; }
.callout.warning { border: heavy $error; color: $text; background: $error 20%; }
.callout.caution { border: heavy $warning; background: $warning 15%; }
.callout.note { border: round $secondary; }
#quotes { height: auto; border: none; }
#summary { margin: 1 0; }
#translation { margin: 0 0 1 0; }
#sources { color: $text-muted; }
#ask-row { dock: bottom; height: auto; }
#question { width: 1fr; }
#photo { width: 20; height: auto; display: none; }
#photo.attached { display: block; }
#prompt { width: 70; height: auto; border: heavy $accent; padding: 1 2; background: $panel; }
TextPrompt { align: center middle; }
#manuals { width: 45%; }
#steps { height: 1fr; }
"""


class EngineEvent(Message):
    """An event of the engine's answer stream, posted from the worker thread."""

    def __init__(self, ask_id: int, event) -> None:
        super().__init__()
        self.ask_id, self.event = ask_id, event


class EngineReady(Message):
    def __init__(self, engine=None, error: str = "") -> None:
        super().__init__()
        self.engine, self.error = engine, error


class ModelStatus(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class Translated(Message):
    def __init__(self, ask_id: int, fields: dict | None, error: str = "") -> None:
        super().__init__()
        self.ask_id, self.fields, self.error = ask_id, fields, error


class QuestionInput(Input):
    """The question box: Enter asks, up/down walk the history."""

    BINDINGS = [Binding("up", "history(-1)", "Earlier question", show=False),
                Binding("down", "history(1)", "Later question", show=False)]

    def on_mount(self) -> None:
        self.history: list[str] = []
        self.position = 0

    def remember(self, question: str) -> None:
        if question and (not self.history or self.history[-1] != question):
            self.history.append(question)
        self.position = len(self.history)

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        self.position = max(0, min(len(self.history), self.position + step))
        self.value = self.history[self.position] if self.position < len(self.history) else ""
        self.cursor_position = len(self.value)


# The keys of asking and reading, the kiosk's too.
READING_KEYS = [
    Binding("escape", "cancel", "Cancel"),
    Binding("f2", "open_citation", "Page"),
    Binding("f3", "manuals", "Manuals"),
    Binding("f4", "checklist", "Checklist"),
    Binding("f7", "language", "Language"),
    Binding("pageup", "scroll_answer(-1)", "Scroll", show=False),
    Binding("pagedown", "scroll_answer(1)", "Scroll", show=False),
]


class FieldkitApp(App):
    """The technician's terminal. ``engine_factory`` builds the Engine in a worker thread."""

    TITLE = "fieldkit"
    CSS = CSS
    # Function keys: they reach the app whatever has focus (the question box keeps its editing keys)
    # and work over SSH and on the Linux console.
    BINDINGS = [*READING_KEYS[:4], Binding("f5", "log", "Log"), Binding("f6", "next_theme", "Theme"),
                *READING_KEYS[4:], Binding("f8", "photo", "Photo"), Binding("ctrl+q", "quit", "Quit", priority=True)]

    def __init__(self, engine_factory, session=None, generate: bool = True, log: bool = True,
                 save_session: bool = True) -> None:
        super().__init__()
        self.engine_factory, self.session, self.generate, self.log_answers = engine_factory, session, generate, log
        self.save_session = save_session
        self.engine = None
        self.library_line = "0 manuals"
        self.pending: str | None = None  # asked before the engine was ready
        self.cancel_event = threading.Event()
        self.ask_id = 0
        self.answering = False
        self.lang = "en"  # the technician's language: answers are translated into it beside the manual's words
        self.photo: str | None = None  # a photo attached to the next question (F8)
        self.register_theme(HIGH_CONTRAST)

    def compose(self) -> ComposeResult:
        yield Header()
        yield AnswerView(id="answer")
        with Horizontal(id="ask-row"):
            yield QuestionInput(placeholder="Ask about the loaded manuals (Enter asks, up/down history)", id="question")
            yield PhotoThumb(id="photo")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#question", QuestionInput).focus()
        self.sub_title = "loading the library"
        self.call_after_refresh(self.load_engine)  # the question box is drawn and typing first

    # -- the engine and the model, behind the UI -------------------------------------------------

    @work(thread=True, exclusive=True, group="engine")
    def load_engine(self) -> None:
        try:
            engine = self.engine_factory()
        except Exception as exc:  # noqa: BLE001 - shown to the technician, never raised into the UI
            self.post_message(EngineReady(error=getattr(exc, "message", str(exc))))
            return
        self.post_message(EngineReady(engine))
        if self.generate:
            self.post_message(ModelStatus(f"loading model {engine.model_name()}"))
            try:
                engine.load_model()
            except Exception as exc:  # noqa: BLE001 - retrieval-only answers still work
                self.post_message(ModelStatus(f"model not loaded ({getattr(exc, 'message', exc)}): quotes only"))
                return
            self.post_message(ModelStatus(f"model {engine.model_name()}"))

    def on_engine_ready(self, message: EngineReady) -> None:
        if message.error:
            self.sub_title = "library not loaded"
            self.query_one(AnswerView).status(message.error)
            return
        self.engine = message.engine
        docs = self.engine.library.documents()
        as_of = f" ({self.engine.manuals_as_of})" if self.engine.manuals_as_of else ""  # when from a pack
        self.sub_title = self.library_line = f"{len(docs)} manuals{as_of}"
        if not docs:
            self.query_one(AnswerView).status("The library is empty: add manuals with `fieldkit ingest PATH`.")
        if self.pending:
            question, self.pending = self.pending, None
            self.ask(question)

    def on_model_status(self, message: ModelStatus) -> None:
        self.sub_title = f"{self.library_line}; {message.text}"

    # -- asking ------------------------------------------------------------------------------------

    @on(Input.Submitted, "#question")
    def submitted(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        box = self.query_one("#question", QuestionInput)
        box.remember(question)
        box.value = ""
        if not question and not self.photo:
            return
        self.query_one(AnswerView).start(question or "the photo")
        if self.engine is None:
            self.pending = question
            self.query_one(AnswerView).status("Opening the library; your question is next")
            return
        self.ask(question)

    def ask(self, question: str) -> None:
        self.cancel_event.set()  # a new question cancels the one still streaming
        self.cancel_event = threading.Event()
        self.ask_id += 1
        self.answering = True
        photo, self.photo = self.photo, None  # a photo goes with one question
        self.query_one(PhotoThumb).show(None)
        self.run_answer(question, self.ask_id, self.cancel_event, photo)

    @work(thread=True, group="answer")
    def run_answer(self, question: str, ask_id: int, cancel: threading.Event, photo: str | None = None) -> None:
        from fieldkit.answering.translation import question_for_search, translating_beside

        if self.lang != "en" and question:  # read in the manual's language where a pack for it is installed
            question = question_for_search(question, self.lang, self.engine.embedder.multilingual).text
        try:
            reading = self.engine.read_photo(photo) if photo else None  # OCR: slow, so here
        except FieldkitError as exc:
            self.post_message(EngineEvent(ask_id, PhotoUnread(exc.message)))
            return
        stream = self.engine.answer(question, session=self.session, generate=self.generate, log=self.log_answers,
                                    cancel=cancel, photo=reading)
        for event in translating_beside(stream, self.lang):  # its quotes translated while the model writes
            self.post_message(EngineEvent(ask_id, event))
        if self.session is not None and self.save_session:
            self.session.save()

    def on_engine_event(self, message: EngineEvent) -> None:
        if message.ask_id != self.ask_id:
            return  # a cancelled answer's last events
        view = self.query_one(AnswerView)
        if isinstance(message.event, PhotoUnread):
            self.answering = False
            view.status(f"The photo was not read: {message.event.message}")
            return
        view.show(message.event)
        if isinstance(message.event, Done):
            self.answering = False
            self.on_answered(message.event.answer)
            if self.lang != "en" and not message.event.answer.refused:
                view.translation_status(f"Translating into {self.lang}...")
                self.translate(message.event.answer, message.ask_id, self.lang)

    @work(thread=True, group="translate")
    def translate(self, answer, ask_id: int, lang: str) -> None:
        from fieldkit.answering.translation import translate_answer
        try:
            self.post_message(Translated(ask_id, translate_answer(answer, lang)))
        except FieldkitError as exc:
            self.post_message(Translated(ask_id, None, exc.message))

    def on_translated(self, message: Translated) -> None:
        if message.ask_id == self.ask_id:
            self.query_one(AnswerView).show_translation(message.fields, message.error)

    def action_language(self) -> None:
        """Cycle English and the languages an installed en->X pack translates into."""
        from fieldkit.translate import packs

        try:
            langs = ["en", *sorted({p.to_code for p in packs.installed() if p.from_code == "en"})]
        except FieldkitError as exc:
            self.notify(exc.message, severity="warning")
            return
        if len(langs) == 1:
            self.notify("No language pack installed: `fieldkit lang install FILE.argosmodel`", severity="warning")
        self.lang = langs[(langs.index(self.lang) + 1) % len(langs)] if self.lang in langs else "en"
        self.notify(f"Answers in: {self.lang}" + (" (beside the manual's English)" if self.lang != "en" else ""))

    def on_answered(self, answer) -> None:
        """A hook for the kiosk (its own log)."""

    # -- a photo of a plate, placard or label --------------------------------------------------------

    def action_photo(self) -> None:
        """Pick a photo for the next question (F8 again takes it off)."""
        if self.photo:
            self.photo = None
            self.query_one(PhotoThumb).show(None)
            return
        self.push_screen(photo_picker(), self.attach_photo)

    def attach_photo(self, path) -> None:
        if path is None:
            return
        try:
            self.query_one(PhotoThumb).show(str(path))
        except FieldkitError as exc:
            self.notify(exc.message, severity="error")
            return
        self.photo = str(path)
        self.notify("Photo attached: Enter asks about it (type a question too, or not)")
        self.query_one("#question", QuestionInput).focus()

    def action_scroll_answer(self, direction: int) -> None:
        view = self.query_one(AnswerView)
        (view.scroll_page_down if direction > 0 else view.scroll_page_up)(animate=False)

    def action_cancel(self) -> None:
        if self.answering:
            self.cancel_event.set()

    # -- the other screens -------------------------------------------------------------------------

    def _selected_quote(self):
        view = self.query_one(AnswerView)
        index = view.query_one("#quotes", OptionList).highlighted
        if view.quotes:
            return view.quotes[index if index is not None else 0]
        return None

    @on(OptionList.OptionSelected, "#quotes")
    def quote_selected(self, event: OptionList.OptionSelected) -> None:
        self.open_quote(self.query_one(AnswerView).quotes[event.option_index])

    def open_quote(self, quote) -> None:
        if self.engine is not None:
            self.push_screen(PageScreen(self.engine.library, quote.passage, quote.text))

    def action_open_citation(self) -> None:
        quote = self._selected_quote()
        if quote is not None:
            self.open_quote(quote)

    def action_manuals(self) -> None:
        if self.engine is not None:
            self.push_screen(ManualsScreen(self.engine))

    def start_checklist(self, doc: str, section: str, revision: str | None) -> None:
        from fieldkit.answering.checklist import Checklist

        checklist = Checklist.from_section(self.engine.library, doc, section, revision)
        if not checklist.steps:
            self.notify("No numbered steps in this section", severity="warning")
            return
        checklist.save()
        self.push_screen(ChecklistScreen(checklist))

    def action_checklist(self) -> None:
        """Resume the checklist in progress, or start one from the selected quote's procedure."""
        from fieldkit.answering.checklist import Checklist

        current = Checklist.current()
        if current is not None:
            self.push_screen(ChecklistScreen(current))
            return
        quote = self._selected_quote()
        if quote is not None:
            self.start_checklist(quote.passage.doc, quote.passage.section, quote.passage.revision)

    def action_log(self) -> None:
        from fieldkit.answering import audit

        if self.engine is not None:
            rows = [] if self.engine.read_only else audit.entries(self.engine.library)
            self.push_screen(LogScreen(rows, self.session))

    THEMES = ("textual-dark", "ansi-dark", "ansi-light", "high-contrast")

    def action_next_theme(self) -> None:
        names = self.THEMES
        self.theme = names[(names.index(self.theme) + 1) % len(names)] if self.theme in names else names[0]

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand("Manuals", "Browse manuals, outlines and sections", self.action_manuals)
        yield SystemCommand("Checklist", "Resume or start a procedure checklist", self.action_checklist)
        yield SystemCommand("History and audit log", "This session's questions and the audit trail", self.action_log)
        yield SystemCommand("High-contrast theme", "Black and white, for sunlight", lambda: setattr(self, "theme", "high-contrast"))


def engine_factory(model: str | None = None, read_only: bool = False):
    """Builds the Engine in the worker: its imports (numpy, FAISS, onnxruntime, llama.cpp) happen
    there too, after the screen is up, not before the first key can be typed."""

    def make():
        from fieldkit.answering.engine import Engine

        return Engine(model=model, read_only=read_only)

    return make


def run_tui(model: str | None = None, session_name: str | None = None, generate: bool = True) -> None:
    """Start the TUI (textual-image, where installed, is imported before App.run(): it probes the
    terminal at import)."""
    from fieldkit.answering.session import Session
    from fieldkit.ui.tui import screens  # noqa: F401 - imports textual-image first, if installed

    # The conversation is a session: follow-ups ("and the wheel nuts?") read the question before;
    # `--session NAME` reopens one (the CLI's `ask --session NAME` shares it).
    session = Session.load(session_name or time.strftime("tui-%Y%m%d-%H%M%S"))
    FieldkitApp(engine_factory(model), session=session, generate=generate).run()
