"""Is there evidence in the library for this question? Decides refusals before any generation.

Each signal is general: it reads the question's words, the library's word counts and general English
word frequencies, not a list of known questions. Measured per signal over 208 questions (README), the
value signal refuses 33 unanswerable questions for 2 answerable ones, the identifier signal 6 for 0,
while a strict coverage rule refused about as many answerable questions as unanswerable ones: so
coverage only refuses a question the close passages barely touch.
- identifiers the question names that no manual mentions ("MIL-PRF-23699", "UH-60"), however the
  manual separates their parts ("PD-680" is "P-D-680");
- the kind of value asked for ("what torque", "how often", "what psi", "how many gallons", "多久";
  a unit asked in says it: "how many lbs" is a weight, "in deg F" a temperature, not any number):
  a close passage that holds a good share of the question's key terms must state a value of that
  kind in a sentence or table row that names one of them (or in the steps that follow it);
- coverage: the share of the question's key terms, each weighted by how rare it is in the library
  and in general English (wordninja's word frequencies), that the best close passage holds; a term
  no manual uses weighs the most ("ELT", "magneto");
- a term no manual uses in what the question asks to define ("whats filiform corrosion") or among the
  alternatives it offers ("MEK or acetone");
- the best dense similarity, for English questions over English passages (the embedder is English).
Chinese questions over Chinese manuals are judged on character pairs; other cross-language questions
on their identifiers only. A question whose key terms a WARNING or CAUTION of a close passage holds is
never refused: refusing a question whose answer
is a caution is the worst failure this product can have.

The thresholds are the dev set's calibrated range (`fieldkit eval --calibrate`), placed within it by
the held-out sets over the same manuals; tests/eval/README.md says which sets were used how.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

from fieldkit.answering.guard import Sources
from fieldkit.answering.question import (
    alternatives,
    asks_for_figure,
    defined_term,
    english_rank,
    key_terms,
    mentions,
    shop_words,
    with_shop_talk_spelled_out,
)
from fieldkit.answering.retrieve import named_documents
from fieldkit.answering.slips import COMMON_ENGLISH_RANK, with_slips_mended
from fieldkit.answering.value_asked import measured_term, unit_kinds_named, wanted_values, with_value_words_spelled
from fieldkit.models.embedder import EMBEDDER_ID
from fieldkit.text.captions import captions
from fieldkit.text.language import detect_language
from fieldkit.text.normalize import CJK_RE, content_words, identifiers, mostly_cjk, stem
from fieldkit.text.quantities import UNIT_KINDS

DENSE_FLOOR = 0.30
# Below this best similarity no passage is close by meaning: a value asked for must then be stated in a
# sentence or row holding VALUE_COVERAGE_MIN of the question (tuned on validation-3 to -61 with the
# other thresholds fixed; validation-62 to -71 and -72/-73 held out: tests/eval/README.md).
CLOSE_DENSE = 0.45
COVERAGE_MIN = 0.05  # weighted share of the key terms the best close passage must hold
# ... and the share a passage giving the asked-for value must hold: a number is the dangerous part of
# an answer, so the passage it comes from must be about the question, not near it.
VALUE_COVERAGE_MIN = 0.45
COVERAGE_PASSAGES = 5
# The share of the key terms a WARNING or CAUTION holds when it is about the question.
CALLOUT_COVERS = max(COVERAGE_MIN, VALUE_COVERAGE_MIN)
RARITY_POWER = 2
MIN_SLIP_LENGTH = 6  # words this long may match with one letter more or less (a typo, an OCR slip)


@dataclass(frozen=True)
class Signals:
    """What the library says about a question, before any decision."""

    top_dense: float = 0.0  # best dense similarity among the top passages
    unknown_identifiers: tuple[str, ...] = ()  # identifiers no manual mentions
    english: bool = True  # an English question over English passages
    floor: bool = True  # the similarity floor applies: English, and the embedder it was calibrated on
    has_passages: bool = True
    judged: bool = True  # coverage and value kinds apply (English words or Chinese character pairs)
    unknown_terms: tuple[str, ...] = ()  # key terms no manual uses (not common English words)
    coverage: float = 1.0  # weighted share of the key terms the best close passage holds
    missing_terms: tuple[str, ...] = ()  # key terms that passage does not hold, heaviest first
    wanted: tuple[str, ...] = ()  # kinds of value the question asks for ("torque", "time", ...)
    # for each close passage: (weighted share of the key terms it holds, share held by its best sentence
    # stating a value of a wanted kind, 0 if none does)
    passages: tuple[tuple[float, float], ...] = ()
    callout_share: float = 0.0  # best weighted share of the key terms one WARNING/CAUTION holds
    terms: dict = field(default_factory=dict)  # key term -> weight
    defines: tuple[str, ...] = ()  # the key terms of the term a "what is X / what does X mean" asks to define
    unknown_alternatives: tuple[str, ...] = ()  # an alternative offered ("MEK or acetone") no manual uses


@dataclass(frozen=True)
class Evidence:
    refuse: bool
    reason: str
    signals: Signals


def assess(library, question: str, passages) -> Evidence:
    s = signals(library, question, passages)
    return Evidence(*decide(s), s)


def signals(library, question: str, passages) -> Signals:
    top = max((p.dense for p in passages[:3]), default=0.0)
    aliases = shop_words(question)  # "auxiliary power unit" is covered where a manual writes "APU"
    question = with_shop_talk_spelled_out(question, keep=False)  # "blackhawk" asks about the UH-60
    question = with_slips_mended(library, question)  # "tempature" asks for a temperature
    question = with_value_words_spelled(question)  # "torqe", which the index finds as "torq*"
    unknown = tuple(t for t in identifiers(question) if len(t) > 2 and not library.mentions_identifier(t))
    close = passages[:COVERAGE_PASSAGES]
    # Coverage reads the question's words in the passages' script: English words in English passages,
    # Chinese character pairs in Chinese ones. An English question answered by Chinese passages, or
    # naming a manual written in Chinese, is judged by its identifiers only, as is a question in a
    # language the manuals are not written in; the similarity floor applies to English only (the
    # embedder is English-only).
    language = detect_language(question)
    named_docs = named_documents(library, question)[0]
    cjk = _mostly_cjk(close) or any(library.written_in_cjk(doc) for doc in named_docs)
    english = language == "en" and not cjk
    base = Signals(top, unknown, english, english and library.embedder_id == EMBEDDER_ID, bool(passages),
                   judged=english or (language == "zh" and cjk))
    if not passages or unknown or not base.judged:
        return base
    weights, absent = _weights(library, key_terms(question))
    holders = [_holds(_passage_words(p), aliases) for p in close]  # each passage's words, read once
    shares = [_held_share(weights, h) for h in holders]
    best = max(range(len(close)), key=shares.__getitem__)
    missing = tuple(sorted((t for t in weights if not holders[best](t)), key=lambda t: -weights[t]))
    wanted = wanted_values(question)
    named = {i.lower() for i in identifiers(question)}
    # Some number of a measure the question names ("max allowable play"): the sentence giving it names it.
    measure = measured_term(question) if wanted == ("count",) else None
    # A value in another manual than the one the question names ("the 58": not the UH-1's pump pressure)
    # is not its answer.
    wants_figure = asks_for_figure(question)
    facts = tuple((round(share, 3), round(_gives(library, p, wanted, wants_figure, weights, aliases, named, measure), 3)
                   if not named_docs or p.doc in named_docs else 0.0)
                  if wanted else (round(share, 3), 1.0) for p, share in zip(close, shares))
    # A WARNING or CAUTION that holds the question's key terms answers it, or says what must not be
    # done ("can I stir the cyclic at low rpm?"): such a question is never refused.
    cautions = [c for p in close for c in p.callouts if c.kind in ("WARNING", "CAUTION")]
    callout = max((_share(weights, c.text, aliases) for c in cautions), default=0.0) if weights else 0.0
    term = defined_term(question)
    defines = tuple(t for t in key_terms(term) if t in weights) if term else ()
    offered = alternatives(question)
    return replace(base, unknown_terms=absent, coverage=round(shares[best], 3), missing_terms=missing, wanted=wanted,
                   passages=facts, callout_share=round(callout, 3), terms=weights, defines=defines,
                   unknown_alternatives=tuple(t for t in absent if t in offered))


def decide(s: Signals, dense_floor: float = DENSE_FLOOR, coverage_min: float = COVERAGE_MIN,
           value_coverage_min: float = VALUE_COVERAGE_MIN) -> tuple[bool, str]:
    """Refuse (True, why) or answer (False, "")."""
    if not s.has_passages:
        return True, "the library has no passages for this question"
    if s.unknown_identifiers:
        return True, f"the loaded manuals never mention {', '.join(s.unknown_identifiers)}"
    if not s.judged:
        return False, ""
    # A WARNING or CAUTION about the question answers it or says what must not be done: never refused,
    # unless a value is asked for that no close passage, the callout's own included, states ("58 hyd
    # system psi?" beside a CAUTION about the HYD BOOST switch). The refusal then shows that callout.
    stated = [given for share, given in s.passages if share >= max(coverage_min, value_coverage_min)]
    value_unstated = bool(s.wanted) and not any(given > 0 for given in stated)
    if s.callout_share >= max(coverage_min, value_coverage_min) and not value_unstated:
        return False, ""
    # "whats filiform corrosion": a term no manual uses is not defined by them.
    undefined = [t for t in s.defines if t in s.unknown_terms]
    if undefined:
        return True, f"the loaded manuals never mention {', '.join(undefined)}"
    # "MEK or acetone?": the manuals cannot choose an alternative they never name.
    if s.unknown_alternatives:
        return True, f"the loaded manuals never mention {', '.join(s.unknown_alternatives)}"
    if s.coverage < coverage_min:
        if s.unknown_terms:
            return True, f"the loaded manuals never mention {', '.join(s.unknown_terms)}"
        return True, f"no passage close to the question mentions {', '.join(s.missing_terms)}"
    # The value asked for must be stated, next to a key term, by a passage that is about the question.
    if value_unstated:
        reason = f"no passage close to the question gives its {' or '.join(s.wanted)}"
        if s.unknown_terms:
            return True, f"the loaded manuals never mention {', '.join(s.unknown_terms)}; {reason}"
        return True, reason + (f" (the closest do not mention {', '.join(s.missing_terms[:3])})" if s.missing_terms else "")
    # Where no passage is close by meaning, a value must come from a sentence that is itself about the
    # question: not a pressure stated for the pump next to the one asked about.
    if s.wanted and s.floor and s.top_dense < CLOSE_DENSE and not any(given >= value_coverage_min for given in stated):
        return True, (f"no sentence about the question gives its {' or '.join(s.wanted)} (the closest passages are "
                      f"not close, best similarity {s.top_dense:.2f})")
    # A term the best close passage holds in full is defined there, however short the question
    # ("whats hygroscopic mean" is far from any passage by similarity).
    if s.floor and s.top_dense < dense_floor and not (s.defines and s.coverage >= 1.0):
        return True, f"no passage is close enough to the question (best similarity {s.top_dense:.2f})"
    return False, ""


def _weights(library, terms: list[str]) -> tuple[dict[str, float], tuple[str, ...]]:
    """Each key term's weight, and the key terms no manual uses that are not everyday English.

    A term's weight is how rare it is in the library (inverse document frequency) times how rare it
    is in general English: "pylon" and "torque" say what a question is about more than "back",
    "made" or "bring" do. A term no manual uses weighs the most the library can give, scaled the
    same way: everyday phrasing ("saw", "bring") little, a thing the manuals may not cover ("ELT",
    "magneto", or shop slang like "jugs") much, so the question is refused unless the passages hold
    the rest of it well. The absent terms that are not everyday English are returned to name them."""
    total = max(library.chunk_count(), 1)
    weights, absent = {}, []
    for term, count in _known_parts(library, terms).items():
        if count == 0 and CJK_RE.search(term):
            continue  # a character pair across two words (no segmenter): says nothing
        rank = english_rank(term)
        if count == 0 and rank > COMMON_ENGLISH_RANK:
            absent.append(term)
        weights[term] = math.log((total + 1) / (count + 1)) * _english_rarity(rank)
    return weights, tuple(absent)


def _known_parts(library, terms: list[str]) -> dict[str, int]:
    """Terms as the manuals may write them, with how many chunks use each: a compound the library
    does not know is read as its known parts ("owner-pilot" -> "owner", "pilot"; "restamp" -> "stamp",
    split by wordninja)."""
    import wordninja

    out: dict[str, int] = {}
    for term in terms:
        count = library.word_count(term)
        if count or not term.isascii():
            out[term] = count
            continue
        split = re.split(r"[-/]", term) if "-" in term or "/" in term else wordninja.split(term)
        parts = {p.lower(): library.word_count(p) for p in split if len(p) >= 4 or ("-" in term or "/" in term) and p}
        known = {p: n for p, n in parts.items() if n and p != term}
        out.update(known or {term: 0})
    return out


def _english_rarity(rank: int) -> float:
    """0.08 for the commonest English words (rank 100 and above) to 1 for rare ones (rank 100,000 and
    below), on a log scale."""
    return (min(max(math.log10(rank) - 2, 0.25), 3) / 3) ** RARITY_POWER


def _mostly_cjk(passages) -> bool:
    """Are most of these passages written in Chinese or Japanese characters?"""
    return sum(mostly_cjk(p.text) for p in passages) > len(passages) / 2


def _passage_words(p) -> str:
    return " ".join([p.text, p.section, p.doc, *(c.text for c in p.callouts), *(f.caption for f in p.figures)])


def _holds(text: str, aliases: dict[str, str]):
    """A test: does ``text`` mention a term (a compound: each of its parts; or the shop word it was
    spelled out from)?"""
    words, squeezed = set(content_words(text)), re.sub(r"\s+", "", text)
    words |= {p for w in words for p in _parts(w)}  # "320-grit" mentions grit
    word_stems = {stem(w) for w in words}
    slips = None  # long words with one letter dropped: "Dampner" is the manual's "damper"

    def holds(t: str) -> bool:
        nonlocal slips
        if CJK_RE.search(t):
            return t in squeezed
        if mentions(t, word_stems, words) or (t in aliases and mentions(aliases[t], word_stems, words)):
            return True
        parts = _parts(t)
        if len(parts) > 1 and all(mentions(p, word_stems, words) for p in parts):
            return True
        if len(t) < MIN_SLIP_LENGTH or not t.isalpha():
            return False
        if slips is None:
            slips = {_drop(w, i) for w in words if len(w) > MIN_SLIP_LENGTH for i in range(len(w))}
        return t in slips or any(_drop(t, i) in words for i in range(len(t)))

    return holds


def _parts(word: str) -> list[str]:
    """The parts of a compound written with a hyphen or slash ("320-grit", "copilot/observer")."""
    return [p for p in re.split(r"[-/]", word) if p] if "-" in word or "/" in word else [word]


def _drop(word: str, i: int) -> str:
    return word[:i] + word[i + 1:]


def _share(weights: dict[str, float], text: str, aliases: dict[str, str]) -> float:
    return _held_share(weights, _holds(text, aliases))


def _held_share(weights: dict[str, float], holds) -> float:
    """The weighted share of the key terms a text (its ``_holds`` test) holds."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if holds(t)) / total if total else 1.0


