"""The answer as it arrives: callouts first (bordered, bold, legible in 16 colours), then the
verbatim quotes as a list a citation can be opened from, then the model's guarded summary, then the
other cautions and the work-record lines."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from fieldkit.answering.events import (Citations, Done, Failed, ModelLoading, ModelReady, PhotoRead, Refused, Removed,
                                       Retrieved, Token, WarningFound)
from fieldkit.ui.render import OTHER_CALLOUTS, REFUSAL, cite_short, photo_lines, work_record


class AnswerView(VerticalScroll):
    """Renders one answer's events; ``quotes`` keeps what each quote option cites."""

    def compose(self) -> ComposeResult:
        yield Static("", id="status")
        yield Static("", id="photo-read")
        yield Vertical(id="callouts")
        yield OptionList(id="quotes")
        yield Static("", id="summary")
        yield Static("", id="translation")
        yield Static("", id="sources")

    def on_mount(self) -> None:
        self.quotes: list = []
        self.summary = ""
        self.query_one("#quotes", OptionList).display = False
        self.query_one("#photo-read", Static).display = False

    def start(self, question: str) -> None:
        """Clear the view for a new question."""
        self.quotes, self.summary = [], ""
        self.query_one("#callouts").remove_children()
        quotes = self.query_one("#quotes", OptionList)
        quotes.clear_options()
        quotes.display = False
        self.query_one("#summary", Static).update("")
        self.query_one("#photo-read", Static).display = False
        self.query_one("#translation", Static).update("")
        self.query_one("#sources", Static).update("")
        self.status(f"Searching the manuals for: {question}" if question else "")

    def status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    def show(self, event) -> None:
        """Render one engine event."""
        if isinstance(event, PhotoRead):
            read = self.query_one("#photo-read", Static)
            read.update(Text("\n".join(photo_lines(event.reading)), style="bold"))
            read.display = True
        elif isinstance(event, Retrieved):
            self.status(f"{len(event.passages)} passages found")
        elif isinstance(event, Refused):
            text = Text(REFUSAL, style="bold")
            text.append(f" ({event.reason})\n")
            if event.related:
                text.append("Related, not an answer:\n", style="bold")
                for line in dict.fromkeys(cite_short(p) for p in event.related):
                    text.append(f"  {line}\n")
            self.status("")
            self.query_one("#summary", Static).update(text)
        elif isinstance(event, WarningFound):
            c = event.callout
            box = Static(Text.assemble((c.text, "bold"), f"\n[{c.doc}, p. {c.page}]"), classes=f"callout {c.kind.lower()}")
            self.query_one("#callouts").mount(box)
        elif isinstance(event, Citations):
            self._citations(event)
        elif isinstance(event, ModelLoading):
            self.status(f"Loading the model {event.name}; the quotes above are the manual's answer")
        elif isinstance(event, ModelReady):
            self.status("")
        elif isinstance(event, Failed):
            self.status(f"{event.message}; the quotes are the answer")
        elif isinstance(event, Token):
            self.summary += event.text
            self._summary()
        elif isinstance(event, Removed):
            pass  # the guard took a sentence out; the quotes stand
        elif isinstance(event, Done):
            if event.answer.status == "cancelled":
                self.status("Cancelled; the quotes above are the manual's words")
            elif not event.answer.refused:
                self.status("")
                if event.answer.removed and not self.summary.strip():
                    self.query_one("#summary", Static).update(Text(
                        "No summary: the model's sentences stated what the quotes do not, so they were "
                        "withheld. The quotes above are the answer.", style="dim"))

    def _citations(self, event: Citations) -> None:
        quotes = self.query_one("#quotes", OptionList)
        self.quotes = list(event.quotes)
        for i, q in enumerate(event.quotes):
            quotes.add_option(Option(Text.assemble(f"\u201c{q.text}\u201d\n", (f"  [{cite_short(q.passage)}]", "dim")),
                                     id=f"q{i}"))
        quotes.display = bool(event.quotes)
        if event.quotes:
            quotes.highlighted = 0
        lines = Text()
        if event.other_callouts:
            lines.append(OTHER_CALLOUTS + "\n", style="bold")
            for c in event.other_callouts:
                lines.append(f"  {c.text} [{c.doc}, p. {c.page}]\n")
        lines.append("Sources (for the work record):\n", style="bold")
        for line in dict.fromkeys(work_record(p) for p in event.passages):
            lines.append(f"  {line}\n")
        self.query_one("#sources", Static).update(lines)

    def translation_status(self, text: str) -> None:
        self.query_one("#translation", Static).update(Text(text, style="dim"))

    def show_translation(self, fields: dict | None, error: str = "") -> None:
        """The answer in the technician's language, below the manual's words (which decide)."""
        if fields is None:
            self.translation_status(f"Not translated: {error}")
            return
        text = Text(f"Translation ({fields['lang']}, {fields['engine']}; the manual's words above decide):\n",
                    style="bold")
        for w in fields["warnings"]:
            text.append(w["text"] + "\n", style="bold")
        if fields["answer"]:
            text.append(fields["answer"] + "\n")
        for q in fields["quotes"]:
            text.append(f"\u201c{q['text']}\u201d [{q['doc']}, p. {q['page']}]\n")
        if fields["untranslated"]:
            text.append(f"{len(fields['untranslated'])} sentence(s) left in the manual's words: a number or code "
                        "did not survive translation.\n", style="dim")
        self.query_one("#translation", Static).update(text)

    def _summary(self) -> None:
        text = Text("Summary (generated by the model, every number checked against the quotes):\n", style="dim")
        text.append(self.summary.strip())
        self.query_one("#summary", Static).update(text)
