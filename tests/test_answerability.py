"""Refuse or answer, on a small manual built here: the signals that decide (coverage of the
question's key terms, the value asked for, terms no manual uses, cautions), callouts first only where
they govern or speak to the question, and follow-ups in a session."""

from dataclasses import replace

import pytest

from fieldkit.ui.render import answer_text

MANUAL = """# XR-7 GROUND POWER CART MANUAL

## 2-1. STARTER LIMITS

CAUTION: Do not exceed three start attempts in a row. After a failed start wait 60 seconds before the
next attempt; after the third failed start let the starter cool for 30 minutes.

## 2-2. ENGINE START

1. Battery switch - ON.
2. Starter button - press and hold.
3. Release the starter button at 45% engine speed.

## 3-1. WHEELS AND TIRES

NOTE: Blind fasteners in the wheel well fairing must be replaced, not reused.

1. Remove the wheel well fairing.
2. Inflate the main tires to 45 psi.
3. Inspect the main wheel for cracks and corrosion.
4. Pack the wheel bearings with MIL-PRF-81322 grease.

## 3-2. BATTERY

The battery is a 24 V lead-acid battery. Check the electrolyte level every 50 hours.

## 4-1. HYDRAULIC PUMP

CAUTION: Do not run the hydraulic pump dry.

Torque the hydraulic pump mounting bolts to 25 N·m.

## 4-2. COOLING FAN

Inspect the cooling fan blades for nicks. Replace the fan belt when it is cracked or glazed.
## 4-3. GOVERNOR
Set the governor RPM dial to 2150 before the load test.
"""


@pytest.fixture
def xr7(library, embedder, llm, tmp_path):
    from fieldkit.answering.engine import Engine
    from fieldkit.ingest.pipeline import ingest_file

    path = tmp_path / "xr7.md"
    path.write_text(MANUAL)
    ingest_file(library, embedder, path)
    return Engine(library=library, embedder=embedder, llm=llm)


def _add_manual(engine, path, text: str) -> None:
    """Ingest one more small manual into the engine's library."""
    from fieldkit.ingest.pipeline import ingest_file

    path.write_text(text)
    ingest_file(engine.library, engine.embedder, path)


def _answer(engine, question, **kw):
    from fieldkit.answering.events import Done

    return [e for e in engine.answer(question, generate=False, **kw) if isinstance(e, Done)][0].answer


def test_a_question_a_caution_answers_is_answered_with_the_caution_first(xr7):
    answer = _answer(xr7, "how many times can i crank the starter before it has to cool down?")
    assert not answer.refused, answer.reason
    assert answer.warnings and "let the starter cool for 30 minutes" in answer.warnings[0].text
    assert answer_text(answer).startswith("CAUTION: Do not exceed three start attempts")


@pytest.mark.parametrize("question,named", [
    ("what torque for the main wheel axle nut?", "axle"),  # the wheel section names no axle nut
    ("how much does the battery weigh?", "weight"),  # the battery section gives no weight
    ("how often do I replace the ELT battery?", "ELT"),  # a thing no manual names
    ("what's the max rpm drop on the mag check?", "mag"),  # a check this cart does not have
    ("how many kA can the battery put out on a start?", "current"),  # "24 V" is a number, not a current
    ("how many lbs of grease go in the wheel bearings?", "weight"),  # the grease is named, no amount
    ("max wobble allowed on the cooling fan blades?", "count"),  # a limit is a number: the fan has none
    ("cooling fan blade wobble limit?", "count"),  # a limit named last wants a number too
    ("whats intergranular corrosion on the main wheel", "intergranular"),  # a term no manual uses is not defined
    ("ok to wipe the cooling fan blades with acetone or naphtha?", "acetone"),  # alternatives no manual names
    ("what belt spec goes on the cooling fan?", "designation"),  # a spec asked for, none named there
    ("shelf life of the wheel bearing grease?", "time"),  # a life is a time: the manual gives none
    ("max allowable play in the hydraulic pump mounting bolts?", "count"),  # the bolts' number is a torque, not a play
    ("whats the torqe on the cooling fan blades?", "torque"),  # a slip of a value word still asks for that value
    ("what oil goes on the cooling fan belt?", "designation"),  # an oil asked for is named by its spec
    ("is there a fee to have the cart inspected, how much?", "price"),  # a price is stated with its currency
    ("how many washers go on the hydraulic pump mounting bolts?", "count"),  # "25 N·m" counts no washers
])
def test_near_misses_are_refused_with_the_reason(xr7, question, named):
    answer = _answer(xr7, question)
    assert answer.refused and answer_text(answer).startswith("Not in the loaded manuals.")
    assert named.lower() in answer.reason.lower(), answer.reason