def _gives(library, passage, wanted: tuple[str, ...], wants_figure: bool, weights: dict[str, float],
           aliases: dict[str, str], named: set[str] = frozenset(), measure: str | None = None) -> float:
    """How much of the question the best sentence or table row stating a value of a wanted kind holds
    (weighted share of the key terms, its section title included), in the passage, a callout of it or
    the steps that follow it in its section; 0 when none states one. A chart the passage carries
    counts in full when the question asks for one: its values are in the picture."""
    if wants_figure and passage.figures:
        return 1.0
    # A figure's or table's notes are about what its caption names ("Limited to a quantity of four (4)."
    # under "FIGURE 7-2. NUT PLATE BONDING OR GROUNDING TO FLAT SURFACE"): the passage's captions count too.
    context = " ".join([passage.section.split(" > ")[-1], *captions(passage.text)])
    texts = [passage.text, library.following_text(passage.chunk_id), *(c.text for c in passage.callouts)]
    best = 0.0
    for s in Sources(texts).statements:
        if not (_states(s.quantities, wanted) or _names_unit_of(s, wanted) or "torque" in wanted and _torque_in_psi(s.text)
                or "price" in wanted and _MONEY_RE.search(s.text)
                or "designation" in wanted and _designates(s.text, named)):
            continue
        holds = _holds(s.text + " " + context, aliases)  # read once: the measure named and the share held
        if measure is None or holds(measure):
            best = max(best, _held_share(weights, holds))
    return best


