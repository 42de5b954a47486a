"""What a question asks, read from its words: its key terms, the kind of value it asks for, shop talk
for the manuals' words, requests for a picture, the aircraft or manual it names."""

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


# The kind of value a question asks for, read from the words it asks with: "torque for the drain
# plug?", "how often", "what psi", "max TOT".
_TIME_UNITS = "hours|hrs|minutes|mins|seconds|secs|days|weeks|months|years|yrs|cycles"  # "how many hrs"
WANTED_VALUE_RES = (
    ("torque", re.compile(r"\btorque\b|\bhow tight|\b(?:inch|foot|ft|in)[- ]?(?:pounds?|lbs?)\b|\bn[·.-]?m\b", re.I)),
    ("pressure", re.compile(r"\bpsi[gad]?\b|\bkpa\b|\bhow much (?:air )?pressure|\bpressure (?:limit|setting|value|range)"
                            r"|\bcompression (?:reading|check|test)|\bhow much vacuum"
                            r"|\b(?:what|max|maximum|min|minimum)\b[^?]{0,20}\bpressure\b|\bprecharge\b"
                            r"|\binches of (?:hg|mercury)", re.I)),
    ("temperature", re.compile(r"\b(?:what|max|maximum|min|minimum|how)\b[^?]{0,30}\b(?:temp|temperature|degrees|tot|egt|"
                               r"tgt|itt|mgt|cht)\b|\bhow (?:hot|cold|warm)\b|\b(?:temp|temperature) (?:limit|range)"
                               # "- oven temp and time?", "flash point on P-D-680?"
                               r"|(?:^|[-–:;,]\s*)(?:[\w-]+\s+){0,2}(?:temp|temperature)s?\b(?!\s+(?:sensor|probe|gauge|bulb|switch|indicator|light|fix|repair|patch))"
                               r"|\bflash ?point\b", re.I)),
    ("time", re.compile(r"\bhow (?:long|often|soon|quick|quickly|frequently|fast)\b|\binterval\b|\bevery how\b"
                        r"|\bhow many (?:" + _TIME_UNITS + r")\b|\bin (?:" + _TIME_UNITS + r")\b"
                        r"|,\s*(?:" + _TIME_UNITS + r")(?:\s*(?:and|or|&|/)\s*(?:" + _TIME_UNITS + r"))?\s*\??\s*$"
                        r"|\b(?:what|max(?:imum)?|min(?:imum)?)\b[^?]{0,25}\b(?:time limit|life limit|retirement time"
                        r"|overhaul time|deadline)\b|\b(?:shelf|pot|service|working|storage|useful|cure) life\b"
                        r"|\btbo\b|\btime between overhauls?\b|\bwhat(?:'s|s| is)?\s+(?:the\s+)?(?:[\w-]+\s+){0,2}time\b(?![\s-]*(?:limits? program|in service|since))"
                        r"|(?:^|[-–:;,]\s*)(?:[\w-]+\s+){0,2}(?:temp|temperature)s?\s*(?:and|&|/)\s*time\b",
                        re.I)),
    ("voltage", re.compile(r"\bvolt(?:s|age)?\b", re.I)),
    ("current", re.compile(r"\bamps?\b(?![- ]?hours?)|\bamperage\b|\bcurrent draw\b", re.I)),
    ("charge", re.compile(r"\bamp(?:ere)?[- ]?hours?\b|\bah rating\b|\bbattery capacity\b", re.I)),
    ("resistance", re.compile(r"\bresistance\b|\bohms?\b|\bresistor\b|\bmeg(?:a)?(?:s|ohms?)?\b", re.I)),
    ("frequency", re.compile(r"\bfrequency\b|\bhertz\b|\bhz\b", re.I)),
    ("speed", re.compile(r"\b(?:what|how many|how much|which|max(?:imum)?|min(?:imum)?)\b[^?]{0,25}\b(?:rpm|airspeed|knots)\b"
                         r"|\b(?:rpm|airspeed) (?:limit|range|drop|setting|should)|\bhow fast\b", re.I)),
    ("percent", re.compile(r"\bhumidity\b|\bpercent(?:age)?\b|\b(?:what|how many|how much|max(?:imum)?|min(?:imum)?)\s*%", re.I)),
    # "how many degrees of the station bearing": an angle, unless a temperature is named
    ("angle", re.compile(r"\bangle\b|\bhow many degrees\b(?!\s*(?:f|c|fahrenheit|celsius|centigrade)\b)", re.I)),
    ("weight", re.compile(r"\bhow heavy\b|\bweigh(?:s|t)?\b|\bhow much force\b|\b(?:test|pull|proof|breaking) (?:load|force)\b", re.I)),
    ("length", re.compile(r"\bhow (?:far(?! off| out)|deep|thick|thin|wide|narrow|big|short|tall|high|long is)\b|\bclearance\b|\bhow much (?:play|free play)\b"
                          r"|\b(?:biggest|largest)\b|\b(?:smallest|longest|shortest|max(?:imum)?|min(?:imum)?)\b[^?]{0,20}\b"
                          r"(?:diameter|size|length|width|depth|thickness|height|taper|runout|gap)\b"
                          r"|\bhow many (?:mils|inches|feet|ft|mm|millimeters|cm|meters|thou)\b", re.I)),
    ("volume", re.compile(r"\bhow many (?:gallons|quarts|pints|liters|litres|ounces|cc)\b|\bhow much (?:\w+ )?(?:oil|fuel|fluid|grease|"
                          r"sealant|water|solution)\b|\bcapacity\b", re.I)),
    ("count", re.compile(r"\bhow many (?!" + _TIME_UNITS + r"|mils|inches|feet|ft|mm|"
                         r"millimeters|cm|meters|thou|gallons|quarts|pints|liters|litres|ounces|cc|amps|volts|psi|degrees"
                         r"|times\b)\w+|\b(?:max|maximum|min|minimum)(?:imum)? number of\b", re.I)),
)
# A speed of a rotor or an engine is given in percent as often as in rpm, and so is a control's
# travel ("17% down"); "how fast must it be reported" asks for a time.
_ALSO_WANTED = {"speed": ("percent", "time"), "length": ("percent",)}


