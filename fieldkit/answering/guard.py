"""The number guard: every number, unit, tolerance and identifier the model writes must be stated in
a cited passage, whole ("3" is not "3.5", "N·cm" is not "N·m", "FK-DP-2" is not "FK-DP-20"), and
stated about what the sentence says it is about: the number must occur in the same sentence or table
row as the sentence's subject words ("the drain plug torque" cannot borrow the lug nuts' value). A
sentence that fails is removed (and reported); the verbatim passage is shown instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from fieldkit.text.normalize import STOPWORDS, stem
from fieldkit.text.quantities import Quantity, identifiers, plain, quantities
from fieldkit.text.sentences import SENTENCE_END_RE, split_sentences

GROUNDING_MIN = 0.7  # share of a generated sentence's words that must occur in the sources
WORD_RE = re.compile(r"[^\W\d_]{3,}")
# Words a model adds around a value that say nothing about what the value is of.
FILLER = frozenset(
    """approximately approx about around roughly least most than more less up value values manual manuals says
    said states stated according given listed recommended specified required should must shall will also then
    each per set use used using make sure done allowed excerpt excerpts passage passages answer""".split()
)


@dataclass(frozen=True)
class Removal:
    sentence: str
    reason: str

    def to_json(self) -> dict:
        return {"sentence": self.sentence, "reason": self.reason}


@dataclass(frozen=True)
class Statement:
    """One sentence or table row of a cited text, with the words it is about: its own, its table
    header's and its section title's."""

    text: str
    quantities: tuple[Quantity, ...]
    stems: frozenset[str]


def complete_sentences(buffer: str) -> tuple[list[str], str]:
    """The sentences of a streamed ``buffer`` that are proven finished (the next one has begun), and
    the rest: "...to 3." may still become "...to 3.5 N·m.", so it waits for the next piece."""
    ends = list(SENTENCE_END_RE.finditer(buffer))
    if not ends:
        return [], buffer
    last = ends[-1]
    return split_sentences(buffer[: last.start()]), buffer[last.end():]


def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in WORD_RE.findall(text) if w.lower() not in STOPWORDS)


class Sources:
    """The cited text the guard checks against, read once per answer."""

    def __init__(self, texts: Iterable[str | tuple[str, str]]):
        statements: list[Statement] = []
        ids: set[str] = set()
        words: set[str] = set()
        digit_tokens: set[str] = set()
        for item in texts:
            text, context = (item, "") if isinstance(item, str) else item
            ids |= identifiers(text)
            digit_tokens |= {t for _, _, t in _digit_tokens(plain(text))}
            words |= _stems(text + " " + context)
            statements.extend(_statements(text, context))
        self.statements = tuple(statements)
        self.identifiers = frozenset(ids)
        self.words = frozenset(words)
        self.digit_tokens = frozenset(digit_tokens)

    @classmethod
    def of(cls, passages=(), callouts=()) -> "Sources":
        """Cited passages (their section title is context) and the callouts shown with them."""
        last = lambda section: (section or "").split(" > ")[-1]  # noqa: E731
        return cls([(p.text, last(p.section)) for p in passages] + [(c.text, last(c.section)) for c in callouts])


@lru_cache(maxsize=4096)
def _statements(text: str, context: str) -> tuple[Statement, ...]:
    """A cited text's sentences and table rows, read once (evidence and the guard read the same
    passages)."""
    found, header = [], None
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        if " | " in line:  # a table row is read with its header row
            if header is None:
                header = line
                found.append(_statement(line, context))
            else:
                found.append(_statement(line, context + " " + header))
            continue
        header = None
        found.extend(_statement(sentence, context) for sentence in split_sentences(line))
    return tuple(found)


def _statement(text: str, context: str) -> Statement:
    return Statement(text, tuple(quantities(text)), _stems(text + " " + context))


def _covers(words: frozenset[str], wanted: Iterable[str]) -> int:
    """How many of ``wanted`` (stems) ``words`` has, allowing abbreviation ("max" ~ "maximum")."""
    return sum(any(w == u or (min(len(w), len(u)) >= 3 and (u.startswith(w) or w.startswith(u))) for u in words)
               for w in wanted)


def _subject(sentence: str, q: Quantity, others: list[Quantity], question: str) -> tuple[set[str], str]:
    """The words a number is about: the (plain) sentence's words before it, back to the previous
    number, else those after it, to the next; with the question's words when the sentence names too
    few. And the word right before it ("let the oil cool for 10 minutes": "cool"), which the stating
    sentence must hold too."""
    before = max((o.end for o in others if o.end <= q.start), default=0)
    after = min((o.start for o in others if o.start >= q.end), default=len(sentence))
    words = [stem(w) for w in WORD_RE.findall(sentence[before:q.start])
             if w.lower() not in STOPWORDS and stem(w) not in _FILLER_STEMS]
    subject = set(words)
    if not subject:
        subject = {w for w in _stems(sentence[q.end:after]) if w not in _FILLER_STEMS}
    subject -= _unit_stems(q)
    nearest = next((w for w in reversed(words) if w in subject), "")
    if len(subject) < 2:
        subject |= {w for w in _stems(question) if w not in _FILLER_STEMS}
    return subject, nearest


_FILLER_STEMS = frozenset(stem(w) for w in FILLER)
CLAUSE_BREAK_RE = re.compile(r";|\b(?:and|or|but|then|while|before|after|until|when|once)\b", re.I)


_NUMERAL_RE = re.compile(r"[\d.,/½¼¾⅛⅜⅝⅞]*\d[\d.,/½¼¾⅛⅜⅝⅞]*|[½¼¾⅛⅜⅝⅞]")


def _in_words(q: Quantity, text: str) -> bool:
    """Was ``q`` (read from the plain form of ``text``) written in words ("five hours")? Its first
    numeral is then not in ``text`` as written."""
    lead = _NUMERAL_RE.search(q.text)
    return bool(lead) and not re.search(r"(?<![\d.,/])" + re.escape(lead.group(0).rstrip(".,")) + r"(?![\d/]|[.,]\d)", text)


_DIGITS_RE = re.compile(r"\d+(?:[.,]\d+)*")
_FRACTION_RE = re.compile(r"[½¼¾⅓⅔⅛⅜⅝⅞]|\d\s*/\s*\d")


def _written_alike(q: Quantity, s: Quantity) -> bool:
    """Are the numerals of ``q`` those of ``s`` as written (thousands separators dropped)? "2.0" is
    not the manual's "2%", though the value is the same; "1.5" may stand for "1½"."""
    return bool(_FRACTION_RE.search(q.text) or _FRACTION_RE.search(s.text)) or _numerals(q.text) <= _numerals(s.text)