@pytest.mark.parametrize("question,expected", [
    ("how often do i check the battery electrolyte?", "every 50 hours"),
    ("hydraulic pump bolt torque?", "25 N·m"),
    ("what pressure do the main tires take?", "45 psi"),
    ("when do I let go of the starter button?", "45% engine speed"),
    ("when does the fan belt need replacing?", "cracked or glazed"),
    ("what kind of battery is in the cart?", "24 V lead-acid"),
    ("which grease for the main wheel bearings?", "MIL-PRF-81322"),
    ("what grease spec goes in the main wheel bearings?", "MIL-PRF-81322"),  # the designation is stated
    ("what presure do the main tires take?", "45 psi"),  # slips read as the manuals' words
    ("hydraulic pump bolt torqe?", "25 N·m"),
    ("how often do i chek the battery electrolite?", "every 50 hours"),
    ("can I reuse the blind fasteners on the wheel well fairing?", "must be replaced, not reused"),
    ("starter cool down limit after the 3rd failed start?", "30 minutes"),  # a limit the CAUTION states
    ("what rpm do i set the governor dial to?", "2150"),  # the unit named before a bare number
    ("whats glazed mean", "cracked or glazed"),  # a term a passage holds is defined there, however short
])
def test_answerable_questions_are_answered(xr7, question, expected):
    answer = _answer(xr7, question)
    assert not answer.refused, answer.reason
    assert expected in answer_text(answer)


def test_only_callouts_that_govern_or_speak_to_the_question_come_first(xr7):
    answer = _answer(xr7, "what pressure do the main tires take?")
    assert all("Blind fasteners" not in c.text for c in answer.warnings)  # printed before another step
    assert any("Blind fasteners" in c.text for c in answer.other_warnings)
    text = answer_text(answer)
    assert text.index("45 psi") < text.index("Other cautions on these pages:") < text.index("Blind fasteners")
    pump = _answer(xr7, "hydraulic pump bolt torque?")
    assert [c.text for c in pump.warnings] == ["CAUTION: Do not run the hydraulic pump dry."]


def test_a_standalone_question_in_a_session_is_read_as_asked(xr7):
    from fieldkit.answering.session import Session

    session = Session("job-1")
    first = [e for e in xr7.answer("hydraulic pump bolt torque?", session=session)][-1].answer
    assert not first.refused and session.turns
    # Standalone: not merged with the pump question (which would find the pump torque again).
    wheel = _answer(xr7, "What torque for the main wheel axle nut?", session=session)
    assert wheel.refused
    # Elliptical: read with the question before it.
    assert session.search_query("and the fan?") == "hydraulic pump bolt torque? and the fan?"
    # A follow-up naming another aircraft replaces the one asked about before.
    session.turns[-1].question = "huey governor check - where does the throttle go before GOV EMER?"
    assert session.search_query("and on the 58?") == "governor check - where does the throttle go before governor EMER? and on the 58?"
    session.turns[-1].question = "OH-58 start, at what N1 do I open the throttle?"
    assert session.search_query("and the UH-1?") == "start, at what N1 do I open the throttle? and the UH-1?"
    assert session.search_query("and at what N2?") == "OH-58 start, at what N1 do I open the throttle? and at what N2?"