# "whats", typed without its apostrophe: the patterns above read it as "what".
_WHATS_RE = re.compile(r"\bwhats\b", re.IGNORECASE)
# Where a question names the unit it wants its value in: "how many lbs", "in deg F", "max gallons".
# A unit after a comma or dash names it too: "cure ramp rate, deg F per min?".
_UNIT_ASKED_RE = re.compile(r"(?:\b(?:how many|in|max|maximum|min|minimum|what)|[,-])\s+", re.IGNORECASE)
# A question opening with a limit ("max hysteresis allowed when testing an altimeter?", "what's the max
# oversize"), asking an amount ("how much cg shift before ...") or a tolerance of something no pattern
# reads: some number is wanted. Not "how much of the part": a share a manual may say in words.
_ANY_VALUE_RE = re.compile(r"^\W*(?:what(?:'s|s| is)?\s+(?:the\s+|a\s+)?)?(?:max|maximum|min|minimum)\b"
                           r"|\bhow much\b(?! of\b)|\bhow far (?:off|out)\b|\btolerances?\b", re.IGNORECASE)
# A limit, rate or measure named anywhere in a question that asks no yes/no or who ("oh58 skid shoe
# wear limit?", "igniter plug gap spec", "flash rate, flashes per min?", "electrolyte specific
# gravity") wants a number too; "20 min fuel light", "time-limits program" and "at minimum" name no
# value asked for. Not "ratio": a manual may write one in words ("one part to three parts water").
_LIMIT_WORD_RE = re.compile(
    r"(?<!\d)(?<!\d\s)(?<!-)\b(?:max|maximum|min|minimum|limits?|allowable|rate|gap|values?"
    r"|gravity|density|durometer|tension|thickness|capacitance|consumption|strength)\b"
    r"|\bper (?:min|minute|sec|second|hour|hr|gal|gallon|inch|in|ft|foot)\b", re.IGNORECASE)
_NOT_A_VALUE_RE = re.compile(r"\b(?:does|do|did|are|can|could|should|would|who|means?)\b|(?<!what )\bis\b"
                             r"|\bat (?:a )?(?:minimum|maximum)\b", re.IGNORECASE)
_WHO_OR_MEANING_RE = re.compile(r"\b(?:who|means?|to do|do (?:with|about))\b|\bat (?:a )?(?:minimum|maximum)\b",
                                re.IGNORECASE)
_HOW_MANY_RE = re.compile(r"\bhow many\b", re.IGNORECASE)
# Unit words that are as often something else ("in", "min", "bar", "foot", "mil-spec", "to what
# degree", "second"), and time words (the time patterns above read those): not read as asked units.
_NOT_ASKED_UNITS = frozenset("in in. min min. foot pound bar bars pa nm knot mil um thou deg degree degrees turn turns "
                             "ply plies cc ah db gm atm ma".split())
_NUMBER_BEFORE_RE = re.compile(r"(?:\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|half))[\s-]*$",
                               re.IGNORECASE)