def _numerals(text: str) -> set[str]:
    return {re.sub(r",(?=\d{3}\b)", "", m.group(0)) for m in _DIGITS_RE.finditer(text)}


def _unit_stems(q: Quantity) -> set[str]:
    return set(_stems(re.sub(r"^[\d\s.,/½¼¾⅛⅜⅝⅞-]+", "", q.text)))


def unsupported(sentence: str, sources: Sources | str, question: str = "") -> list[str]:
    """What ``sentence`` states that the sources do not: numbers and identifiers not stated whole in
    any cited sentence or row, and numbers stated only about something else."""
    sources = sources if isinstance(sources, Sources) else Sources([sources])
    problems: list[str] = []
    written = sentence
    sentence = plain(sentence)
    found = quantities(sentence)
    values = [q for q in found if not q.label]
    for q in found:
        # A number written in digits is shown as the manual writes it: "4 strokes" is not a whole
        # token of "four strokes", though the two are the same number.
        in_digits = not _in_words(q, written)
        stating = [u for u in sources.statements if any(
            q.same(s) and (not in_digits or not _in_words(s, u.text) and _written_alike(q, s)) for s in u.quantities)]
        if not stating:
            problems.append(q.text)
            continue
        if q.label:
            continue
        subject, nearest = _subject(sentence, q, [o for o in values if o is not q], question)
        need = (len(subject) + 1) // 2
        # A label written before the value in its clause ("Class 1 ... 0 to 2 kV") names what it is
        # about; one in an earlier clause does not ("remove the plug (item 3) and let it cool for 10 min").
        named = [lab for lab in found if lab.label and lab.end <= q.start
                 and not any(lab.end <= o.start < q.start for o in values)
                 and not CLAUSE_BREAK_RE.search(sentence[lab.end:q.start])]
        if named and any(any(lab.same(s) for s in u.quantities) for lab in named for u in stating):
            continue
        if subject and not any(_covers(u.stems, subject) >= need and (not nearest or _covers(u.stems, [nearest]))
                               for u in stating):
            problems.append(f"{q.text} (stated about something else)")
    # Values written together ("35 N·m (26 lb-ft)", "15% N1 above 7°C") must be stated together.
    for a, b in zip(values, values[1:]):
        if not _stems(sentence[a.end:b.start]) - _FILLER_STEMS and not any(
                any(a.same(s) for s in u.quantities) and any(b.same(s) for s in u.quantities) for u in sources.statements):
            problems.append(f"{a.text} with {b.text} (not stated together)")
    # Anything else written with a digit ("6/4/2010", "#10-32") must be in the sources as written.
    read = [(q.start, q.end) for q in found]
    for start, end, token in _digit_tokens(sentence):
        if not any(a < end and start < b for a, b in read) and token not in sources.digit_tokens \
                and token not in identifiers(token):
            problems.append(token)
    for ident in sorted(identifiers(sentence) - sources.identifiers):
        problems.append(ident.upper())
    return list(dict.fromkeys(problems))