def _designates(text: str, named: set[str]) -> bool:
    """Does a sentence or row name an identifier (a specification, standard or part number) other
    than those the question names ("UH-1")?"""
    return any(i.lower() not in named and len(i) > 3 for i in identifiers(text)) or bool(_DOCUMENT_NUMBER_RE.search(text))


# A document or part cited by its number: "FAA Order 8120.2", "AC 43-13", "14 CFR part 43", "P/N 84200A".
# "TO"/"TM" only in capitals and with a dash ("TO 1-1A-8"): "torque the bolts to 25 N·m" cites nothing.
_DOCUMENT_NUMBER_RE = re.compile(r"(?i:\b(?:order|ac|part|cfr|far|sae|astm|ams|nas|ata|p/n|part no\.?)\s*\d[\w.-]*)"
                                 r"|\b(?:TO|TM)\s*\d[\w.]*-[\w.-]*")


# An amount of money: "$25", "25 dollars", "100元", "人民币100".
_MONEY_RE = re.compile(r"[$¥€£]\s?\d|\d\s*(?:dollars|usd|eur|元|人民币)|人民币\s*\d", re.IGNORECASE)


# A helicopter's torquemeter reads in psi: "down to 13 PSI torque", "TORQUE 30 PSI" state a torque.
_PSI_TORQUE_RE = re.compile(r"\d\s*psi\s+(?:of\s+)?torque\b|\btorque\b[^.;\d]{0,20}\d[\d.,]*\s*psi\b", re.IGNORECASE)


def _torque_in_psi(text: str) -> bool:
    return bool(_PSI_TORQUE_RE.search(text))


def _names_unit_of(statement, wanted: tuple[str, ...]) -> bool:
    """A bare number under a unit the sentence or row names apart from it ("RPM dial to 662")."""
    return any(not q.label and not q.unit for q in statement.quantities) and bool(
        unit_kinds_named(statement.text) & set(wanted))


def _states(found, wanted: tuple[str, ...]) -> bool:
    """Do these quantities include a value of a wanted kind ("count": any number)?"""
    kinds = {UNIT_KINDS.get(q.unit, "count") for q in found if not q.label}
    if "angle" in kinds:  # "5 to 10 degrees": manuals write bare degrees for temperatures too
        kinds.add("temperature")
    return bool(kinds & set(wanted)) or ("count" in wanted and bool(kinds))