@lru_cache(maxsize=1)
def _unit_word_re():
    from fieldkit.text.quantities import UNIT_FORMS

    forms = sorted((f for f in UNIT_FORMS if f != "%"), key=len, reverse=True)
    return re.compile(r"(?<![\w·./-])(" + "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in forms)
                      + r")(?![\w·/-])|(%)", re.IGNORECASE)


def _named_unit_kinds(question: str) -> list[str]:
    """Kinds of the units a question asks its value in: "how many lbs are left", "ramp rate in deg F",
    "max gallons", "transmissivity %" (read with the unit table a manual's quantities are read with;
    "at 100% N2" gives a value, "in. lbs" is two units in a row, "at low rpm" says when)."""
    kinds = []
    for m in _UNIT_ASKED_RE.finditer(question):
        unit = _unit_word_re().match(question, m.end())
        if unit is None:
            continue
        form, kind = _unit_kind(unit)
        after = _unit_word_re().match(question, _skip_space(question, unit.end()))
        if after and after.group(0).lower() not in ("in", "min"):
            continue  # "in. lbs", "ft lbs": one unit the table may not list (a torque)
        if kind not in (None, "time") and form not in _NOT_ASKED_UNITS:
            kinds.append(kind)
    if any(not _NUMBER_BEFORE_RE.search(question, 0, m.start()) for m in re.finditer("%", question)):
        kinds.append("percent")  # "what minimum transmissivity %", "max RH%": not "at 100% N2"
    return kinds


def _unit_kind(m: re.Match) -> tuple[str, str | None]:
    """A unit word matched by ``_unit_word_re``: its written form and its kind (None if the table has none)."""
    from fieldkit.text.quantities import UNIT_FORMS, UNIT_KINDS

    form = re.sub(r"\s+", " ", (m.group(1) or m.group(2)).lower())
    return form, UNIT_KINDS.get(UNIT_FORMS.get(form, ""))


@lru_cache(maxsize=4096)
def unit_kinds_named(text: str) -> frozenset[str]:
    """Kinds of the unit words ``text`` names, with a number or not: a manual's "RPM dial to 662"
    names its unit apart from a bare number. Words as often something else ("in", "min", "bar") are
    not read; nor are names of a quantity ("torque"): read so, they let 11 unanswerable questions be
    answered for 1 answerable one. Cached: the same passages' sentences are read for many questions."""
    return frozenset(kind for form, kind in map(_unit_kind, _unit_word_re().finditer(text))
                     if kind and form not in _NOT_ASKED_UNITS)


def _skip_space(text: str, pos: int) -> int:
    return pos + len(text[pos:]) - len(text[pos:].lstrip())


# The same, asked in Chinese: "多久" (how long), "几年" (how many years), "多高" (how high), ...
CJK_WANTED_VALUE_RES = (
    ("time", re.compile(r"多久|多长时间|多长|几年|几个月|几天|几小时|几个小时|几分钟|多少(?:个)?(?:年|月|天|日|小时|分钟|秒|学时|工作日)"
                        r"|啥时候|什么时候|期限|有效期|间隔|多少岁|几岁")),
    ("length", re.compile(r"多高|多远|多少米|多少公里|多少英尺|多少海里|多深|多厚|多宽")),
    ("percent", re.compile(r"百分之|多少比例|百分比")),
)


_FIRST_ASKING_RE = re.compile(r"\b(what|which|how|where|why|when)\b", re.IGNORECASE)


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


# A question asking which specification, standard or part number ("what hyd fluid spec goes in",
# "which SAE doc covers", "part number for the caution panel bulbs") wants a designation: an
# identifier such as MIL-H-5606, ARP5606 or MS20995C32 (unless it asks for a measure: "gap spec").
_PART_NUMBER = r"(?:part ?(?:number|no\.?|#)|p/n|nsn)"
_DESIGNATION_RE = re.compile(
    r"\b(?:what|which|need)\b[^?,]{0,40}\b(?:" + _PART_NUMBER + r"|spec|specification|mil[- ]?spec|mil[- ]?std|std|arp|doc"
    r"|document)(?:\s+[a-z]+)?(?=\s*(?:\?|$|goes\b|go\b|does\b|do\b|is\b|are\b|for\b|should\b|to use\b|covers?\b|has\b|and\b))"
    r"|^\W*" + _PART_NUMBER + r"\s+(?:for|of)\b", re.IGNORECASE)


# A question, or a clause of one, that opens with a verb asks yes or no ("composite repair - do i
# need a material spec for bagging film?").
_YES_NO_RE = re.compile(r"(?:^|[-–:;,]\s)\W*(?:do|does|did|is|are|was|can|could|should|would|will|may|must|has|have)"
                        r"\s+(?:i|we|you|it|they|he|she|the|a|an|this|that|these|those|my|our|\w+s)\b", re.IGNORECASE)


