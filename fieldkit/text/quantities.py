"""Numbers, quantities and identifiers read out of text as whole tokens.

"3" is not "3.5", "40 °F" is not "-40 °F", "N·cm" is not "N·m", "FK-DP-2" is not "FK-DP-20", and the
"7" of "Step 7." or the "8.1" of "8.1 Autoclave" is a label, not a stated value. Number words ("three
inches"), fractions (½, 1/2, 1-1/2), thousands separators (16,000), tolerances (55 +/- 3%) and ranges
("4 to 6 pounds", "101% to 103%", "58-62% N1") are read the same way on both sides, so the guard can
compare what the model wrote with what the manual says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

# -- number words --------------------------------------------------------------------------------

_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
          "sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
NUMBER_WORDS = {w: i for i, w in enumerate(_SMALL)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}
_NUMBER_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
NUMBER_WORDS_RE = re.compile(
    rf"\b(?P<tens>{_NUMBER_WORD})(?:[-\s](?P<ones>{'|'.join(_SMALL[1:10])}))?"
    rf"(?:\s+(?P<mult>hundred|thousand))?\b(?P<half>[-\s]+and[-\s]+a[-\s]+half\b)?",
    re.IGNORECASE,
)
# "one" is a pronoun as often as a number: "the one on the left", "one of the bolts".
_ONE_PRONOUN_RE = re.compile(r"(?:\b(?:the|this|that|each|any|every|no|which|another|a)\s+)$", re.IGNORECASE)
FRACTION_WORDS_RE = re.compile(
    r"\b(?:(?:one|a)[-\s]+)?(?P<word>half|quarter|third|eighth)\b|\b(?P<three>three)[-\s]+(?P<words>quarters|eighths)\b",
    re.IGNORECASE)
_FRACTIONS = {"half": "1/2", "quarter": "1/4", "third": "1/3", "eighth": "1/8", "quarters": "3/4", "eighths": "3/8"}


def spell_numbers(text: str) -> str:
    """Number words as digits ("three inches" -> "3 inches", "twenty-five" -> "25", "one-half" ->
    "1/2", "one and a half" -> "1 1/2", "minus forty" -> "-40"); "one" only where it is not a pronoun."""

    def number(m: re.Match) -> str:
        first = m.group("tens").lower()
        if first == "one" and not m.group("mult") and not m.group("half") and (
            _ONE_PRONOUN_RE.search(text[: m.start()]) or re.match(r"\s+(?:of|another|or)\b", text[m.end():], re.I)
        ):
            return m.group(0)
        value = NUMBER_WORDS[first] + (NUMBER_WORDS[m.group("ones").lower()] if m.group("ones") else 0)
        if m.group("mult"):
            value *= 100 if m.group("mult").lower() == "hundred" else 1000
        return f"{value} 1/2" if m.group("half") else str(value)

    text = NUMBER_WORDS_RE.sub(number, text)
    text = FRACTION_WORDS_RE.sub(lambda m: _FRACTIONS[(m.group("words") or m.group("word")).lower()], text)
    return re.sub(r"\bminus\s+(?=\d)", "-", text, flags=re.IGNORECASE)


# -- units ---------------------------------------------------------------------------------------

# Written forms -> one canonical unit ("|" between forms). Different units stay different: N·m is
# not N·cm, lb-ft is not lb-in, psig is not psia.
_UNITS = {
    "N·m": "n·m|n-m|n.m|nm|newton-meters|newton-metres|newton meters|newton metres|newton-meter",
    "N·cm": "n·cm|n-cm|ncm", "kN·m": "kn·m|knm",
    "lbf·ft": "lb-ft|lbf-ft|lb·ft|lbf·ft|lb ft|ft-lb|ft-lbs|ft-lbf|ft·lb|ft lb|ft.-lb.|ft.-lbs.|foot-pounds|foot-pound|"
              "foot pounds|pound-feet|pound-foot|lb.-ft.|lbs-ft",
    "lbf·in": "lb-in|lbf-in|lb·in|lb in|in-lb|in-lbs|in·lb|in lb|in.-lb.|in.-lbs.|inch-pounds|inch-pound|inch pounds|"
              "inch pound|pound-inches|pound-inch|lb.-in.|lbs-in",
    "in·oz": "in-oz|inch-ounces",
    "psi": "psi|p.s.i.|pounds per square inch", "psig": "psig", "psia": "psia", "psid": "psid",
    "kPa": "kpa", "MPa": "mpa", "Pa": "pa|pascal|pascals", "hPa": "hpa", "bar": "bar|bars",
    "mbar": "mbar|millibar|millibars", "atm": "atm|atmosphere|atmospheres",
    "inHg": "inhg|in.hg|in. hg|in hg|inches of hg|inches hg|inches of mercury|inch of mercury|in. of hg|in of hg|\"hg",
    "mmHg": "mmhg|mm hg|millimeters of mercury", "inH2O": "inches of water|in. h2o|in h2o",
    "%": "%|percent|per cent|pct",
    "°F": "°f|ºf|° f|deg f|deg. f|degrees f|degrees fahrenheit|degree fahrenheit|fahrenheit",
    "°C": "°c|ºc|° c|deg c|deg. c|degrees c|degrees celsius|degree celsius|celsius|centigrade|degrees centigrade",
    "°": "°|º|deg|degree|degrees", "K": "kelvin",
    "V": "volts|volt|vdc|vac|v.d.c.|v.a.c.", "kV": "kv|kilovolts|kilovolt", "mV": "mv|millivolts|millivolt",
    "A": "amps|amp|amperes|ampere", "mA": "ma|milliamps|milliamperes|milliamp", "kA": "ka|kiloamps",
    "Ah": "ah|amp-hours|ampere-hours|amp hours|ampere hours|a-h",
    "W": "watts|watt", "kW": "kw|kilowatts|kilowatt", "kVA": "kva", "Hz": "hz|hertz|cps|c.p.s.", "kHz": "khz", "MHz": "mhz",
    "Ω": "ω|ohm|ohms", "mΩ": "mω|milliohm|milliohms|milli-ohm|milli-ohms", "kΩ": "kω|kilohm|kilohms|kilo-ohm|kilo-ohms|kilo ohms",
    "MΩ": "megohm|megohms|meg-ohms|megaohm|megaohms|mega-ohm|mega-ohms|mega ohms", "µF": "µf|uf|microfarad|microfarads",
    "h": "hours|hour|hrs|hr|hr.|hrs.", "min": "minutes|minute|mins|min|min.", "s": "seconds|second|secs|sec|sec.",
    "ms": "milliseconds|millisecond|msec", "day": "days|day", "week": "weeks|week", "month": "months|month",
    "year": "years|year|yrs|yr", "cycle": "cycles|cycle", "flight·hour": "flight hours|flight hour",
    "in": "inches|inch|in.|in", "ft": "feet|foot|ft|ft.", "yd": "yards|yard", "mi": "miles|mile",
    "NM": "nautical miles|nautical mile", "mm": "mm|millimeters|millimetres|millimeter|millimetre",
    "cm": "cm|centimeters|centimetres|centimeter", "m": "meters|metres|meter|metre", "km": "km|kilometers|kilometres",
    "µm": "µm|um|microns|micron|micrometers|micrometres", "mil": "mils|mil|thou",
    "lb": "lb|lbs|pounds|pound|lb.|lbs.", "oz": "oz|ounces|ounce|oz.", "kg": "kg|kilograms|kilogram|kgs",
    "g": "grams|gram|gm", "mg": "mg|milligrams",
    "gal": "gallons|gallon|gal|gal.", "qt": "quarts|quart|qt|qts|qt.", "pt": "pints|pint",
    "L": "liters|litres|liter|litre|ltr", "mL": "ml|milliliters|millilitres|milliliter", "cc": "cc",
    "fl·oz": "fl oz|fluid ounces|fl. oz.", "kt": "knots|knot|kts|kt|kias|ktas", "mph": "mph", "km/h": "km/h|kph",
    "ft/min": "fpm|ft/min|feet per minute", "rpm": "rpm|r.p.m.|revolutions per minute",
    "ply": "ply|plies", "turn": "turns|turn", "gpm": "gpm|gallons per minute", "gph": "gph|gallons per hour",
    "pph": "pph|pounds per hour", "dB": "db|decibels",
}
# What each unit measures: a question asking for a torque wants a value in one of these.
UNIT_KINDS = {unit: kind for kind, units in {
    "torque": "N·m N·cm kN·m lbf·ft lbf·in in·oz",
    "pressure": "psi psig psia psid kPa MPa Pa hPa bar mbar atm inHg mmHg inH2O",
    "temperature": "°F °C K",
    "time": "h min s ms day week month year cycle flight·hour",
    "voltage": "V kV mV", "current": "A mA kA", "charge": "Ah", "resistance": "Ω mΩ kΩ MΩ",
    "speed": "rpm kt mph km/h ft/min", "percent": "%",
    "weight": "lb oz kg g mg N", "length": "in ft yd mi NM mm cm m km µm mil ply",
    "volume": "gal qt pt L mL cc fl·oz", "angle": "°", "frequency": "Hz kHz MHz",
}.items() for unit in units.split()}
# Single letters are units only as written (case matters: "5 A" amps, "a." a list item).
_CASED_UNITS = {"A": "A", "V": "V", "W": "W", "s": "s", "h": "h", "m": "m", "g": "g", "L": "L", "l": "L",
                "C": "°C", "F": "°F", "K": "K", "N": "N", "Nm": "N·m", "NM": "NM"}
UNIT_FORMS = {form: canon for canon, forms in _UNITS.items() for form in forms.split("|")}
_UNIT_ALTERNATION = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in sorted(UNIT_FORMS, key=len, reverse=True))
# A unit right after a number: listed forms (any case), or a cased single-letter symbol.
UNIT_RE = re.compile(
    rf"(?:\s*|-)(?:(?P<form>{_UNIT_ALTERNATION})(?![^\W_])|(?P<cased>Nm|NM|[AVWshmgLlCFKN])(?![\w·\-]|\.\w))",
    re.IGNORECASE,
)


# Units of Chinese text, right after the number ("90 天", "24 个日历月", "150米"); no word boundary
# follows them.
CJK_UNITS = {"学时": "h", "小时": "h", "分钟": "min", "工作日": "day", "个月": "month", "个日历月": "month",
             "日历月": "month", "月": "month", "年": "year", "周": "week", "星期": "week", "天": "day", "日": "day",
             "秒": "s", "岁": "year", "米": "m", "公里": "km", "千米": "km", "英尺": "ft", "海里": "NM", "千克": "kg",
             "公斤": "kg", "升": "L", "℃": "°C", "％": "%"}
CJK_UNIT_RE = re.compile(r"\s*(" + "|".join(sorted(CJK_UNITS, key=len, reverse=True)) + ")")


def read_unit(text: str, pos: int) -> tuple[str, int]:
    """The canonical unit written at ``pos`` (after a number) and where it ends, or ("", pos)."""
    cjk = CJK_UNIT_RE.match(text, pos)
    if cjk:
        return CJK_UNITS[cjk.group(1)], cjk.end()
    m = UNIT_RE.match(text, pos)
    if not m:
        return "", pos
    if m.group("form") is not None:
        form = re.sub(r"\s+", " ", m.group("form").lower())
        # "in" is a preposition more often than an inch: only "in." or "in" ending a phrase.
        if form == "in" and not re.match(r"\s*(?:[,;:)\]]|$)", text[m.end():]):
            return "", pos
        return UNIT_FORMS[form], m.end()
    cased = m.group("cased")
    if cased in _CASED_UNITS:
        return _CASED_UNITS[cased], m.end()
    return "", pos


# -- numbers -------------------------------------------------------------------------------------

_WORD = r"[^\W_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"  # letters and digits, not CJK characters
_VULGAR = {"½": Fraction(1, 2), "¼": Fraction(1, 4), "¾": Fraction(3, 4), "⅓": Fraction(1, 3), "⅔": Fraction(2, 3),
           "⅛": Fraction(1, 8), "⅜": Fraction(3, 8), "⅝": Fraction(5, 8), "⅞": Fraction(7, 8), "⅕": Fraction(1, 5)}
_V = "".join(_VULGAR)
# One number: 1-1/2, 1 1/2, 1½, 3/8, ½, 16,000, 3.5, .25  (a letter or digit right before it makes it
# part of a word or code, read separately; a Chinese character does not: "记录2年").
NUMBER_RE = re.compile(
    rf"(?<!{_WORD})(?<![.,/])(?:"
    rf"(?P<mixed>\d+)(?:[-\s]|(?=[{_V}]))(?P<mfrac>\d+/\d+|[{_V}])"
    rf"|(?P<frac>\d+/\d+|[{_V}])"
    rf"|(?P<dec>(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?|\.\d+)"
    rf")(?![\d/]|[.,]\d)"
)
# A code or identifier: letters and digits mixed ("MS20995C32", "ms20995c32", "AN960-416", "N1",
# "FK-DP-20"), or three or more digit groups ("32-41-00", "55-1520-210-10").
TOKEN_RE = re.compile(rf"{_WORD}+(?:[-/.·]{_WORD}+)*")
_ORDINAL_RE = re.compile(r"^\d+(?:st|nd|rd|th)$", re.IGNORECASE)
_GLUED_RE = re.compile(r"^(\d+(?:[./]\d+)?-?)([^\W\d_].*)$")


def is_identifier(token: str) -> bool:
    if _ORDINAL_RE.match(token):
        return False
    has_digit = any(c.isdigit() for c in token)
    has_letter = any(c.isalpha() for c in token)
    if has_digit and has_letter:
        glued = _GLUED_RE.match(token)
        if glued and read_unit(glued.group(2), 0)[1] == len(glued.group(2)):
            return False  # "10C", "130F", "25Nm", "5ply": a number with its unit
        return True
    return has_digit and len(re.findall(r"\d+", token)) >= 3 and bool(re.fullmatch(r"[\d-]+", token))


def identifiers(text: str) -> set[str]:
    """Identifier tokens of ``text``, lower-cased, whole."""
    return {_dash(t).lower() for t in TOKEN_RE.findall(_dash(text)) if is_identifier(t)}


def _dash(text: str) -> str:
    return re.sub(r"[\u2010-\u2015\u2212]", "-", text)


def plain(text: str) -> str:
    """``text`` with dashes unified and number words as digits: the text quantity offsets refer to."""
    return spell_numbers(_dash(text))


def _value(m: re.Match) -> Fraction:
    if m.group("mixed"):
        return Fraction(int(m.group("mixed"))) + _frac(m.group("mfrac"))
    if m.group("frac"):
        return _frac(m.group("frac"))
    return Fraction(m.group("dec").replace(",", ""))


def _frac(text: str) -> Fraction:
    if text in _VULGAR:
        return _VULGAR[text]
    num, den = text.split("/")
    return Fraction(int(num), int(den)) if int(den) else Fraction(int(num))


# -- quantities ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quantity:
    """A number as stated: sign ('', '-' or '±'), value (one, or low and high of a range) and
    canonical unit ('' for none); or a label ("Step 7", "Figure 6-2", the "8.1" opening "8.1
    Autoclave"), which names a place in the manual and states no value."""

    values: tuple[Fraction, ...] = ()
    sign: str = ""
    unit: str = ""
    label: str = ""  # "" for a stated value; else "item", "figure", "table", "page", "class", ...
    code: str = ""  # a label's number as written ("6-2"), lower-cased
    noun: str = ""  # what a count without a unit counts ("3 starts" -> "start"), lower-cased
    text: str = ""
    start: int = 0
    end: int = 0

    def same(self, other: "Quantity") -> bool:
        """Does ``other`` (in a source) state this? Values, sign and range whole; the unit where this
        one names one; a label only by a label of the same kind and number."""
        if self.label or other.label:
            return bool(self.label and other.label) and self.code == other.code and (
                self.label == other.label or "item" in (self.label, other.label))
        if self.values != other.values or self.sign != other.sign or (self.unit and self.unit != other.unit):
            return False
        # "30 starts" is not "30 minutes"; "3 bolts" is not "3 screws".
        return not self.noun or not (other.unit or (other.noun and not _same_word(self.noun, other.noun)))

    def __str__(self) -> str:
        return self.text


_LABEL_KINDS = {
    "step": "item", "steps": "item", "paragraph": "item", "para": "item", "par": "item", "item": "item",
    "items": "item", "§": "item", "no.": "item", "article": "item",
    "figure": "figure", "fig": "figure", "figures": "figure", "table": "table", "tables": "table",
    "page": "page", "pages": "page", "p.": "page", "pp.": "page", "chapter": "chapter", "section": "section",
    "sections": "section", "part": "part", "appendix": "appendix", "sheet": "sheet", "revision": "revision",
    "rev": "revision", "change": "revision", "chg": "revision", "class": "class", "type": "type", "grade": "grade",
    "category": "category", "cat": "category", "level": "level", "volume": "volume", "vol": "volume",
}
# "Step 7", "Figure 6-2", "p. 4", "Class 1", "CAT 1": a label word and its number, read as one label.
LABEL_REF_RE = re.compile(
    r"(?<![\w.])(?P<word>" + "|".join(re.escape(w) for w in sorted(_LABEL_KINDS, key=len, reverse=True))
    + r")\.?\s*(?P<code>[A-Z]?\d+(?:[-.]\d+)*[A-Z]?)(?![\w/]|[.,]\d)", re.IGNORECASE)
# "7. Remove", "(3) Torque", "8.1 Autoclave", "*7. Check", "a. (2) Set": step or paragraph numbers
# opening a line.
ENUMERATOR_RE = re.compile(
    r"^\s*[*•-]?\s*(?:\(?[a-z]\)?[.)]\s+)?\(?(?P<num>\d{1,4}(?:[.-]\d{1,3})*)(?:[.)]+\s+|[.)]+$|\s+(?=[A-Z(]))")
DOTTED_RE = re.compile(r"(?<![\w.])\d+(?:\.\d+){2,}(?![\w]|\.\d)")
RANGE_GAP_RE = re.compile(r"\s*(?:(?P<sep>-|–|—)|(?P<sep_word>to|through|thru|and)\s*(?P<neg>-)?)\s*", re.IGNORECASE)
SIGN_BEFORE_RE = re.compile(r"(?P<sign>±|\+/-|\+-|\+ / -|plus or minus|-|\+)\s*$", re.IGNORECASE)
TOLERANCE_AFTER_RE = re.compile(r"\s*(?:±|\+/-|\+-|\+ / -|plus or minus)\s*", re.IGNORECASE)


def quantities(text: str) -> list[Quantity]:
    """The numbers stated in ``text`` (number words read as digits) as whole quantities with sign,
    range and unit, and its labels. Numbers inside identifiers ("FK-DP-20") are the identifier's.
    Offsets are into ``plain(text)``."""
    text = plain(text)
    taken = [(m.start(), m.end()) for m in TOKEN_RE.finditer(text) if is_identifier(m.group(0))]
    found: list[Quantity] = []
    for m in LABEL_REF_RE.finditer(text):
        if not _inside(m.start("code"), taken):
            found.append(Quantity(label=_LABEL_KINDS[m.group("word").lower().rstrip(".") if m.group("word").lower()
                                                     not in ("no.", "p.", "pp.") else m.group("word").lower()],
                                  code=m.group("code").lower(), text=m.group(0), start=m.start(), end=m.end()))
            taken.append((m.start("code"), m.end("code")))
    # "10.1.4.3" anywhere: a paragraph number (or a code), never a value.
    for m in DOTTED_RE.finditer(text):
        if not _inside(m.start(), taken):
            found.append(Quantity(label="item", code=m.group(0), text=m.group(0), start=m.start(), end=m.end()))
            taken.append((m.start(), m.end()))
    for start, code in _enumerators(text):
        if not _inside(start, taken):
            found.append(Quantity(label="item", code=code, text=code, start=start, end=start + len(code)))
            taken.append((start, start + len(code)))
    matches = [m for m in NUMBER_RE.finditer(text) if not _inside(m.start(), taken)]
    values: list[Quantity] = []
    i = 0
    while i < len(matches):
        m = matches[i]
        low, start, sign = _value(m), m.start(), _sign(text, m.start(), values)
        if sign == "-":  # a negative number is its value; only a tolerance keeps a sign of its own
            low, sign = -low, ""
        unit, end = read_unit(text, m.end())
        span: tuple[Fraction, ...] = (low,)
        if i + 1 < len(matches):  # a range: "4 to 6 pounds", "58-62%", "101% to 103%", "between 4 and 6"
            nxt = matches[i + 1]
            gap = text[end:nxt.start()]
            joined = RANGE_GAP_RE.fullmatch(gap)
            sep = (joined.group("sep") or joined.group("sep_word") or "").lower() if joined else ""
            if joined and (sep != "and" or re.search(r"between\s+-?$", text[max(0, start - 10):start], re.I)):
                high = -_value(nxt) if joined.group("neg") else _value(nxt)
                high_unit, high_end = read_unit(text, nxt.end())
                if (high > low or sep not in "-–—") and (not unit or not high_unit or unit == high_unit):
                    span, unit = (low, high), unit or high_unit
                    end = high_end if high_unit else nxt.end()
                    i += 1
        if not unit:  # "55 +/- 3% N1": the value takes the tolerance's unit
            tol = TOLERANCE_AFTER_RE.match(text, end)
            if tol and i + 1 < len(matches) and matches[i + 1].start() == tol.end():
                unit = read_unit(text, matches[i + 1].end())[0]
        noun = "" if unit else _noun_after(text, end)
        values.append(Quantity(span, sign, unit, noun=noun, text=text[start:end].strip(), start=start, end=end))
        i += 1
    return sorted(found + values, key=lambda q: q.start)


def _sign(text: str, start: int, before: list[Quantity]) -> str:
    m = SIGN_BEFORE_RE.search(text[max(0, start - 16):start])
    if not m:
        return ""
    written = m.group("sign").lower()
    if written == "+":
        return ""
    if written == "-":
        # "-40 °F" is negative; "58-62" and "FK-DP-20" are not (a digit or letter right before).
        prefix = text[: start - len(m.group(0))]
        if prefix and (prefix[-1].isalnum() or prefix[-1] in ".%°)"):
            return ""
        if before and not text[before[-1].end : start - len(m.group(0))].strip():
            return ""  # "7 -10": a range written with spaces
        return "-"
    return "±"


_NOUN_AFTER_RE = re.compile(r"\s+([^\W\d_]{3,})")
_NOT_NOUNS = frozenset("""and or to the of for with from at in on by per each times time more less than above below
    over under between within after before minimum maximum min max approximately about is are was be""".split())


def _noun_after(text: str, end: int) -> str:
    m = _NOUN_AFTER_RE.match(text, end)
    word = m.group(1).lower() if m else ""
    return "" if word in _NOT_NOUNS else word


def _same_word(a: str, b: str) -> bool:
    """"start" ~ "starts", "bolt" ~ "bolts": equal up to a plural ending."""
    return a.rstrip("s") == b.rstrip("s") or a.removesuffix("es") == b.removesuffix("es")


def _enumerators(text: str) -> list[tuple[int, str]]:
    """(offset, number) of the step or paragraph numbers opening a line. A line that opens with a
    quantity ("35 N·m ...", "3.5 psi") is not numbered."""
    found, offset = [], 0
    for line in text.split("\n"):
        m = ENUMERATOR_RE.match(line)
        if m and not read_unit(line, m.end("num"))[0]:
            found.append((offset + m.start("num"), m.group("num").lower()))
        offset += len(line) + 1
    return found


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)
