"""Answers with the real bundled model: structure, grounding and the number guard."""

import re

import pytest

from fieldkit.answering.events import Citations, Done, Refused, Removed, Retrieved, Token, WarningFound
from fieldkit.ui.render import answer_text


def _run(engine, question, **kw):
    events = list(engine.answer(question, **kw))
    done = events[-1]
    assert isinstance(done, Done)
    return events, done.answer


NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


def _numbers_grounded(answer):
    from fieldkit.answering.evaluate import ungrounded_numbers

    return ungrounded_numbers(answer)


def test_answer_stream_order_and_grounding(engine):
    events, answer = _run(engine, "What torque for the oil drain plug?")
    kinds = [type(e) for e in events]
    assert kinds[0] is Retrieved and kinds[-1] is Done
    assert kinds.index(Citations) < len(kinds) - 1
    if WarningFound in kinds and Token in kinds:
        assert kinds.index(WarningFound) < kinds.index(Token)  # callouts first
    assert not answer.refused
    assert "35 N·m (26 lb-ft)" in answer_text(answer)  # verbatim from the torque table
    assert any(p.doc.startswith("fk200") and p.page_label == "3-1" for p in answer.citations)
    assert _numbers_grounded(answer) == []
    assert answer.model == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert set(answer.timings_ms) == {"retrieve", "first_token", "total"}


def test_warning_comes_first_verbatim(engine):
    _, answer = _run(engine, "How long must the engine cool before I remove the oil drain plug?")
    assert answer.warnings and answer.warnings[0].kind == "WARNING"
    assert answer.warnings[0].text.startswith("WARNING: Hot oil can cause burns.")
    assert answer_text(answer).startswith("WARNING: Hot oil can cause burns.")


@pytest.mark.parametrize("question", [
    "Which oil spec, MIL-PRF-23699 or MIL-PRF-7808, goes in the FK-200?",
    "What is the hydraulic accumulator precharge of the Z-9 airframe?",
    "What's the max rpm drop allowed on the mag check during runup?",  # a diesel GPU has no magnetos
    "What's the tire pressure on the Blackhawk?",  # the UH-60: no loaded manual names it
])
def test_refuses_when_the_manuals_do_not_say(engine, question):
    events, answer = _run(engine, question)
    assert answer.refused and answer_text(answer).startswith("Not in the loaded manuals.")
    assert any(isinstance(e, Refused) for e in events)
    assert not any(isinstance(e, Token) for e in events)
    assert answer.citations == () and answer.related


def test_a_named_check_the_manual_describes_is_answered(engine):
    _, answer = _run(engine, "How do I do the coolant level check on the FK-200?", generate=False)
    assert not answer.refused
    assert "coolant level" in answer_text(answer)


def test_refusal_names_what_the_manuals_do_not_describe(engine):
    _, answer = _run(engine, "How do I do the magneto timing check on the FK-200?", generate=False)
    assert answer.refused and "magneto" in answer.reason
    assert answer.evidence.signals.coverage < 0.3 and "magneto" in answer.evidence.signals.missing_terms


@pytest.mark.parametrize("question", [
    "What torque for the wheel lug nut? Also give the torque in inch-pounds and the metric bolt size.",
    "How many liters of oil, and how many kilometers between changes, and what is the oil pressure in kPa?",
    "List five torque values with their tolerances for the FK-200 output terminal.",
])
def test_invented_numbers_never_reach_the_answer(engine, question):
    """Questions that provoke the real model into inventing numbers; the guard keeps them out."""
    events, answer = _run(engine, question)
    assert not answer.refused
    assert _numbers_grounded(answer) == []
    for e in events:
        if isinstance(e, Removed):
            assert e.reason


def test_guard_removes_unsupported_numbers_from_real_model_output(llm):
    """The bundled model asked to invent values directly: whatever it says, the guard's output holds
    only numbers that are whole number tokens of the source (read by the scorer's own reader)."""
    from fieldkit.answering.evaluate import number_tokens
    from fieldkit.answering.guard import guard

    source = "Torque the drain plug to 35 N·m (26 lb-ft)."
    messages = [{"role": "user", "content": "Make up a torque value in inch-pounds for a bolt and a part number."}]
    raw = "".join(llm.stream_chat(messages, max_tokens=60))
    kept, removed = guard(raw, source)
    assert set(number_tokens(raw)) - {"35", "26"}, "the model invented no number: the test no longer provokes it"
    assert removed and set(number_tokens(kept)) <= {"35", "26"}
