"""Text normalisation shared by indexing and querying (FTS5 terms, CJK handling, stopwords)."""

from __future__ import annotations

import re

CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
TOKEN_RE = re.compile(r"[^\W_]+(?:[-/.][^\W_]+)*")
CJK_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
# Characters a Chinese question asks with (what, how many, can, must, ...), not what it is about.
CJK_ASKING = frozenset("的了吗呢吧啊么什怎多少几要能得是在有和就都还会可以最请问该需啥谁哪些个么样")

STOPWORDS = frozenset(
    """a about above after again all am an and any are as at be been before being below between both but by
    can could did do does doing down during each few for from further had has have having he her here how i
    if in into is it its itself just me more most my no nor not now of off on once only or other our out over
    own same she should so some such than that the their them then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your yours
    got get need im i'm whats what's supposed ok okay much many long often tell show give do does did""".split()
)


def mostly_cjk(text: str) -> bool:
    """Is ``text`` written more in Chinese or Japanese characters than in Latin letters?"""
    return len(CJK_RE.findall(text)) > len(re.findall(r"[A-Za-z]", text))


DIGIT_LETTER_RE = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")


def search_text(text: str) -> str:
    """Text as indexed by FTS5: CJK characters spaced apart so each is a token, and digits split
    from letters ("10C" -> "10 C", "MS20995C32" -> "MS 20995 C 32") the same way queries are."""
    return DIGIT_LETTER_RE.sub(" ", CJK_RE.sub(lambda m: f" {m.group(0)} ", text))


def query_terms(question: str) -> list[str]:
    """Content terms of a question, as FTS5 phrases (hyphenated codes become adjacent-token phrases)."""
    terms: list[str] = []
    for cjk in CJK_RUN_RE.findall(question):
        chars = list(cjk)
        terms.extend(f'"{a} {b}"' for a, b in zip(chars, chars[1:])) if len(chars) > 1 else terms.append(f'"{cjk}"')
    latin = CJK_RUN_RE.sub(" ", question)
    for token in TOKEN_RE.findall(latin):
        for piece in token.split("/"):  # "batch/lot/roll" are alternatives, not a phrase
            low = piece.lower()
            if not low or low in STOPWORDS or (len(low) == 1 and not low.isdigit()):
                continue
            # "MIL-C-81309" and "10C" are indexed as adjacent tokens: query them as a phrase.
            parts = [p for p in re.split(r"[-.]", DIGIT_LETTER_RE.sub("-", low)) if p]
            terms.append('"' + " ".join(parts) + '"')
    seen: set[str] = set()
    return [t for t in terms if not (t in seen or seen.add(t))]


def fts_query(question: str) -> str | None:
    terms = query_terms(question)
    return " OR ".join(terms) if terms else None


def stem(word: str) -> str:
    """A crude stem for word overlap ("neutralizing" ~ "neutralize", "hours" ~ "hour")."""
    word = word.lower()
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > 4 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:6]


def stems(text: str, min_len: int = 2) -> set[str]:
    """Stems of the content words of ``text`` at least ``min_len`` long."""
    return {stem(w) for w in content_words(text) if len(w) >= min_len}


def content_words(text: str) -> list[str]:
    return [t.lower() for t in TOKEN_RE.findall(CJK_RUN_RE.sub(" ", text)) if t.lower() not in STOPWORDS]


# 4+ digit numbers (23699) and codes that start with letters (T63, OH-58, MS20995C32, MIL-C-81309);
# not measurements that start with digits (10C, 130F, 25Nm).
IDENT_TOKEN_RE = re.compile(r"^(?:\d{4,}|[A-Za-z]+(?:-[A-Za-z]+)*-?\d[\w-]*)$")


def identifiers(question: str) -> list[str]:
    """Tokens of a question that name one specific thing (spec, part, model, document numbers)."""
    return [piece for token in TOKEN_RE.findall(question) for piece in token.split("/") if IDENT_TOKEN_RE.match(piece)]


def identifier_pattern(ident: str) -> re.Pattern | None:
    """``ident`` as a whole token of text, however its parts are separated ("PD-680" ~ "P-D-680",
    "MS20995C32" ~ "MS 20995 C32"; "UH-1" is not "UH-1M")."""
    chars = [c for c in ident.lower() if c.isalnum()]
    if not chars:
        return None
    return re.compile(r"(?<![\w])" + r"[-\s./]?".join(map(re.escape, chars)) + r"(?![\w])", re.IGNORECASE)


def phrase_key(text: str) -> str:
    """Lower-case tokens joined by single spaces, split like the index ("OH-58AC" -> "oh 58 ac")."""
    return " ".join(re.split(r"[\W_]+", search_text(text).lower())).strip()


TRIGRAM_WORD_RE = re.compile(r"[^\W\d_]{5,}")


def trigrams(question: str) -> list[str]:
    """Character trigrams of the question's longer words (and CJK runs), lower-cased, for the
    trigram index: a Spanish "neutralizante" shares most of them with "neutralizing"."""
    grams: set[str] = set()
    for word in TRIGRAM_WORD_RE.findall(question.lower()):
        grams.update(word[i : i + 3] for i in range(len(word) - 2))
    return sorted(g for g in grams if '"' not in g)
