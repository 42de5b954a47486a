"""The screens a citation, the manuals, a checklist and the logs open: the cited page with the quoted
span highlighted and its figures drawn in the terminal; manuals -> outline -> section; a checklist to
tick off; the conversation and the audit log."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, OptionList, Static, Tree
from textual.widgets.option_list import Option

from fieldkit.ui.render import cite_short

try:  # Sixel/Kitty pictures where installed (Python >= 3.12); imported before App.run() by the app
    from textual_image.widget import Image as TerminalImage
except ImportError:  # pragma: no cover - depends on the optional extra
    TerminalImage = None


def figure_widget(path: str, width: int = 60):
    """A figure drawn in the terminal: textual-image where installed, else half-cell blocks (rich-pixels,
    which the Linux console shows too)."""
    if TerminalImage is not None:
        return TerminalImage(path)
    from PIL import Image
    from rich_pixels import Pixels

    with Image.open(path) as image:
        w, h = image.size
        cols = max(8, min(width, w))
        rows = max(4, int(cols * h / w) // 2 * 2)  # two pixel rows per cell
        return Static(Pixels.from_image(image.convert("RGB"), resize=(cols, rows)), classes="figure")


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line (a note, a name, a PIN); Escape gives None."""

    BINDINGS = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, prompt: str, password: bool = False, value: str = "") -> None:
        super().__init__()
        self.prompt, self.password, self.value = prompt, password, value

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Label(self.prompt)
            yield Input(value=self.value, password=self.password, id="prompt-input")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class PageScreen(Screen):
    """The passage in its page's text, the cited span highlighted, and the page's figures."""

    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back"), Binding("o", "open_figure", "Open figure file"),
                Binding("c", "checklist", "Checklist of this procedure"), Binding("t", "translate", "Translate")]

    def __init__(self, library, passage, span: str = "") -> None:
        super().__init__()
        self.library, self.passage, self.span = library, passage, span

    def compose(self) -> ComposeResult:
        p = self.passage
        yield Header()
        with VerticalScroll(id="page"):
            yield Static(Text(cite_short(p), style="bold"), id="page-title")
            before, cited, after = self._page_parts()
            self.page_text = Text.assemble(before, cited, after)
            yield Static(before, id="page-before")
            yield Static(cited, id="page-cited")
            yield Static(after, id="page-after")
            for f in p.figures:
                yield Static(Text(f"{f.label}: {f.caption}", style="bold"))
                yield figure_widget(f.image_path)
        yield Footer()

    def on_mount(self) -> None:
        self.call_after_refresh(self.query_one("#page-cited").scroll_visible, top=True, animate=False)

    def _page_parts(self) -> tuple[Text, Text, Text]:
        """The page's text before the cited span, the span (highlighted), and after it."""
        p = self.passage
        page = self.library.page_text(p.doc, p.page) or p.text
        for needle in dict.fromkeys([self.span.split("\n")[-1], p.text.split("\n")[0]]):
            at = page.find(needle) if needle else -1
            if at >= 0:
                end = at + len(needle)
                return Text(page[:at].rstrip(" ")), Text(page[at:end], style="reverse bold"), Text(page[end:])
        # the page text is laid out differently: show the passage itself, highlighted
        return Text(page + "\n\nCited passage:", style=""), Text(p.text, style="reverse bold"), Text("")

    def action_open_figure(self) -> None:
        if self.passage.figures:
            self.app.open_url(Path(self.passage.figures[0].image_path).as_uri())

    def action_checklist(self) -> None:
        self.app.start_checklist(self.passage.doc, self.passage.section, self.passage.revision)

    def action_translate(self) -> None:
        """The cited passage in the language picked with F7, below the page (the page stays as printed)."""
        lang = getattr(self.app, "lang", "en")
        if lang == "en":
            self.app.notify("Pick a language with F7 first (an installed en->X pack)", severity="warning")
            return
        self.query_one("#page", VerticalScroll).mount(Static(Text(f"Translating into {lang}...", style="dim"),
                                                             id="page-translation"))
        self.translate_passage(lang)

    @work(thread=True, exclusive=True)
    def translate_passage(self, lang: str) -> None:
        from fieldkit.errors import FieldkitError
        from fieldkit.translate.translator import Translator

        try:
            result = Translator.for_pair("en", lang).translate(self.passage.text)
            text = Text(f"Translation ({lang}, {result.engine}; the page above decides):\n", style="bold")
            text.append(result.text)
            if result.untranslated:
                text.append(f"\n{len(result.untranslated)} sentence(s) left as printed: a number or code did not "
                            "survive translation.", style="dim")
        except FieldkitError as exc:
            text = Text(f"Not translated: {exc.message}", style="dim")
        self.app.call_from_thread(self.query_one("#page-translation", Static).update, text)


