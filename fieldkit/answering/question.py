"""What a question asks, read from its words: its key terms, shop talk for the manuals' words,
requests for a picture, the aircraft or manual it names, a term it asks to define, alternatives it
offers (the kind of value it asks for: value_asked.py)."""

from __future__ import annotations

import re
from functools import lru_cache

from fieldkit.text.normalize import CJK_ASKING, CJK_RUN_RE, STOPWORDS, identifiers, stem


def mentions(word: str, text_stems: set[str], text_words: set[str]) -> bool:
    """Does a text (given as its words and stems) use ``word``, allowing inflection and abbreviation
    ("bonding" ~ "bonded", "temp" ~ "temperature")?"""
    return word in text_words or stem(word) in text_stems or (len(word) >= 3 and any(w.startswith(word) for w in text_words))


# Shop talk the manuals do not use: aircraft nicknames (-> designators) and technicians' abbreviations
# (-> the manuals' words). Search adds the manuals' word to the question; the evidence check reads it
# in place of the shop word.
SHOP_TALK = {
    "huey": "UH-1", "iroquois": "UH-1", "kiowa": "OH-58", "jetranger": "OH-58", "cobra": "AH-1",
    "blackhawk": "UH-60", "chinook": "CH-47", "apache": "AH-64", "lakota": "UH-72",
    "vibe": "vibration", "vibes": "vibrations", "xmsn": "transmission", "cb": "circuit breaker",
    "cbs": "circuit breakers", "ckt": "circuit", "ppe": "personal protective equipment", "hyd": "hydraulic",
    "temp": "temperature", "temps": "temperatures", "gov": "governor", "eng": "engine", "assy": "assembly",
    "elec": "electrical", "qty": "quantity", "fwd": "forward", "t/r": "tail rotor", "m/r": "main rotor",
    "nicad": "nickel-cadmium", "gpu": "ground power unit", "apu": "auxiliary power unit",
    "fod": "foreign object damage", "ndt": "nondestructive inspection", "oat": "outside air temperature",
    "ipa": "isopropyl alcohol", "mek": "methyl ethyl ketone", "cfrp": "carbon fiber", "tgt": "turbine gas temperature",
    "ias": "indicated airspeed", "lru": "line replaceable unit", "msds": "material safety data sheet",
    "rts": "return to service", "mfr": "manufacturer", "mfg": "manufacturer", "maint": "maintenance",
    "mx": "maintenance", "insp": "inspection", "tt": "total time", "smoh": "since major overhaul",
    "tbo": "time between overhauls", "sb": "service bulletin", "ipc": "illustrated parts catalog",
    "p/n": "part number", "s/n": "serial number", "w&b": "weight and balance", "a&p": "airframe and powerplant",
    "mtf": "maintenance test flight", "autos": "autorotations",
    "cpc": "corrosion preventive compound", "cpcs": "corrosion preventive compounds",
    "rh": "relative humidity", "fab": "fabricate", "fabbing": "fabricating", "fabbed": "fabricated",
    "zap": "discharge", "zaps": "discharges", "cannon plug": "connector", "cannon plugs": "connectors",
    "tho": "though", "dims": "dimensions",
    # the common aviation maintenance abbreviations
    "pwr": "power", "chk": "check", "acft": "aircraft", "batt": "battery", "gen": "generator", "lts": "lights",
    "lites": "lights", "lite": "light", "stab": "stabilizer", "approx": "approximately", "reqd": "required",
    "inop": "inoperative",
}
# Not inside a hyphenated identifier: "TT-I-735" is a spec, not total time.
SHOP_TALK_RE = re.compile(r"(?<![\w/])(?<!\w-)(" + "|".join(re.escape(k) for k in SHOP_TALK) + r")(?![\w/])(?!-\w)",
                          re.IGNORECASE)


