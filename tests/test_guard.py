"""The number guard on adversarial cases: (generated sentence, cited sources, question, verdict).

Every class of wrong number found so far has cases here: numbers matched inside longer numbers,
signs, labels taken for values, identifiers matched by substring or case, units of another scale,
fractions, number words, ranges, tolerances, and values stated about something else. The verdicts are
what a technician must see: "ok" is shown, "removed" is not.
"""

import pytest

from fieldkit.answering.guard import Sources, check, complete_sentences, guard, split_sentences

TORQUE_TABLE = (
    "Item | Part number | Torque\n"
    "Oil drain plug | FK-DP-20 | 35 N·m (26 lb-ft)\n"
    "Wheel lug nuts | FK-LN-12 | 110 N·m (81 lb-ft)\n"
    "Battery terminal clamp | FK-BT-4 | 5 N·m (44 lb-in)"
)
OH58_START = (
    "ENGINE OUT light at 55 +/- 3% N1.\n"
    "c. Starter switch - release at 58-62% N1.\n"
    "Open throttle to idle at a minimum N1 of 15% above 7°C, 13% from -18°C to 7°C, 12% below -18°C."
)
VACUUM = "8.1 Autoclave\nA vacuum bag applies about 0.5 atm of pressure to the laminate during the cure."
OVEN = "Dry in a vacuum oven at not more than 130°F (54°C) with a vacuum of at least 25 inches of Hg for 1 to 2 hours."
ESD = "Any part damaged by 16,000 volts or less is ESD sensitive. Class 1: 0 to 2 kilovolts. Class 2: 2 to 4 kilovolts."
STEPS = ("Step 7. Remove the cover.\n7. Torque the screws to 3.5 N·m.\n"
         "(3) Tighten the clamp to 3.5 N·m.\nParagraph 4-5 gives the limits.")
COLD = "Do not operate the heater below -40 °F. Store the kit at 40 to 90 °F."
FRACTIONS = "Use a 1/2-inch socket. Leave 3/4 inch clearance. Safety wire of 0.032 inch diameter."
WORDS = "Allow the barometer to stabilize for five hours after a temperature change of more than 10°F."
PERCENT = "Rotor speed 101% to 103% N2. Tolerance 4 to 6 pounds on the pedal."
PARTS = "Use bolt MS20995C32 with washer AN960-416L. Sealant MIL-PRF-81733 Type IV."
LOWER = "install seal kit p/n ab-1234-5 before flight."
MOTOR = "Starter limits: 3 starts with 1 minute off between starts, then 30 minutes off."
MIXED = "The drain plug is torqued after the oil filter. Lug nuts are torqued to 110 N·m in a star pattern."
OIL_STEPS = ("WARNING: Let the engine cool for at least 15 minutes before you remove the drain plug.\n"
             "(2) Remove the drain plug (item 3) and let the oil drain for 10 minutes.")
STROKES = "Accumulator gage reads below the green arc and less than four strokes are available at 14 psi."
ROPE = "Proof load the sling at 1½ times the rated load."
ULTRASONIC = ("10.1.4.3 A disadvantage of the ultrasonic method is that it misses small voids and "
              "delaminations, the ultrasonic method cannot tell them apart.")


