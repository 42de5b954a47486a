"""The number guard: every number, unit, tolerance and identifier the model writes must occur in a
cited passage. A sentence that fails is removed (and reported); the passage is shown instead."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A quantity: optional tolerance sign, a number, an optional unit word/symbol right after it. A number
# that ends an identifier ("FK-DP-20") is the identifier's, checked whole by IDENT_RE.
QUANTITY_RE = re.compile(
    r"(?P<sign>±\s*)?(?P<num>(?<![\w.])(?<![^\W\d_]-)\d+(?:[.,:/]\d+)*)(?:\s*(?P<unit>%|°\s*[CFcf]\b|[A-Za-zµΩ][A-Za-z\-µΩ]*))?"
)
# Identifiers: letters and digits mixed (MS20995C32, C7, AN960-416, 32-41-00).
IDENT_RE = re.compile(r"\b(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+\b|\b[A-Z]{1,4}\d[\dA-Z]*\b")
SENTENCE_RE = re.compile(r"[^.!?\n]+(?:[.!?]+(?=\s|$)|\n|$)")
WORD_RE = re.compile(r"[^\W\d_]{3,}")
GROUNDING_MIN = 0.7  # share of a generated sentence's words that must occur in the sources


def normalize(text: str) -> str:
    """Whitespace and equivalent symbols only: '+/-' and '+-' are '±', dashes are '-', ° spacing."""
    text = text.replace("+/-", "±").replace("+ / -", "±").replace("+-", "±")
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = text.replace("º", "°")
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"°\s+", "°", text)
    text = re.sub(r"\s*±\s*", " ± ", text)
    return text.strip().lower()


@dataclass(frozen=True)
class Removal:
    sentence: str
    reason: str

    def to_json(self) -> dict:
        return {"sentence": self.sentence, "reason": self.reason}


def unsupported(sentence: str, sources: str) -> list[str]:
    """The quantities and identifiers of ``sentence`` that do not occur in ``sources``."""
    src = normalize(sources)
    sent = normalize(sentence)
    missing: list[str] = []
    for m in QUANTITY_RE.finditer(sent):
        num = m.group("num")
        unit = (m.group("unit") or "").replace(" ", "")
        found = False
        # Standalone in the source: "20" inside the part number "FK-DP-20" does not count.
        for occ in re.finditer(rf"(?<![\w.])(?<![^\W\d_]-){re.escape(num)}(?![\d])", src):
            if not unit or _unit_follows(src, occ.end(), unit):
                found = True
                break
        if not found:
            missing.append(f"{num} {unit}".strip())
        elif m.group("sign") and f"± {num}" not in src:
            missing.append(f"± {num}")
    for ident in IDENT_RE.findall(sentence):
        if normalize(ident) not in src:
            missing.append(ident)
    return list(dict.fromkeys(missing))


def _unit_follows(src: str, pos: int, unit: str) -> bool:
    after = src[pos : pos + 24].lstrip(" -")
    if unit in ("%",) or unit.startswith("°"):
        return after.startswith(unit)
    word = re.match(r"[a-zµΩ°%][a-z\-µΩ]*", after)
    if not word:
        return False
    # "5 amp" vs "5 amps", "hours" vs "hour": compare on a common stem.
    a, b = word.group(0).rstrip("s"), unit.rstrip("s")
    return a == b or (len(b) >= 3 and a.startswith(b)) or (len(a) >= 3 and b.startswith(a))


def split_sentences(text: str) -> list[str]:
    return [s for s in (m.group(0) for m in SENTENCE_RE.finditer(text)) if s.strip()]


def grounding(sentence: str, sources: str) -> float:
    """Share of the sentence's content words (3+ letters, no stopwords, crude stems) in ``sources``."""
    from fieldkit.textnorm import STOPWORDS, stem

    words = [stem(w) for w in WORD_RE.findall(sentence) if w.lower() not in STOPWORDS]
    if not words:
        return 1.0
    known = {stem(w) for w in WORD_RE.findall(sources)}
    return sum(w in known for w in words) / len(words)


def check(sentence: str, sources: str, wording: str = "") -> str | None:
    """Why ``sentence`` may not be shown, or None when every number is in ``sources`` and most of its
    words are in ``sources`` or ``wording`` (the question, whose numbers do not count)."""
    missing = unsupported(sentence, sources)
    if missing:
        return "not in the cited passages: " + ", ".join(missing)
    if grounding(sentence, sources + "\n" + wording) < GROUNDING_MIN:
        return "its words are not from the cited passages"
    return None


def guard(text: str, sources: str) -> tuple[str, list[Removal]]:
    """Keep the sentences that pass :func:`check`; report the others."""
    kept, removed = [], []
    for sentence in split_sentences(text):
        reason = check(sentence, sources)
        if reason:
            removed.append(Removal(sentence.strip(), reason))
        else:
            kept.append(sentence)
    return "".join(kept).strip(), removed