def with_shop_talk_spelled_out(question: str, keep: bool = True) -> str:
    """The question with each nickname or shop abbreviation followed (``keep``) or replaced by the
    manuals' word for it ("huey" -> "huey (UH-1)" or "UH-1", "CB" -> "CB (circuit breaker)")."""
    if keep:
        return SHOP_TALK_RE.sub(lambda m: f"{m.group(0)} ({SHOP_TALK[m.group(0).lower()]})", question)
    return SHOP_TALK_RE.sub(lambda m: SHOP_TALK[m.group(0).lower()], question)


def shop_words(question: str) -> dict[str, str]:
    """Each word of a spelled-out shop term -> the shop word it stands for ("auxiliary" -> "apu"):
    a manual that writes "APU" covers "auxiliary power unit"."""
    return {w.lower(): m.group(0).lower() for m in SHOP_TALK_RE.finditer(question)
            for w in re.findall(r"[\w-]+", SHOP_TALK[m.group(0).lower()])}


FIGURE_WORDS_RE = re.compile(
    r"\b(pictures?|pics?|photos?|figures?|fig|diagrams?|drawings?|illustrations?|charts?|images?|schematics?|graphs?)\b"
    r"|\bshow me\b", re.IGNORECASE)


def asks_for_figure(question: str) -> bool:
    """Does the question ask to see a picture, diagram or chart?"""
    return bool(FIGURE_WORDS_RE.search(question))


# "on the 58", "58 start": a bare number used as an aircraft's name (not "58%", "58.5", "58-62").
BARE_DESIGNATOR_RE = re.compile(r"(?:^|\b(?:the|a|our|my|this|that)\s+)(\d{2,3})\b(?!\s*[%°]|[.,-]\d)", re.IGNORECASE)


def designators(question: str) -> list[str]:
    """What may name a manual's aircraft or document: identifiers ("OH-58", "T63") and bare numbers
    used as names ("the 58")."""
    return identifiers(question) + [m.group(1) for m in BARE_DESIGNATOR_RE.finditer(question)]


# Words a question uses to ask (how, what kind of answer, how sure), not to say what it is about.
ASKING_WORDS = frozenset(
    """max maximum min minimum allowed allowable limit limits value values spec specs need needed needs required require
    requirement ok okay good normal proper right correct acceptable supposed go goes going use used using
    check checks checking procedure procedures way ways anything something thing things someone anyone
    know tell say says said mean means see seen read reads happen happens like just really actually still also even ever please
    thanks hey guys folks buddy his him hers let lets make sure want wanted wants look looking find found give gives done doing
    keep kept put able allow allowed there's theres isn't isnt can't cant don't dont won't wont i've ive i'll
    we're were you're youre it's its that's thats should shall must might may would could will way enough
    far fast soon quick quickly high low big small hot cold usually typically exactly roughly approximately
    about around least most less more many much long often time times tolerance tolerances range ranges
    meant besides""".split()
)


CJK_ASKING_PAIRS = frozenset("时候 以后 之后 以前 之前 当时 到底 一下 一次".split())


def cjk_terms(question: str) -> list[str]:
    """The character pairs of a Chinese question's runs without an asking character or a unit ("维修
    记录最少要保存多久" -> 维修, 修记, 记录, 保存): no segmenter, so pairs across two words are in too."""
    from fieldkit.text.quantities import CJK_UNITS

    pairs = []
    for run in CJK_RUN_RE.findall(question):
        pairs += [a + b for a, b in zip(run, run[1:]) if a not in CJK_ASKING and b not in CJK_ASKING
                  and a + b not in CJK_ASKING_PAIRS and a + b not in CJK_UNITS]
    return list(dict.fromkeys(pairs))