CASES = [
    # id, sentence, sources, question, verdict
    # -- whole tokens: a number is not part of a longer number -----------------------------------
    ("vacuum-bag-8", "A vacuum bag can put a 8.", VACUUM, "what pressure does a vacuum bag apply?", "removed"),
    ("vacuum-bag-0.5", "A vacuum bag applies about 0.5 atm.", VACUUM, "what pressure does a vacuum bag apply?", "ok"),
    ("vacuum-bag-5", "A vacuum bag applies 5 atm.", VACUUM, "", "removed"),
    ("3-of-3.5", "Torque the screws to 3 N·m.", STEPS, "", "removed"),
    ("3.5-whole", "Torque the screws to 3.5 N·m.", STEPS, "", "ok"),
    ("35-not-3.5", "Torque the screws to 35 N·m.", STEPS, "", "removed"),
    ("16000-thousands", "A part damaged by 16000 volts or less is ESD sensitive.", ESD, "", "ok"),
    ("16-of-16000", "A part damaged by 16 volts is ESD sensitive.", ESD, "", "removed"),
    ("1.2-of-1-to-2", "Dry it in the vacuum oven for 1.2 hours.", OVEN, "", "removed"),
    ("25-of-25-inHg", "Dry at 25 inches of Hg in the vacuum oven.", OVEN, "", "ok"),
    # -- signs ------------------------------------------------------------------------------------
    ("minus-40-dropped", "Do not operate the heater below 40 °F.", COLD, "", "removed"),
    ("minus-40-kept", "Do not operate the heater below -40 °F.", COLD, "", "ok"),
    ("minus-40-unicode", "Do not operate the heater below \u221240 °F.", COLD, "", "ok"),
    ("minus-40-word", "Do not operate the heater below minus forty °F.", COLD, "", "ok"),
    ("minus-18-range", "Open the throttle at 13% N1 from -18°C to 7°C.", OH58_START, "", "ok"),
    ("18-sign-lost", "Open the throttle at 13% N1 from 18°C to 7°C.", OH58_START, "", "removed"),
    ("tolerance-kept", "The ENGINE OUT light is at 55 ± 3% N1.", OH58_START, "", "ok"),
    ("tolerance-as-value", "The ENGINE OUT light is at 3% N1.", OH58_START, "", "removed"),
    ("tolerance-ascii", "ENGINE OUT light at 55 +/- 3% N1.", OH58_START, "", "ok"),
    # -- labels are not values ------------------------------------------------------------------
    ("step-7-as-value", "Torque the screws 7 times.", STEPS, "", "removed"),
    ("paragraph-8.1-as-8", "The autoclave pressure is 8.1 atm.", VACUUM, "", "removed"),
    ("step-label-ok", "Step 7 is to remove the cover.", STEPS, "", "ok"),
    ("step-label-as-enumerator", "In step 7 torque the screws to 3.5 N·m.", STEPS, "", "ok"),
    ("paragraph-ref", "Paragraph 4-5 gives the limits.", STEPS, "", "ok"),
    ("paragraph-number-invented", "- 10.4.5 A disadvantage of the ultrasonic method is that it misses small voids.",
     ULTRASONIC, "", "removed"),
    ("paragraph-number-quoted", "10.1.4.3 A disadvantage of the ultrasonic method is that it misses small voids.",
     ULTRASONIC, "", "ok"),
    ("class-1-range", "Class 1 parts are damaged by 0 to 2 kilovolts.", ESD, "", "ok"),
    ("class-1-endpoint", "Class 1 parts are damaged by 2 kilovolts.", ESD, "", "removed"),
    ("class-label-wrong", "Class 3 parts are damaged by 0 to 2 kilovolts.", ESD, "", "removed"),
    # a label in an earlier clause does not say what a later value is about (the sample manual's
    # "let the oil drain for 10 minutes" written by the model as "cool", beside the 15-minute WARNING)
    ("item-label-other-clause", "Remove the drain plug (item 3) and let the oil cool for 10 minutes.", OIL_STEPS,
     "how long must the engine cool?", "removed"),
    ("item-label-same-words", "Remove the drain plug (item 3) and let the oil drain for 10 minutes.", OIL_STEPS, "", "ok"),
    ("item-label-then", "Remove the drain plug (item 3), then wait 15 minutes.", OIL_STEPS, "", "removed"),
    # -- identifiers whole, any case ---------------------------------------------------------------
    ("ident-substring", "The drain plug is FK-DP-2.", TORQUE_TABLE, "", "removed"),
    ("ident-whole", "The drain plug is FK-DP-20.", TORQUE_TABLE, "", "ok"),
    ("ident-lowercase", "The drain plug is fk-dp-20.", TORQUE_TABLE, "", "ok"),
    ("ident-lowercase-wrong", "Install seal kit ab-1234-6 before flight.", LOWER, "", "removed"),
    ("ident-lowercase-right", "Install seal kit AB-1234-5 before flight.", LOWER, "", "ok"),
    ("ident-suffix-dropped", "Use washer AN960-416 with the bolt.", PARTS, "", "removed"),
    ("ident-suffix-kept", "Use washer AN960-416L with the bolt.", PARTS, "", "ok"),
    ("ident-changed-digit", "Use bolt MS20995C33.", PARTS, "", "removed"),
    ("ident-in-number-only", "The drain plug location is 20.", TORQUE_TABLE, "", "removed"),
    ("spec-wrong", "Use sealant MIL-PRF-8173.", PARTS, "", "removed"),
    # -- units whole ------------------------------------------------------------------------------
    ("Ncm-for-Nm", "Torque the oil drain plug to 35 N·cm.", TORQUE_TABLE, "", "removed"),
    ("Nm-written-Nm", "Torque the oil drain plug to 35 Nm.", TORQUE_TABLE, "", "ok"),
    ("Nm-newton-meters", "Torque the oil drain plug to 35 newton-meters.", TORQUE_TABLE, "", "ok"),
    ("lbin-for-lbft", "Torque the oil drain plug to 26 lb-in.", TORQUE_TABLE, "", "removed"),
    ("ftlb-is-lbft", "Torque the oil drain plug to 26 ft-lb.", TORQUE_TABLE, "", "ok"),
    ("inlb-battery", "Torque the battery terminal clamp to 44 in-lb.", TORQUE_TABLE, "", "ok"),
    ("C-for-F", "Dry at not more than 130°C in the vacuum oven.", OVEN, "", "removed"),
    ("F-degrees-words", "Dry at not more than 130 degrees F in the vacuum oven.", OVEN, "", "ok"),
    ("inches-not-inHg", "Dry in the vacuum oven at 25 psi.", OVEN, "", "removed"),
    ("hours-for-minutes", "Dry in the vacuum oven for 1 to 2 minutes.", OVEN, "", "removed"),
    ("kV-for-V", "Class 1 is 0 to 2 volts.", ESD, "", "removed"),
    # -- fractions --------------------------------------------------------------------------------
    ("half-inch-symbol", "Use a ½-inch socket.", FRACTIONS, "", "ok"),
    ("half-inch-word", "Use a one-half inch socket.", FRACTIONS, "", "ok"),
    ("three-quarters-for-half", "Use a 3/4-inch socket.", FRACTIONS, "which socket?", "removed"),
    ("three-quarters-symbol", "Leave ¾ inch clearance.", FRACTIONS, "", "ok"),
    ("quarter-for-three-quarters", "Leave ¼ inch clearance.", FRACTIONS, "", "removed"),
    ("1.5-times", "Proof load the sling at 1.5 times the rated load.", ROPE, "", "ok"),
    ("2-times", "Proof load the sling at 2 times the rated load.", ROPE, "", "removed"),
    ("decimal-diameter", "Use safety wire of 0.032 inch diameter.", FRACTIONS, "", "ok"),
    # a decimal the manual does not write: the same value, not the manual's figure (seen with the
    # bundled model: "FOR BASELINE TEACS: 2.0" from "Subtract 2%")
    ("decimal-padded", "For the baseline TEAC subtract 2.0.", "b. For the baseline TEAC subtract 2%.", "", "removed"),
    ("decimal-dropped", "Torque the drain plug to 3.5 N·m.", "Torque the drain plug to 3.50 N·m.", "", "removed"),
    ("thousands-separator", "Overhaul the blower at 16,000 hours.", "Overhaul the blower at 16000 hours.", "", "ok"),
    ("decimal-diameter-wrong", "Use safety wire of 0.32 inch diameter.", FRACTIONS, "", "removed"),
    # -- number words -----------------------------------------------------------------------------
    # a number written in digits is shown as the manual writes it: "5" is not a whole token of "five"
    ("five-hours-digits", "Let the barometer stabilize for 5 hours after a temperature change.", WORDS, "", "removed"),
    ("four-strokes-digits", "Less than 4 strokes are available at the gage.", STROKES, "", "removed"),
    ("four-strokes-word", "Less than four strokes are available at the gage.", STROKES, "", "ok"),
    ("four-not-in-14", "Less than 4 strokes are available at 14 psi.", STROKES, "", "removed"),
    ("three-hours-word", "Let the barometer stabilize for three hours after a temperature change.", WORDS, "", "removed"),
    ("three-inches-word", "Leave three inches of clearance.", FRACTIONS, "", "removed"),
    ("ten-degrees-word", "Let the barometer stabilize after a temperature change of more than ten °F.", WORDS, "", "ok"),
    ("one-pronoun", "The clamp on the left is the one that holds the hose.", "The clamp on the left holds the hose.", "", "ok"),
    # -- ranges -----------------------------------------------------------------------------------
    ("range-equal", "Release the starter at 58 to 62% N1.", OH58_START, "", "ok"),
    ("range-endpoint", "Release the starter at 58% N1.", OH58_START, "", "removed"),
    ("range-other-end", "Release the starter at 62% N1.", OH58_START, "", "removed"),
    ("range-percent-both", "Rotor speed should be 101% to 103% N2.", PERCENT, "", "ok"),
    ("range-shifted", "Rotor speed should be 100% to 103% N2.", PERCENT, "", "removed"),
    ("range-pounds", "The pedal tolerance is 4 to 6 pounds.", PERCENT, "", "ok"),
    ("range-pounds-kg", "The pedal tolerance is 4 to 6 kg.", PERCENT, "", "removed"),
    ("range-1-2-hours", "Dry it in the vacuum oven for 1 to 2 hours.", OVEN, "", "ok"),
    # -- attribution: the number must be stated about what the sentence is about ----------------
    ("lug-as-drain", "Torque the oil drain plug to 110 N·m.", TORQUE_TABLE, "what torque for the drain plug?", "removed"),
    ("drain-right", "Torque the oil drain plug to 35 N·m.", TORQUE_TABLE, "what torque for the drain plug?", "ok"),
    ("lug-right", "Torque the wheel lug nuts to 110 N·m.", TORQUE_TABLE, "", "ok"),
    ("swapped-in-one-sentence", "Torque the oil drain plug to 110 N·m and the wheel lug nuts to 35 N·m.", TORQUE_TABLE, "",
     "removed"),
    ("both-right-in-one", "Torque the oil drain plug to 35 N·m and the wheel lug nuts to 110 N·m.", TORQUE_TABLE, "", "ok"),
    ("bare-subject-uses-question", "It is 110 N·m.", TORQUE_TABLE, "what torque for the oil drain plug?", "removed"),
    ("bare-subject-right", "It is 35 N·m.", TORQUE_TABLE, "what torque for the oil drain plug?", "ok"),
    ("other-sentence-value", "Torque the drain plug to 110 N·m.", MIXED, "drain plug torque?", "removed"),
    ("other-verb-same-row", "Remove the drain plug and let the oil cool for 10 minutes.", OIL_STEPS, "", "removed"),
    ("same-verb-same-row", "Remove the drain plug and let the oil drain for 10 minutes.", OIL_STEPS, "", "ok"),
    ("starter-limits", "Give the starter 30 minutes off after 3 starts.", MOTOR, "starter limits after failed starts?", "ok"),
    ("starter-limits-swapped", "Give the starter 1 minute off after 30 starts.", MOTOR, "", "removed"),
    ("idle-N1-attribution", "Open the throttle to idle at 15% N1 above 7°C.", OH58_START, "", "ok"),
    ("paired-from-two-rows", "Torque the oil drain plug to 35 N·m (81 lb-ft).", TORQUE_TABLE, "", "removed"),
    ("paired-from-one-row", "Torque the oil drain plug to 35 N·m (26 lb-ft).", TORQUE_TABLE, "", "ok"),
    # -- counts and glued units -----------------------------------------------------------------
    ("count-is-not-minutes", "Give the starter a rest after 30 starts.", MOTOR, "", "removed"),
    ("count-right", "The starter limit is 3 starts with 1 minute off between starts.", MOTOR, "", "ok"),
    ("glued-celsius", "Open the throttle to idle at 15% N1 above 7C.", OH58_START, "", "ok"),
    ("glued-wrong-scale", "Open the throttle to idle at 15% N1 above 7F.", OH58_START, "", "removed"),
    ("hyphen-unit", "Use a 1/2-in. socket.", FRACTIONS, "", "ok"),
    ("percent-word", "Rotor speed should be 101 percent to 103 percent N2.", PERCENT, "", "ok"),
    # -- anything else written with digits --------------------------------------------------------
    ("date-invented", "The bulletin is dated 6/4/2011.", "Service bulletin dated 6/4/2010 applies.", "", "removed"),
    ("date-quoted", "The bulletin is dated 6/4/2010.", "Service bulletin dated 6/4/2010 applies.", "", "ok"),
    # -- words --------------------------------------------------------------------------------------
    ("invented-words", "Replace the gasket and lubricate the bearing housing thoroughly.", TORQUE_TABLE, "", "removed"),
    ("question-number-not-source", "At 10°C OAT open the throttle at 15% N1.", OH58_START, "58 start at 10C OAT?", "removed"),
]


