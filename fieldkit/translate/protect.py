"""What translation must leave as the manual wrote it, and the check that it did.

Numbers with their sign, units and tolerances, ranges, part numbers and other identifiers, and the
numbers of figure, table and step labels must come out of a translation equal to what went in; a
translation that lost, changed or added one is not shown (the sentence stays in the manual's words,
marked). A leading WARNING / CAUTION / NOTE keyword is not translated at all: it is kept verbatim.
"""

from __future__ import annotations

import re
from collections import Counter

from fieldkit.text.callouts import CALLOUT_RE, callout_kind
from fieldkit.text.quantities import identifiers, quantities


def split_keyword(sentence: str) -> tuple[str, str]:
    """("WARNING: ", "Hot oil ...") for a callout as the manuals print them, ("", sentence) otherwise."""
    if not callout_kind(sentence):
        return "", sentence
    body = CALLOUT_RE.match(sentence.strip()).group(3)
    return sentence[:len(sentence.rstrip()) - len(body)], body


def protected(text: str) -> Counter:
    """The values, labels and identifiers of ``text``, as comparable keys, with their counts."""
    keys: Counter = Counter()
    for q in quantities(text):
        keys[("label", q.code) if q.label else ("value", q.sign, q.values, q.unit)] += 1
    for ident in identifiers(text):
        if any(c.isdigit() for c in ident):
            keys[("id", ident.upper())] += text.upper().count(ident.upper())
    return keys


def survived(source: str, translated: str) -> list[str]:
    """What the translation lost or added (empty when every protected token came through equal)."""
    before = protected(source)
    # A label's word is translated ("Figure 2-1" -> "Figura 2-1"): its number is looked for as written.
    rest, found = translated, Counter()
    for key in before:
        if key[0] == "label":
            for _ in range(before[key]):
                m = re.search(rf"(?<![\w.-]){re.escape(key[1])}(?![\w-]|\.\d)", rest, re.I)
                if m:
                    found[key] += 1
                    rest = rest[:m.start()] + " " + rest[m.end():]
    after = protected(rest) + found
    lost = [_show(k) for k in before - after]
    added = [_show(k) for k in after - before]
    return [f"lost {x}" for x in lost] + [f"added {x}" for x in added]


def _show(key: tuple) -> str:
    if key[0] == "value":
        _, sign, values, unit = key
        return sign + "-".join(str(float(v)).rstrip("0").rstrip(".") for v in values) + (f" {unit}" if unit else "")
    return str(key[-1])
