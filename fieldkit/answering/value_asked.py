"""The kind of value a question asks for ("torque", "time", "pressure", a designation, some number),
read from the words it asks with, and the measure it names ("max allowable *play*")."""

from __future__ import annotations

import re
from functools import lru_cache

from fieldkit.answering.question import defined_term, english_rank, key_terms
from fieldkit.answering.slips import COMMON_ENGLISH_RANK, one_slip


# The kind of value a question asks for, read from the words it asks with: "torque for the drain
# plug?", "how often", "what psi", "max TOT".
_TIME_UNITS = "hours|hrs|minutes|mins|seconds|secs|days|weeks|months|years|yrs|cycles"  # "how many hrs"
# "temp", but not "temp radar dish protection" or "the temp fix" (temporary): "temp" before another noun
_TEMP = (r"(?:temperature|temp(?!\s+(?!(?:and|or|for|of|limits?|range|setting|spec|during|when|in|at|before|after|on"
         r"|should|is|to|max|min|reading|read|gauge|gage|indication)\b)[a-z]{3,}))")
_TEMP_AFTER_A_DASH = r"(?:^|[-–:;,]\s*)(?:[\w-]+\s+){0,2}" + _TEMP + "s?"  # "- oven temp and time?"
WANTED_VALUE_RES = (
    ("torque", re.compile(r"\btorque\b|\btq\b|\bhow tight|\b(?:inch|foot|ft|in)[- ]?(?:pounds?|lbs?)\b|\bn[·.-]?m\b", re.I)),
    ("pressure", re.compile(r"\bpsi[gad]?\b|\bkpa\b|\bhow much (?:air )?pressure|\bpressure (?:limit|setting|value|range)"
                            r"|\bcompression (?:reading|check|test)|\bhow much vacuum"
                            r"|\b(?:what|max|maximum|min|minimum)\b[^?]{0,20}\bpressure\b|\bprecharge\b"
                            r"|\binches of (?:hg|mercury)", re.I)),
    ("temperature", re.compile(r"\b(?:what|max|maximum|min|minimum|how)\b[^?]{0,30}\b(?:" + _TEMP + r"|degrees|tot|egt|"
                               r"tgt|itt|mgt|cht)\b|\bhow (?:hot|cold|warm)\b|\b(?:temp|temperature) (?:limit|range)"
                               # "- oven temp and time?", "flash point on P-D-680?"
                               r"|" + _TEMP_AFTER_A_DASH + r"\b(?!\s+(?:sensor|probe|gauge|bulb|switch|indicator|light|fix|repair|patch))"
                               r"|\bflash ?(?:point|pt)\b", re.I)),
    ("time", re.compile(r"\bhow (?:long|often|soon|quick|quickly|frequently|fast)\b|\binterval\b|\bevery how\b"
                        r"|\bhow many (?:[\w-]+\s+)?(?:" + _TIME_UNITS + r")\b|\bin (?:" + _TIME_UNITS + r")\b"
                        r"|,\s*(?:" + _TIME_UNITS + r")(?:\s*(?:and|or|&|/)\s*(?:" + _TIME_UNITS + r"))?\s*\??\s*$"
                        r"|\b(?:what|max(?:imum)?|min(?:imum)?)\b[^?]{0,25}\b(?:time limit|life limit|retirement time"
                        r"|overhaul time|deadline)\b|\b(?:shelf|pot|service|working|storage|useful|cure) life\b"
                        r"|\btbo\b|\btime between overhauls?\b|\bwhat(?:'s|s| is)?\s+(?:the\s+)?(?:[\w-]+\s+){0,2}time\b(?![\s-]*(?:limits? program|in service|since))"
                        r"|" + _TEMP_AFTER_A_DASH + r"\s*(?:and|&|/)\s*time\b",
                        re.I)),
    ("voltage", re.compile(r"\bvolt(?:s|age)?\b", re.I)),
    ("current", re.compile(r"\bamps?\b(?![- ]?hours?)|\bamperage\b|\bcurrent draw\b", re.I)),
    ("charge", re.compile(r"\bamp(?:ere)?[- ]?hours?\b|\bah rating\b|\bbattery capacity\b", re.I)),
    ("resistance", re.compile(r"\bresistance\b|\bohms?\b|\bresistor\b|\bmeg(?:a)?(?:s|ohms?)?\b", re.I)),
    ("frequency", re.compile(r"\bfrequency\b|\bfreqs?\b|\bhertz\b|\b[kmg]?hz\b", re.I)),
    ("speed", re.compile(r"\b(?:what|how many|how much|which|max(?:imum)?|min(?:imum)?)\b[^?]{0,40}\b(?:rpm|airspeed|knots)\b"
                         r"|\b(?:rpm|airspeed) (?:limit|range|drop|setting|should)|\bhow fast\b", re.I)),
    ("percent", re.compile(r"\bhumidity\b|\bpercent(?:age)?\b|\b(?:what|how many|how much|max(?:imum)?|min(?:imum)?)\s*(?:[\w-]+\s*)?%", re.I)),
    # "how many degrees of the station bearing": an angle, unless a temperature is named
    ("angle", re.compile(r"\bangle\b|\bhow many degrees\b(?!\s*(?:f|c|fahrenheit|celsius|centigrade)\b)", re.I)),
    ("weight", re.compile(r"\bhow heavy\b|\bweigh(?:s|t)?\b|\bhow much force\b|\b(?:test|pull|proof|breaking) (?:load|force)\b", re.I)),
    ("length", re.compile(r"\bhow (?:far(?! off| out)|deep|thick|thin|wide|narrow|big|short|tall|high|long is)\b|\bclearance\b|\bhow much (?:play|free play)\b"
                          r"|\b(?:biggest|largest)\b|\b(?:smallest|longest|shortest|max(?:imum)?|min(?:imum)?)\b[^?]{0,20}\b"
                          r"(?:diameter|size|length|width|depth|thickness|height|taper|runout|gap)\b"
                          r"|\bhow many (?:mils|inches|feet|ft|mm|millimeters|cm|meters|thou)\b", re.I)),
    # "is there a fee to file the 337, how much": an amount of money, stated with its currency
    ("price", re.compile(r"\b(?:fees?|costs?|price|charges?)\b[^?]{0,40}\bhow much\b|\bhow much\b[^?]{0,40}\b(?:fees?|costs?|price|charge)\b",
                         re.I)),
    ("volume", re.compile(r"\bhow many (?:gallons|quarts|pints|liters|litres|ounces|cc)\b|\bhow much (?:\w+ )?(?:oil|fuel|fluid|grease|"
                          r"sealant|water|solution)\b|\bcapacity\b", re.I)),
    # "what awg wire", "what dimension do i set it to": some number ("what size" is as often a part or
    # a paper format, "8-1/2 by 11", written far from the words asked with)
    ("count", re.compile(r"\b(?:what|which)\s+(?:[\w-]+\s+){0,2}(?:dimension|dims|awg|wire gauge|wire gage)\b"
                         r"|\bhow many (?!(?:[\w-]+\s+)?(?:" + _TIME_UNITS + r")\b|mils|inches|feet|ft|mm|"
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
    ("price", re.compile(r"多少钱|多少\w{0,3}费|费[^？?]{0,8}多少")),
)
# "多少牛", "多少钱", "几个", "多大": some number, where no kind above is named
_CJK_SOME_NUMBER_RE = re.compile(r"多少|几(?:个|次|名|项|位|台|架|种|级|条|块|份|元|人)|多大|多重")


_FIRST_ASKING_RE = re.compile(r"\b(what|which|how|where|why|when)\b", re.IGNORECASE)


# A question asking which specification, standard or part number ("what hyd fluid spec goes in",
# "which SAE doc covers", "part number for the caution panel bulbs") wants a designation: an
# identifier such as MIL-H-5606, ARP5606 or MS20995C32 (unless it asks for a measure: "gap spec").
_PART_NUMBER = r"(?:part ?(?:number|no\.?|#)|p/n|nsn)"
_DESIGNATION_RE = re.compile(
    r"\b(?:what|which|need)\b[^?,]{0,40}\b(?:" + _PART_NUMBER + r"|spec|specification|mil[- ]?spec|mil[- ]?std|std|arp|doc"
    r"|document)(?:\s+[a-z]+)?(?=\s*(?:\?|$|goes\b|go\b|does\b|do\b|is\b|are\b|for\b|should\b|to use\b|covers?\b|has\b|and\b))"
    r"|\b(?:what|which)\s+(?:kind of\s+|type of\s+)?(?:[\w-]+\s+)?(?:fluid|oil|grease|lube|lubricant)\b(?!\s+(?:press|pressure|temp|level|quantity|capacity|consumption|leak))"
    r"|^\W*" + _PART_NUMBER + r"\s+(?:for|of)\b|\b" + _PART_NUMBER + r"\s*\??\s*$|(?:[-–:;,]\s*|\bwhat(?:'s|s| is)?\s+(?:the\s+)?)" + _PART_NUMBER + r"\b",
    re.IGNORECASE)


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
    asking = first.group(1).lower() if first else ""
    # "what core density do i need?" asks what, not yes/no: only "who", "mean", an action ("what do
    # we do with the rate?") or "at minimum" say no value is asked for.
    return bool(_LIMIT_WORD_RE.search(clause)) and asking != "which" and not (
        _WHO_OR_MEANING_RE if asking == "what" else _NOT_A_VALUE_RE).search(clause)


# A reading named as a symptom ("58 showing low torque but high TOT, whats likely", "high frequency
# vibration - which ref covers it", "can low system voltage keep the pump from running") is not the
# value asked for; "what's the low ..." still asks it.
_SYMPTOM_RE = re.compile(r"(?<!what )(?<!what's )(?<!the )\b(?:(?:high|medium|low|no|zero|erratic|excessive|fluctuating)\s+)+"
                         r"(?:(?:system|engine|oil|bus|battery)\s+){0,2}[\w-]+", re.IGNORECASE)


# The measure a question asking for some number names: "max allowable *play* in the pitch link
# bearings", "the *exposure* limit for mercury vapor", "*wear* limit".
_MEASURE_RES = (
    re.compile(r"\bhow many ([a-z][\w-]+)", re.IGNORECASE),  # "how many *terminals* can i stack"
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


# The words that name a kind of value; a slip of one ("torqe", "presure", "temprature") names it too.
_VALUE_WORDS = ("torque", "pressure", "temperature", "voltage", "resistance", "frequency", "clearance",
                "interval", "capacity", "thickness", "diameter", "humidity", "airspeed", "amperage")
_LONG_WORD_RE = re.compile(r"[A-Za-z]{5,}")


def with_value_words_spelled(question: str) -> str:
    """``question`` with slips of the words that name a kind of value read as those words."""
    def spelled(m: re.Match) -> str:
        word = m.group(0).lower()
        if english_rank(word) <= COMMON_ENGLISH_RANK or any(word.startswith(v) for v in _VALUE_WORDS):
            return m.group(0)  # a word, or one of them inflected ("torqued", "clearances")
        return next((v for v in _VALUE_WORDS if word[0] == v[0] and one_slip(word, v)), m.group(0))

    return _LONG_WORD_RE.sub(spelled, question)


# "N2 decays in the max tq climb - what do i troubleshoot?", "what could cause it": a cause or a
# check is asked for, not the reading the question describes;
# "which chart do i compare my torque against", "what table gives the min/max dims": a part of a
# manual is asked for, not the value it gives.
_ASKS_NO_VALUE_RE = re.compile(r"\bwhat (?:(?:do|should|would|can) (?:i|we|you) (?:be )?|to )(?:check|troubleshoot|look|inspect|suspect)"
                                r"|\bwhat (?:could|would|might|can|will)? ?(?:be )?caus|\bwhat causes\b"
                                r"|\b(?:which|what)\s+(?:\w+\s+)?(?:chart|table|figure|fig|graph|form|page|section|paragraph"
                                r"|appendix)s?\b", re.IGNORECASE)


def wanted_values(question: str) -> tuple[str, ...]:
    """The kinds of value a question asks for ("torque", "time", "pressure", ...), or () when it asks
    for steps, a fact or a yes/no."""
    asked, question = question, _WHATS_RE.sub("what", with_value_words_spelled(question))
    first = _FIRST_ASKING_RE.search(question)
    if first and first.group(1).lower() in ("where", "why") or _ASKS_NO_VALUE_RE.search(question):
        return ()  # "torque normal but N2 bleeds off - where do i look?": a place or a cause is asked for
    read = _SYMPTOM_RE.sub(" ", question)
    kinds = [kind for kind, pattern in WANTED_VALUE_RES + CJK_WANTED_VALUE_RES if pattern.search(read)]
    named = _named_unit_kinds(question)
    if named:  # "how many lbs", "in deg F": a value in that unit, not just any number
        kinds = [k for k in kinds if k != "count" or not _HOW_MANY_RE.search(question)] + named
    kinds += [extra for kind in kinds for extra in _ALSO_WANTED.get(kind, ())]
    clauses = _CLAUSE_RE.split(question)
    asking = [c for c in clauses if _FIRST_ASKING_RE.search(c)] if len(clauses) > 1 else []
    if not kinds and (any(_asks_some_value(text) for text in [question, *asking]) or _CJK_SOME_NUMBER_RE.search(read)):
        kinds = ["count"]
    if not kinds and _DESIGNATION_RE.search(question) and not defined_term(asked) and not _YES_NO_RE.search(question):
        kinds = ["designation"]
    return tuple(dict.fromkeys(kinds))
