"""The TUI and the kiosk driven by Pilot (App.run_test), over the sample library with the real model."""

import json
import threading
import time
from pathlib import Path

import pytest

from fieldkit.ui.tui.answer import AnswerView

QUESTION = "How long must the engine cool before I remove the oil drain plug?"


@pytest.fixture
def app_factory(engine):
    from fieldkit.ui.tui.app import FieldkitApp

    def make(**kw):
        return FieldkitApp(lambda: engine, log=kw.pop("log", True), **kw)

    return make


async def _ask(pilot, question=QUESTION):
    app = pilot.app
    while app.engine is None:  # the engine loads in a worker; typing is accepted meanwhile
        await pilot.pause()
    await pilot.click("#question")
    await pilot.press(*question, "enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return app.query_one(AnswerView)


async def test_ask_shows_warning_first_then_quotes_then_summary_and_opens_a_page_with_its_figure(app_factory):
    from fieldkit.ui.tui.screens import PageScreen

    app = app_factory()
    async with app.run_test(size=(100, 40)) as pilot:
        view = await _ask(pilot)
        callouts = list(view.query(".callout"))
        assert callouts and "WARNING: Hot oil can cause burns." in str(callouts[0].render())
        assert view.quotes and any("10 minutes" in q.text for q in view.quotes)
        order = [w.id or w.classes for w in view.children]
        assert order.index("callouts") < order.index("quotes") < order.index("summary")
        assert view.summary.strip(), "the model's guarded summary streamed in"
        # Open the citation of the first quote: its page, the span highlighted, the figure drawn.
        view.query_one("#quotes").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PageScreen)
        assert app.screen.query(".figure"), "the page's figure is drawn in the terminal"
        text = app.screen.page_text
        highlighted = [text.plain[s.start:s.end] for s in text.spans if "reverse" in str(s.style)]
        assert highlighted and any(h in q.text or q.text.split("\n")[0] in h for h in highlighted for q in view.quotes)
        await pilot.press("escape")
        assert not isinstance(app.screen, PageScreen)


async def test_a_checklist_from_the_cited_procedure_is_ticked_noted_exported_and_survives(app_factory, fieldkit_home):
    import json

    from fieldkit.answering.checklist import Checklist
    from fieldkit.ui.tui.screens import ChecklistScreen

    app = app_factory()
    async with app.run_test(size=(100, 40)) as pilot:
        await _ask(pilot)
        await pilot.press("f4")
        await pilot.pause()
        assert isinstance(app.screen, ChecklistScreen)
        checklist = app.screen.checklist
        assert len(checklist.steps) == 6 and checklist.warnings[0]["kind"] == "WARNING"
        await pilot.press("space")  # tick step (1)
        await pilot.press("down", "space")  # and step (2)
        await pilot.press("n", *"drain pan 8 L", "enter")
        await pilot.press("t", *"J. Ortiz", "enter")
        await pilot.press("e")
        await pilot.pause()
    exported = sorted((fieldkit_home / "checklists").glob("*.json"))
    record = json.loads(exported[0].read_text())
    assert record["technician"] == "J. Ortiz" and record["doc"] == "fk200-gpu-maintenance.pdf"
    assert [bool(s["ticked_at"]) for s in record["steps"]][:3] == [True, True, False]
    assert record["steps"][1]["note"] == "drain pan 8 L"
    markdown = sorted((fieldkit_home / "checklists").glob("*.md"))[0].read_text()
    assert "- [x] (1) Place a drain pan" in markdown and "WARNING: Hot oil can cause burns." in markdown
    resumed = Checklist.current()  # an unfinished checklist survives a restart
    assert resumed is not None and resumed.done == 2