# A question's clauses: "crack in the windshield - can i stop drill it, whats the limit" asks a yes/no,
# then for a number (a clause without an asking word is read only as part of the whole: "eng got a top
# overhaul to serviceable limits - does total time go back to zero?" asks yes/no).
_CLAUSE_RE = re.compile(r"\s[-–]\s|[,;:]\s|\?\s")


def _asks_some_value(clause: str) -> bool:
    """Does a clause open with a limit or ask how much ("max hysteresis allowed?"), or ask about a
    limit or measure it names, not yes/no or who? "which TSO sets the min performance standards?" asks for
    a thing, not for the limit it names."""
    if _ANY_VALUE_RE.search(clause):
        return True
    first = _FIRST_ASKING_RE.search(clause)
    which = bool(first) and first.group(1).lower() == "which"
    # "what core density do i need?" asks what, not yes/no: only "who", "mean", an action ("what do
    # we do with the rate?") or "at minimum" say no value is asked for.
    asks_what = bool(first) and first.group(1).lower() == "what"
    return bool(_LIMIT_WORD_RE.search(clause)) and not which and not (
        _WHO_OR_MEANING_RE if asks_what else _NOT_A_VALUE_RE).search(clause)


# A reading named as a symptom ("58 showing low torque but high TOT, whats likely", "high frequency
# vibration - which ref covers it", "can low system voltage keep the pump from running") is not the
# value asked for; "what's the low ..." still asks it.
_SYMPTOM_RE = re.compile(r"(?<!what )(?<!what's )(?<!the )\b(?:high|low|no|zero|erratic|excessive|fluctuating)\s+"
                         r"(?:(?:system|engine|oil|bus|battery)\s+)?[\w-]+", re.IGNORECASE)


# The measure a question asking for some number names: "max allowable *play* in the pitch link
# bearings", "the *exposure* limit for mercury vapor", "*wear* limit".
_MEASURE_RES = (
    re.compile(r"\b(?:max(?:imum)?|min(?:imum)?|allowable|allowed|permissible)\s+(?:(?:allowable|allowed|permissible)\s+)?"
               r"([a-z][\w-]+)", re.IGNORECASE),
    re.compile(r"\b([a-z][\w-]+)\s+(?:limits?|spec|tolerance|rate)\b", re.IGNORECASE),
)


_GENERIC_MEASURES = frozenset({"reading", "value", "amount"})  # "min reading on the voltmeter": the meter's unit
_DOING_RE = re.compile(r"\b(?:what|how) (?:do|should|can) (?:i|we|you)\b", re.IGNORECASE)


def measured_term(question: str) -> str | None:
    """The key term naming the measure a question asks some number of, if it names one; not in a
    question asking what a term means ("what's meant by service limits") or what to do."""
    if defined_term(question) or _DOING_RE.search(question):
        return None
    terms = set(key_terms(question)) - _GENERIC_MEASURES
    for pattern in _MEASURE_RES:
        for m in pattern.finditer(question):
            if m.group(1).lower() in terms:
                return m.group(1).lower()
    return None


def wanted_values(question: str) -> tuple[str, ...]:
    """The kinds of value a question asks for ("torque", "time", "pressure", ...), or () when it asks
    for steps, a fact or a yes/no."""
    asked, question = question, _WHATS_RE.sub("what", question)
    first = _FIRST_ASKING_RE.search(question)
    if first and first.group(1).lower() in ("where", "why"):
        return ()  # "torque normal but N2 bleeds off - where do i look?": a place or a cause is asked for
    read = _SYMPTOM_RE.sub(" ", question)
    kinds = [kind for kind, pattern in WANTED_VALUE_RES + CJK_WANTED_VALUE_RES if pattern.search(read)]
    named = _named_unit_kinds(question)
    if named:  # "how many lbs", "in deg F": a value in that unit, not just any number
        kinds = [k for k in kinds if k != "count" or not _HOW_MANY_RE.search(question)] + named
    kinds += [extra for kind in kinds for extra in _ALSO_WANTED.get(kind, ())]
    clauses = _CLAUSE_RE.split(question)
    asking = [c for c in clauses if _FIRST_ASKING_RE.search(c)] if len(clauses) > 1 else []
    if not kinds and any(_asks_some_value(text) for text in [question, *asking]):
        kinds = ["count"]
    if not kinds and _DESIGNATION_RE.search(question) and not defined_term(asked) and not _YES_NO_RE.search(question):
        kinds = ["designation"]
    return tuple(dict.fromkeys(kinds))