@pytest.mark.parametrize("question,follow_up", [
    ("What torque for the wheel lug nuts?", False),
    ("How long must the engine cool before I remove the oil drain plug?", False),
    ("and the 58?", True),
    ("how long?", True),
    ("what about the tail rotor?", True),
    ("is that in N·m?", True),
    ("same for the lug nuts?", True),
    ("drain plug?", False),
])
def test_only_elliptical_questions_are_follow_ups(question, follow_up):
    from fieldkit.answering.session import is_follow_up

    assert is_follow_up(question) is follow_up


def test_a_hyphenated_word_holds_its_parts():
    from fieldkit.answering.evidence import _holds

    holds = _holds("Clean the countersinks with 320-grit paper; check the co-pilot indicator.", {})
    assert holds("grit") and holds("pilot") and holds("countersinks")
    assert not _holds("Clean with abrasive paper.", {})("grit")


def test_bare_degrees_state_a_temperature_and_spelled_out_megohms_a_resistance():
    """"5 to 10 degrees" of EGT is a temperature (manuals drop the F or C); "6 to 200 mega-ohms" a resistance."""
    from fieldkit.answering.evidence import _states
    from fieldkit.answering.guard import Sources

    def states(text, kind):
        return any(_states(s.quantities, (kind,)) for s in Sources([text]).statements)

    assert states("EGT should rise 5 to 10 degrees when the band closes.", "temperature")
    assert states("Resistance from tip to base: between 6 and 200 mega-ohms.", "resistance")
    assert not states("Torque the nut to 35 N·m.", "temperature")


def test_a_manual_s_typo_still_holds_the_term():
    """A scanned manual's "Dampner" is the question's "damper"; a letter changed is another word."""
    from fieldkit.answering.evidence import _holds

    holds = _holds("Stabilizer Bar Dampner - Check time for 5 ± 1 seconds each direction.", {})
    assert holds("damper") and holds("stabilizer") and holds("direction")
    assert not _holds("Check the valves for leaks.", {})("values")
    assert not _holds("Check the damper.", {})("hamper")


def test_a_value_from_passages_not_close_by_meaning_must_come_from_a_sentence_about_the_question():
    """Pure decision on measured signals: a passage that holds the question's words (share 0.6) but
    whose only pressure is stated in a sentence holding 0.3 of them (the pump next to the one asked
    about) answers when it is close by meaning, not when the best similarity is 0.40."""
    from fieldkit.answering.evidence import CLOSE_DENSE, Signals, decide

    far = Signals(top_dense=0.40, wanted=("pressure",), coverage=0.6, passages=((0.6, 0.3), (0.2, 0.0)),
                  terms={"boost": 2.0, "pump": 1.0, "fuel": 1.0})
    refused, reason = decide(far)
    assert refused and "pressure" in reason and "0.40" in reason
    assert not decide(replace(far, top_dense=CLOSE_DENSE + 0.01))[0]
    assert not decide(replace(far, passages=((0.6, 0.5), (0.2, 0.0))))[0]  # the sentence is about it
    assert not decide(replace(far, callout_share=0.6))[0]  # a CAUTION about it: never refused


def test_a_value_from_another_manual_than_the_one_named_is_not_the_answer(xr7, tmp_path):
    """"XR-7 pump pressure?" with only the XR-9 manual giving a pump pressure is refused: a value for
    another machine than the one named is not its answer. Asked of the XR-9, it is answered."""
    _add_manual(xr7, tmp_path / "xr9.md", "# XR-9 GROUND POWER CART MANUAL\n\n## 4-1. HYDRAULIC PUMP\n\n"
                "The hydraulic pump puts out 3000 psi at rated speed.\n")
    refused = _answer(xr7, "what pressure does the XR-7 hydraulic pump put out?")
    assert refused.refused and "pressure" in refused.reason, refused.reason
    answered = _answer(xr7, "what pressure does the XR-9 hydraulic pump put out?")
    assert not answered.refused and "3000 psi" in answer_text(answered), answered.reason