class ManualsScreen(Screen):
    """Manuals -> outline (sections with printed page labels) -> the section's text, callouts and
    figures; ``/`` searches without asking the model."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("c", "checklist", "Checklist of section"),
                Binding("slash", "search", "Search only")]

    def __init__(self, engine) -> None:
        super().__init__()
        self.engine = engine
        self.selected: tuple[str, str] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            tree: Tree = Tree("Manuals", id="manuals")
            for d in self.engine.library.documents():
                node = tree.root.add(f"{d.name} ({d.pages} p.)", data=(d.name, ""))
                for item in self.engine.library.outline(d.name):
                    label = f" ({item['page_label']})" if item["page_label"] else ""
                    node.add_leaf(f"{'  ' * (item['level'] - 1)}{item['heading']}  p. {item['page']}{label}",
                                  data=(d.name, item["section"]))
            tree.root.expand()
            yield tree
            yield VerticalScroll(Static("", id="section"), id="section-view")
        yield Footer()

    @on(Tree.NodeSelected)
    async def show_section(self, event: Tree.NodeSelected) -> None:
        """The section's callouts first, then its text, then its figures drawn."""
        doc, section = event.node.data or ("", "")
        if not section:
            return
        self.selected = (doc, section)
        library = self.engine.library
        rows = library.section_chunks(doc, section)
        body = "\n\n".join(row["text"] for row in rows)
        view = self.query_one("#section-view", VerticalScroll)
        await view.remove_children()
        widgets = [Static(Text(section, style="bold"))]
        widgets += [Static(Text(c["text"], style="bold"), classes=f"callout {c['kind'].lower()}")
                    for c in library.callouts_in_section(doc, section)]
        widgets.append(Static(body, id="section"))
        for f in library.figures_of(doc, {row["page"] for row in rows}, body):
            widgets += [Static(Text(f"{f.label}: {f.caption}  (p. {f.page})", style="bold")),
                        figure_widget(f.image_path, width=50)]
        await view.mount_all(widgets)
        view.scroll_home(animate=False)

    def action_checklist(self) -> None:
        if self.selected:
            self.app.start_checklist(*self.selected, None)

    def action_search(self) -> None:
        async def search(query: str | None) -> None:
            if query:
                passages = self.engine.search(query, k=8).passages
                text = Text()
                text.append(f"Search only: {query}\n\n", style="bold")
                for p in passages:
                    text.append(cite_short(p) + "\n", style="bold")
                    text.append(p.text + "\n\n")
                view = self.query_one("#section-view", VerticalScroll)
                await view.remove_children()
                await view.mount(Static(text, id="section"))

        self.app.push_screen(TextPrompt("Search the manuals (no model):"), search)


class ChecklistScreen(Screen):
    """Tick a procedure's steps off (space), note a step (n), set the technician (t), export (e)."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("space", "tick", "Tick"),
                Binding("n", "note", "Note"), Binding("t", "technician", "Technician"),
                Binding("e", "export", "Export"), Binding("d", "discard", "Discard")]

    def __init__(self, checklist) -> None:
        super().__init__()
        self.checklist = checklist

    def compose(self) -> ComposeResult:
        c = self.checklist
        yield Header()
        yield Static(Text(f"{c.section}  [{c.doc}, p. {c.page}]", style="bold"), id="checklist-title")
        for w in c.warnings:
            yield Static(Text(w["text"], style="bold"), classes=f"callout {w['kind'].lower()}")
        yield OptionList(*self._options(), id="steps")
        yield Static("", id="checklist-status")
        yield Footer()

    def _options(self) -> list[Option]:
        out = []
        for i, s in enumerate(self.checklist.steps):
            text = Text()
            for c in s.callouts:
                text.append(c["text"] + "\n", style="bold")
            text.append(("[x] " if s.ticked_at else "[ ] ") + f"{s.number} {s.text}")
            if s.note:
                text.append(f"\n    note: {s.note}", style="italic")
            out.append(Option(text, id=f"s{i}"))
        return out

    def _refresh(self, message: str = "") -> None:
        steps = self.query_one("#steps", OptionList)
        highlighted = steps.highlighted
        steps.clear_options()
        steps.add_options(self._options())
        steps.highlighted = highlighted
        c = self.checklist
        self.query_one("#checklist-status", Static).update(
            f"{c.done} of {len(c.steps)} steps done; technician: {c.technician or '(not set)'}. {message}")

    def on_mount(self) -> None:
        self._refresh()
        self.query_one("#steps", OptionList).focus()

    def _current(self) -> int | None:
        return self.query_one("#steps", OptionList).highlighted

    def action_tick(self) -> None:
        i = self._current()
        if i is not None:
            self.checklist.tick(i, self.checklist.steps[i].ticked_at is None)
            self._refresh()

    @on(OptionList.OptionSelected, "#steps")
    def selected(self) -> None:
        self.action_tick()

    def action_note(self) -> None:
        i = self._current()
        if i is not None:
            def done(text: str | None) -> None:
                if text is not None:
                    self.checklist.note(i, text)
                    self._refresh()
            self.app.push_screen(TextPrompt(f"Note for step {self.checklist.steps[i].number}:",
                                            value=self.checklist.steps[i].note), done)

    def action_technician(self) -> None:
        def done(name: str | None) -> None:
            if name is not None:
                self.checklist.technician = name
                self.checklist.save()
                self._refresh()
        self.app.push_screen(TextPrompt("Technician's name:", value=self.checklist.technician), done)

    def action_export(self) -> None:
        try:
            md, js = self.checklist.export()
        except OSError as exc:
            self.app.notify(f"Cannot export the checklist: {exc}", severity="error")
            return
        self._refresh(f"Exported {md.name} and {js.name} to {md.parent}")
        self.app.notify(f"Checklist exported: {md}")

    def action_discard(self) -> None:
        self.checklist.discard_current()
        self.app.pop_screen()


class LogScreen(Screen):
    """This conversation's turns and the audit log (newest first)."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, rows: list[dict], session=None) -> None:
        super().__init__()
        self.rows, self.session = rows, session

    def compose(self) -> ComposeResult:
        yield Header()
        if self.session is not None and self.session.turns:
            yield Static(Text(f"Session {self.session.name}: " + " / ".join(t.question for t in self.session.turns)))
        table: DataTable = DataTable(id="log")
        table.add_columns("time", "status", "question", "cited")
        for r in reversed(self.rows[-200:]):
            cited = ", ".join(f"{c['doc']} p.{c['page']}" for c in r["citations"][:2])
            table.add_row(r["asked_at"][:19], r.get("status") or "", r["question"][:60], cited[:40])
        yield table
        yield Footer()