async def test_the_manual_browser_shows_a_sections_callouts_and_figures_and_searches_without_the_model(app_factory):
    from fieldkit.ui.tui.screens import ManualsScreen

    app = app_factory(generate=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await _manuals(pilot)
        assert isinstance(app.screen, ManualsScreen)
        doc, section = app.screen.selected
        assert doc == "fk200-gpu-maintenance.pdf" and section.endswith("ENGINE OIL AND FILTER CHANGE")
        view = app.screen.query_one("#section-view")
        assert "WARNING: Hot oil" in str(view.query(".callout").first().render())
        assert "(1)" in str(view.query_one("#section").render())
        assert view.query(".figure"), "the section's figure is drawn"
        await pilot.press("slash")
        await pilot.press(*"wheel lug nut torque", "enter")
        await pilot.pause()
        assert "FK-LN-12" in str(app.screen.query_one("#section").render())


async def test_the_conversation_is_a_session_follow_ups_read_the_question_before(app_factory, fieldkit_home):
    from fieldkit.answering.session import Session

    app = app_factory(generate=False, session=Session("ramp-4"))
    async with app.run_test(size=(100, 40)) as pilot:
        await _ask(pilot, "What torque for the oil drain plug?")
        view = await _ask(pilot, "and the wheel lug nuts?")
        assert any("110 N·m" in q.text for q in view.quotes)
        await app.workers.wait_for_complete()
    assert [t.question for t in Session.load("ramp-4").turns] == ["What torque for the oil drain plug?",
                                                                  "and the wheel lug nuts?"]


async def test_the_language_key_shows_the_answer_translated_beside_the_manuals_words(app_factory, tmp_path):
    import sys

    from conftest import ROOT
    from fieldkit.translate import packs

    sys.path.insert(0, str(ROOT / "scripts"))
    from make_translation_pack import build_pack

    packs.install(build_pack(tmp_path / "en_es.argosmodel"))
    app = app_factory(generate=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f7")
        assert app.lang == "es"
        view = await _ask(pilot, "What torque for the oil drain plug?")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = str(view.query_one("#translation").render())
        assert shown.startswith("Translation (es, argos en_es") and view.quotes  # the manual's quotes stay
        view.query_one("#quotes").focus()
        await pilot.press("enter", "t")  # the cited page, then its passage translated below it
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert str(app.screen.query_one("#page-translation").render()).startswith("Translation (es")
        await pilot.press("escape")
        await pilot.press("f7")
        assert app.lang == "en"


async def test_escape_cancels_the_answer(app_factory, engine, monkeypatch):
    """The model is held after its first words until Escape is pressed, so the key lands mid-stream."""
    streaming, go_on = threading.Event(), threading.Event()
    real = engine.llm.stream_chat

    def held(messages, **kw):
        for i, piece in enumerate(real(messages, **kw)):
            if i == 1:
                streaming.set()
                go_on.wait(60)
            yield piece

    monkeypatch.setattr(engine.llm, "stream_chat", held)
    app = app_factory()
    async with app.run_test(size=(100, 40)) as pilot:
        while app.engine is None:
            await pilot.pause()
        answers = []
        app.on_answered = answers.append
        await pilot.click("#question")
        await pilot.press(*"List five torque values with their tolerances for the FK-200.", "enter")
        while not streaming.is_set():
            await pilot.pause()
        await pilot.press("escape")
        go_on.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert answers and answers[0].status == "cancelled" and answers[0].quotes
        assert "Cancelled" in str(app.query_one("#status").render())


async def test_typing_is_accepted_while_the_engine_loads_and_the_question_waits_for_it(engine):
    from fieldkit.ui.tui.app import FieldkitApp

    release = threading.Event()

    def slow_factory():
        release.wait(60)
        return engine

    app = FieldkitApp(slow_factory, generate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"fault code E-204?", "enter")
        assert app.engine is None and app.pending == "fault code E-204?"
        release.set()
        while app.engine is None or app.answering or app.pending:
            await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("E-204" in q.text for q in app.query_one(AnswerView).quotes)
        await pilot.press("up")
        assert app.query_one("#question").value == "fault code E-204?"  # history


@pytest.fixture
def kiosk_app(engine, tmp_path):
    from fieldkit.ui.tui.kiosk import KioskApp, hash_pin

    log = tmp_path / "kiosk-log.jsonl"
    return KioskApp(lambda: engine, config={"pin": hash_pin("2468"), "idle_minutes": 5, "log": str(log)},
                    generate=False), log


async def test_kiosk_escape_keys_do_nothing_and_only_the_pin_leaves(kiosk_app):
    from textual.command import CommandPalette

    from fieldkit.ui.tui.kiosk import LEFT_WITH_PIN

    app, _ = kiosk_app
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("ctrl+c", "ctrl+q", "ctrl+z", "ctrl+backslash", "ctrl+d", "escape", "ctrl+p"):
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running and app.return_code is None, key
            assert not isinstance(app.screen, CommandPalette), key
        await pilot.press("f12", *"1111", "enter")
        await pilot.pause()
        assert app.is_running and app.return_code is None
        await pilot.press("f12", *"2468", "enter")
        await pilot.pause()
    assert app.return_code == LEFT_WITH_PIN  # the unit's RestartPreventExitStatus: a PIN exit is not restarted
    unit = (Path(__file__).resolve().parent.parent / "packaging" / "kiosk" / "fieldkit-kiosk.service").read_text()
    assert f"RestartPreventExitStatus={LEFT_WITH_PIN}" in unit


async def test_kiosk_idle_reset_forgets_the_answer_and_logs_to_its_own_file(kiosk_app):
    import json

    app, log = kiosk_app
    async with app.run_test(size=(80, 24)) as pilot:
        view = await _ask(pilot, "What torque for the wheel lug nut?")
        assert view.quotes
        await pilot.press("f2")
        await pilot.pause()
        assert len(app.screen_stack) == 2
        assert len(app.session.turns) == 1  # the conversation, in memory only
        app.last_input = time.monotonic() - 6 * 60  # six idle minutes (an interval timer runs this each second)
        app.reset_if_idle()
        await pilot.pause()
        assert len(app.screen_stack) == 1 and app.query_one(AnswerView).quotes == []
        assert app.query_one("#question").value == "" and app.session.turns == []
    from fieldkit import paths

    assert not (paths.sessions_dir() / "kiosk.json").exists()  # the kiosk writes no session
    (record,) = [json.loads(line) for line in log.read_text().splitlines()]
    assert record["question"] == "What torque for the wheel lug nut?" and record["quotes"]


def test_the_pin_is_stored_as_a_salted_scrypt_hash(fieldkit_home, monkeypatch):
    from fieldkit.errors import UsageError
    from fieldkit.ui.tui.kiosk import load_config, pin_matches, set_pin

    set_pin("2468", idle_minutes=3, log="off")
    config = load_config()
    stored = json.loads((fieldkit_home / "kiosk.json").read_text())["pin"]
    assert set(stored) == {"salt", "hash", "n", "r", "p"} and stored["n"] >= 2**14  # no plain PIN field
    assert pin_matches("2468", config["pin"]) and not pin_matches("2469", config["pin"])
    assert config["idle_minutes"] == 3 and len(bytes.fromhex(config["pin"]["salt"])) == 16
    with pytest.raises(UsageError):
        set_pin("12")


# -- snapshots of the main screens (generation off: the screens are the same on every run) -----------


async def _answered(pilot):
    pilot.app.query_one("#question").cursor_blink = False  # a blinking cursor makes two screens of one
    await _ask(pilot, "What torque for the oil drain plug?")


async def _page(pilot):
    await _answered(pilot)
    pilot.app.query_one("#quotes").focus()
    await pilot.press("enter")
    await pilot.pause()


async def _checklist(pilot):
    await _ask(pilot, "How do I change the engine oil and filter?")
    await pilot.press("f4")
    await pilot.pause()


async def _manuals(pilot):
    """F3, then the PDF's section 2-2 (engine oil and filter change) opened from the outline."""
    from textual.widgets import Tree

    while pilot.app.engine is None:
        await pilot.pause()
    await pilot.press("f3")
    await pilot.pause()
    tree = pilot.app.screen.query_one(Tree)
    pdf = next(n for n in tree.root.children if n.data[0] == "fk200-gpu-maintenance.pdf")
    pdf.expand()
    await pilot.pause()
    tree.move_cursor(next(n for n in pdf.children if n.data[1].endswith("ENGINE OIL AND FILTER CHANGE")))
    await pilot.press("enter")
    await pilot.pause()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("name,run_before", [("answer", _answered), ("page", _page), ("checklist", _checklist),
                                              ("manuals", _manuals)])
def test_snapshot(snap_compare, app_factory, size, name, run_before):
    assert snap_compare(app_factory(generate=False), terminal_size=size, run_before=run_before)


async def test_f8_attaches_a_photo_shown_beside_the_question_and_asks_about_it(app_factory, tmp_path):
    from photos import label_photo
    from textual_fspicker import FileOpen

    photo = label_photo(tmp_path / "plate.jpg", ["OIL DRAIN PLUG", "P/N FK-DP-20"])
    app = app_factory(generate=False)
    async with app.run_test(size=(100, 40)) as pilot:
        while app.engine is None:
            await pilot.pause()
        await pilot.press("f8")
        assert isinstance(app.screen, FileOpen)
        app.screen.dismiss(photo)  # the file picker's answer (its own tests cover picking)
        await pilot.pause()
        thumb = app.query_one("#photo")
        assert thumb.has_class("attached") and thumb.size.width >= 10
        await pilot.press("enter")  # no words typed: the photo is the question
        await app.workers.wait_for_complete()
        await pilot.pause()
        view = app.query_one(AnswerView)
        read = str(view.query_one("#photo-read").render())
        assert "FK-DP-20" in read and "OCR" in read
        assert any("FK-DP-20" in q.text for q in view.quotes)
        assert not thumb.has_class("attached"), "a photo goes with one question"


async def test_a_bad_photo_is_refused_in_the_picker_with_its_reason(app_factory, tmp_path):
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a photo")
    app = app_factory(generate=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f8")
        app.screen.dismiss(bad)
        await pilot.pause()
        assert app.photo is None and not app.query_one("#photo").has_class("attached")
        assert any("not an image" in n.message for n in app._notifications)