def test_a_short_code_is_not_the_specification_asked_for(xr7, tmp_path):
    """"What fluid spec goes in the dampers?" is not answered by a step naming test point "B2" or
    gauge "N1": a specification is a longer designation (MIL-PRF-81322)."""
    _add_manual(xr7, tmp_path / "xr7-dampers.md", "# XR-7 DAMPER SERVICING\n\n## 5-1. STABILIZER DAMPERS\n\n"
                "Fill the stabilizer dampers from the B2 reservoir until N1 shows full.\n")
    answer = _answer(xr7, "what fluid spec goes in the stabilizer dampers?")
    assert answer.refused and "designation" in answer.reason, answer.reason

    from fieldkit.answering.evidence import _designates

    assert not _designates("Torque the hydraulic pump mounting bolts to 25 N·m.", set())  # "to 25" cites no TO
    assert _designates("Service with fluid per TO 1-1A-8.", set())
    assert _designates("Fill with MIL-PRF-5606 hydraulic fluid.", set())


def test_a_slip_is_read_as_a_word_it_could_be_a_shorthand_of():
    """A short word may drop many letters of an everyday word ("matl"), never of a rare manual word
    ("peen" is not a shorthand of "peneton"); a longer word drops two letters at most."""
    from fieldkit.answering.slips import _slip_target

    class Words:  # the two reads _slip_target makes of a library, over a fixed vocabulary
        words = {"peneton": 3, "temperature": 40, "material": 12, "prepreg": 9}

        def vocabulary(self, initial):
            return frozenset(w for w in self.words if w.startswith(initial))

        def word_count(self, word, at_most=None):
            return self.words.get(word, 0)

    assert _slip_target(Words(), "peen") is None
    assert _slip_target(Words(), "matl") == "material"
    assert _slip_target(Words(), "tempature") == "temperature"
    assert _slip_target(Words(), "temprtre") is None  # three letters dropped from a long word
    assert _slip_target(Words(), "perpreg") == "prepreg"  # two letters swapped


def test_a_value_no_passage_states_is_refused_beside_a_caution_about_it_shown_first(xr7):
    """A CAUTION about the pump that gives no pressure cannot answer "what pressure": the question is
    refused, and the CAUTION still comes first, verbatim, in the stream and the answer."""
    from fieldkit.answering.events import Refused, WarningFound

    events = list(xr7.answer("what pressure does the hydraulic pump put out?", generate=False))
    answer = events[-1].answer
    assert answer.refused and "pressure" in answer.reason, answer.reason
    kinds = [type(e) for e in events]
    assert kinds.index(WarningFound) < kinds.index(Refused)
    assert [c.text for c in answer.warnings] == ["CAUTION: Do not run the hydraulic pump dry."]
    text = answer_text(answer)
    assert text.startswith("CAUTION: Do not run the hydraulic pump dry.") and "Not in the loaded manuals." in text


def test_a_figures_notes_are_about_what_its_caption_names():
    """A value in a figure's notes ("Limited to a quantity of four (4).") is stated for what the
    figure's caption names, not only for the words of its own sentence."""
    from fieldkit.answering.evidence import _gives
    from fieldkit.library.records import Passage

    class Library:  # the one read _gives makes beyond the passage
        def following_text(self, chunk_id):
            return ""

    notes = Passage(1, "ac.pdf", 47, 47, None, "702. PREPARATION > TINNED COPPER TERMINALS", "text",
                    "Notes: * See Table 7-2 for specific materials. Limited to a quantity of four (4).\n"
                    "FIGURE 7-2. NUT PLATE BONDING OR GROUNDING TO FLAT SURFACE", 0.0)
    weights = {"nut": 1.0, "plate": 1.0, "flat": 1.0, "surface": 1.0, "terminals": 1.0}
    assert _gives(Library(), notes, ("count",), False, weights, {}) == 1.0
    bare = replace(notes, text="Notes: Limited to a quantity of four (4).")
    assert _gives(Library(), bare, ("count",), False, weights, {}) == pytest.approx(0.2)  # the section title alone


def test_a_price_is_a_number_with_its_currency():
    from fieldkit.answering.evidence import _MONEY_RE

    assert all(_MONEY_RE.search(t) for t in ("The fee is $25.", "a fee of 40 dollars", "报名费100元", "人民币 200"))
    assert not any(_MONEY_RE.search(t) for t in ("Inflate to 45 psi.", "See paragraph 25.", "保存2年"))
