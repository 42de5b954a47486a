"""What a question asks, read from its words: the checks it names, shop talk for the manuals' words,
requests for a picture, the aircraft or manual it names."""

from __future__ import annotations

import re

from fieldkit.textnorm import CJK_RUN_RE, STOPWORDS, TOKEN_RE, identifiers, stem

PROCEDURE_NOUNS = frozenset("check checks test tests inspection inspections procedure pressure interval limit limits setting clearance tolerance".split())
# Words that say how a check is done, not which one ("a quick check", "the final inspection").
PROCEDURE_QUALIFIERS = frozenset(
    """quick final visual functional operational ops op daily preflight postflight annual routine initial
    first second last full complete normal basic simple proper same next previous required special""".split()
)


def named_procedures(question: str) -> list[tuple[str, str]]:
    """The checks and tests a question names, as (name word, phrase) for each word of the name:
    "the fuel boost pump check" -> ("fuel", "fuel boost pump check"), ("boost", ...), ("pump", ...)."""
    tokens = [t.lower() for t in TOKEN_RE.findall(CJK_RUN_RE.sub(" ", question))]
    named = []
    for i, word in enumerate(tokens):
        if word not in PROCEDURE_NOUNS:
            continue
        name: list[str] = []
        for before in reversed(tokens[max(0, i - 3) : i]):
            if not before.isalpha() or len(before) < 2 or before in STOPWORDS or before in PROCEDURE_NOUNS:
                break
            name.insert(0, before)
        phrase = " ".join(name + [word])
        named.extend((w, phrase) for w in name if w not in PROCEDURE_QUALIFIERS)
    return named


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
}
SHOP_TALK_RE = re.compile(r"(?<![\w/])(" + "|".join(re.escape(k) for k in SHOP_TALK) + r")(?![\w/])", re.IGNORECASE)


def with_shop_talk_spelled_out(question: str, keep: bool = True) -> str:
    """The question with each nickname or shop abbreviation followed (``keep``) or replaced by the
    manuals' word for it ("huey" -> "huey (UH-1)" or "UH-1", "CB" -> "CB (circuit breaker)")."""
    if keep:
        return SHOP_TALK_RE.sub(lambda m: f"{m.group(0)} ({SHOP_TALK[m.group(0).lower()]})", question)
    return SHOP_TALK_RE.sub(lambda m: SHOP_TALK[m.group(0).lower()], question)


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