DIGIT_TOKEN_RE = re.compile(r"[^\s,;:()\[\]\"'“”]*\d[^\s,;:()\[\]\"'“”]*")


def _digit_tokens(text: str) -> list[tuple[int, int, str]]:
    """(start, end, token) of the white-space separated tokens with a digit, trailing dots dropped,
    lower-cased."""
    return [(m.start(), m.end(), m.group(0).rstrip(".").lower()) for m in DIGIT_TOKEN_RE.finditer(text)]


def grounding(sentence: str, sources: Sources | str, wording: str = "") -> float:
    """Share of the sentence's content words (3+ letters, no stopwords, crude stems) in the sources
    or in ``wording`` (the question)."""
    sentence = plain(sentence)
    for q in reversed(quantities(sentence)):  # numbers and their units are checked whole above
        sentence = sentence[: q.start] + " " + sentence[q.end:]
    words = _stems(sentence)
    if not words:
        return 1.0
    known = (sources.words if isinstance(sources, Sources) else _stems(sources)) | _stems(wording)
    return sum(w in known for w in words) / len(words)


def check(sentence: str, sources: Sources | str, wording: str = "") -> str | None:
    """Why ``sentence`` may not be shown, or None when every number is stated whole in a cited
    sentence about the same thing and most of its words are the sources' or the question's
    (``wording``; its numbers do not count)."""
    sources = sources if isinstance(sources, Sources) else Sources([sources])
    missing = unsupported(sentence, sources, wording)
    if missing:
        return "not in the cited passages: " + ", ".join(missing)
    if grounding(sentence, sources, wording) < GROUNDING_MIN:
        return "its words are not from the cited passages"
    return None


def guard(text: str, sources: Sources | str, wording: str = "") -> tuple[str, list[Removal]]:
    """Keep the sentences that pass :func:`check`; report the others."""
    sources = sources if isinstance(sources, Sources) else Sources([sources])
    kept, removed = [], []
    for sentence in split_sentences(text):
        reason = check(sentence, sources, wording)
        if reason:
            removed.append(Removal(sentence, reason))
        else:
            kept.append(sentence)
    return " ".join(kept), removed