@pytest.mark.parametrize("case_id,sentence,sources,question,verdict", CASES, ids=[c[0] for c in CASES])
def test_guard_case(case_id, sentence, sources, question, verdict):
    reason = check(sentence, Sources([sources]), wording=question)
    assert (reason is None) == (verdict == "ok"), reason


def test_the_table_covers_every_class_with_enough_cases():
    assert len(CASES) >= 60
    assert sum(v == "removed" for *_, v in CASES) >= 30 and sum(v == "ok" for *_, v in CASES) >= 25
    assert len({c[0] for c in CASES}) == len(CASES)


def test_sentences_never_split_inside_a_number():
    assert split_sentences("Torque to 3.5 N·m. Then safety wire it.") == ["Torque to 3.5 N·m.", "Then safety wire it."]
    assert split_sentences("Use 0.032 in. wire. Done.") == ["Use 0.032 in. wire.", "Done."]


@pytest.mark.parametrize("pieces,shown_before_end", [
    (["Torque the screws to 3.", "5 N·m. ", "Then"], ["Torque the screws to 3.5 N·m."]),
    (["It applies 0.", "5 atm."], []),  # the last sentence waits for the stream's end
    (["Release at 58", "-62% N1. ", "Next"], ["Release at 58-62% N1."]),
])
def test_streamed_sentence_is_complete_only_when_the_next_one_begins(pieces, shown_before_end):
    buffer, shown = "", []
    for piece in pieces:
        buffer += piece
        done, buffer = complete_sentences(buffer)
        shown += done
    assert shown == shown_before_end


def test_guard_keeps_supported_sentences_and_reports_the_rest():
    kept, removed = guard("Torque the oil drain plug to 35 N·m. Torque the oil drain plug to 110 N·m.",
                          TORQUE_TABLE, "drain plug torque?")
    assert kept == "Torque the oil drain plug to 35 N·m."
    assert [r.sentence for r in removed] == ["Torque the oil drain plug to 110 N·m."]
    assert "stated about something else" in removed[0].reason
