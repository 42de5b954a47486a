"""Slips and shorthand in a question ("tempature", "matl", "perpreg") read as the words the manuals
use, before the evidence check judges the question's terms."""

from __future__ import annotations

import re
from functools import lru_cache

from fieldkit.answering.question import english_rank, english_ranks

COMMON_ENGLISH_RANK = 30000  # a word at least this common in English is phrasing, not a named thing

_WORD_RE = re.compile(r"[A-Za-z]{4,}")
_VOWELS = frozenset("aeiouy")


def with_slips_mended(library, question: str) -> str:
    """The question with each word that is neither common English nor the manuals' (a term the
    unknown-term rule would name) read as the word the manuals use that it is a slip or a shorthand
    of, sharing its first two letters and its last: letters dropped ("tempature", "shud", "chek",
    "matl"), a vowel wrong, added or dropped ("sealent", "preassure") or two letters swapped
    ("perpreg"). A word with no such neighbour ("borescope", "lycoming", "derating") stays: a thing no
    manual names."""
    def mended(m: re.Match) -> str:
        word = m.group(0).lower()
        if english_rank(word) <= COMMON_ENGLISH_RANK or library.word_count(word, at_most=1):
            return m.group(0)
        return _slip_target(library, word) or m.group(0)

    return _WORD_RE.sub(mended, question)


def _slip_target(library, word: str) -> str | None:
    """The closest word the manuals use that ``word`` is a slip of (their own indexed words first): a
    shorthand of an everyday word ("matl", "shud") may drop many letters, a longer word ("tempature")
    two. A short word is not read as a rare word three or more letters longer: "peen" is not a
    shorthand of a manual's "peneton"."""
    swapped = word[0] + word[2]  # its second and third letters swapped ("perpreg"): begins with its first and third
    manuals = library.vocabulary(word[:2]) | {t for t in library.vocabulary(swapped) if _vowel_slip(word, t)}
    english = _common_words(word[:2]) | {t for t in _common_words(swapped) if _vowel_slip(word, t)}

    def dropped(t: str) -> int:  # letters the slip dropped that a shorthand of ``t`` may drop
        return len(word) if len(word) <= 4 and t in english else 2

    found = sorted((abs(len(t) - len(word)), t not in manuals, t) for t in manuals | english if t != word and (
        0 < len(t) - len(word) <= dropped(t) and t[-1] == word[-1] and _is_subsequence(word, t) or _vowel_slip(word, t)))
    return next((t for _, theirs, t in found if not theirs or library.word_count(t, at_most=1)), None)


def _is_subsequence(short: str, long: str) -> bool:
    letters = iter(long)
    return all(c in letters for c in short)


def _vowel_slip(a: str, b: str) -> bool:
    """One vowel changed, added or dropped, or two neighbouring letters swapped ("sealent" ~ "sealant")."""
    return len(a) >= 5 and one_slip(a, b, _VOWELS)


def one_slip(a: str, b: str, letters: frozenset[str] | None = None) -> bool:
    """``a`` is ``b`` with one letter changed, added or dropped (one of ``letters``, when given), or two
    neighbouring letters swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return (len(diff) == 1 and (letters is None or a[diff[0]] in letters and b[diff[0]] in letters)) or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    long, short = (a, b) if len(a) > len(b) else (b, a)
    return any((letters is None or long[i] in letters) and long[:i] + long[i + 1:] == short for i in range(len(long)))


@lru_cache(maxsize=64)
def _common_words(prefix: str) -> frozenset[str]:
    """The commonest English words (rank up to COMMON_ENGLISH_RANK) beginning with ``prefix``."""
    return frozenset(w for w, rank in english_ranks().items() if rank <= COMMON_ENGLISH_RANK and w.startswith(prefix))