def key_terms(question: str) -> list[str]:
    """The words that say what a question is about: its content words without the words it asks
    with, numbers, identifiers and nicknames read as designators; for Chinese, character pairs."""
    from fieldkit.text.quantities import UNIT_FORMS

    out = cjk_terms(question)
    for word in content_words_of(question):
        # Unit words ("psi", "inches") say what kind of value is wanted: wanted_values reads them.
        if word in ASKING_WORDS or word in UNIT_FORMS or word in CONTRACTION_ENDS or any(c.isdigit() for c in word):
            continue
        if len(word) >= 2:
            out.append(word)
    return list(dict.fromkeys(out))


CONTRACTION_ENDS = frozenset(["re", "ve", "ll"])  # "we're" -> "we", "re"


def content_words_of(question: str) -> list[str]:
    from fieldkit.text.normalize import content_words

    return [w.strip("'") for piece in content_words(question) for w in piece.split("/") if w.strip("'")]


def english_words() -> list[str]:
    """General English words, most frequent first: wordninja's word list."""
    import gzip
    import os

    import wordninja

    path = os.path.join(os.path.dirname(os.path.abspath(wordninja.__file__)), "wordninja", "wordninja_words.txt.gz")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [w.strip() for w in fh if w.strip()]


@lru_cache(maxsize=1)
def english_ranks() -> dict[str, int]:
    """Rank of each word in general English use (1 = most frequent)."""
    return {w: rank for rank, w in enumerate(english_words(), 1)}


def is_english_word(word: str) -> bool:
    """Is ``word`` (or its singular) in the general English word list?"""
    return english_rank(word) <= len(english_ranks())


def english_rank(word: str) -> int:
    """How common ``word`` is in general English (1 = most common); words outside the list rank last."""
    ranks = english_ranks()
    word = word.lower()
    rank = ranks.get(word)
    if rank is None and len(word) > 3 and word.endswith("s"):
        rank = ranks.get(word[:-1])
    return rank if rank is not None else len(ranks) + 1


# "whats filiform corrosion", "what does b-stage mean", "define critical humidity": a question asking
# what a term is, and the term ("what's the torque on ..." asks for a value, not a definition).
_DEFINITION_RE = re.compile(
    r"^\W*(?:so\s+)?what(?:'s|s| is| are| does| do)\s+(?:a |an )?(?!the\b)['\"]?(?P<term>[\w/&' -]{2,40}?)['\"]?"
    r"(?:\s+(?:mean|stand for|look like|refer to))?(?:\s+(?:in|per|according to|for|on|under|with)\s+[^?,]*)?"
    r"\s*(?:\?|,.*|\s+and\s+(?:how|what|where|when|why|is|does|do|can)\b.*)?\s*$"
    r"|^\W*(?:what(?:'s|s| is) the )?(?:define|definition of|meaning of)\s+(?:a |an |the )?(?P<term2>[\w/&' -]{2,40}?)"
    r"(?:\s+(?:in|per|according to|for|on|under|with)\s+[^?,]*)?\s*\??\s*$",
    re.IGNORECASE)


def defined_term(question: str) -> str | None:
    """The term a "what is X / what does X mean" question asks to define, else None."""
    m = _DEFINITION_RE.match(question.strip())
    return (m.group("term") or m.group("term2")) if m else None


_ALTERNATIVES_RE = re.compile(r"\b([a-z][\w-]+)\s+or\s+([a-z][\w-]+)\b", re.IGNORECASE)
_NOT_ALTERNATIVES = STOPWORDS | ASKING_WORDS  # "ok or not", "how or where"


def alternatives(question: str) -> set[str]:
    """Words offered as alternatives: "MEK or acetone", "nitrile or latex gloves". Not words joined by
    a slash, which may name one thing ("cleaner/lube"): read as alternatives, slash pairs cost one
    answerable question for two unanswerable ones refused on sets written after."""
    offered = set()
    for m in _ALTERNATIVES_RE.finditer(question):
        pair = {m.group(1).lower(), m.group(2).lower()}
        if not pair & _NOT_ALTERNATIVES:
            offered |= pair
    return offered
