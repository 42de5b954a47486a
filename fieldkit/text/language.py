"""Which language a question is in: script for CJK, common function words for Latin-script languages.

Small and deterministic; used to record the question's language in the audit log and to tell the
answer layer that a question is not in the manuals' language.
"""

from __future__ import annotations

import re

WORDS = {
    "en": "the and what how is are do does of to for with when which where why can should on in at it be this that any or if i my".split(),
    "es": "el la los las de que qué cuánto cuánta cómo para con por una un es se del sobre hay".split(),
    "fr": "le la les des de du que quel quelle comment pour avec est une un sur dans où se".split(),
    "de": "der die das und ist wie was man mit für ein eine nicht den dem auf darf wird".split(),
    "pt": "os as de que qual como para com uma um é do da no na se não".split(),
}
TOKEN_RE = re.compile(r"[^\W\d_]+")


def detect_language(text: str) -> str:
    scores = language_scores(text)
    best = max(scores, key=lambda k: (scores[k], k == "en"))
    return best if scores[best] > 0 else "en"


def confident_language(text: str) -> str | None:
    """The language when the evidence is clear (a script, or a lead of two function words or marks
    over the runner-up), else None: a short or mixed question is not guessed."""
    scores = language_scores(text)
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] >= 100:  # a script decides
        return max(scores, key=scores.get)
    return max(scores, key=scores.get) if ranked[0] - ranked[1] >= 2 else None


def language_scores(text: str) -> dict[str, int]:
    """How strongly ``text`` reads as each language: Japanese kana or two CJK characters decide
    (scored 100), else the common function words of each language and its marks."""
    scores = {lang: 0 for lang in (*WORDS, "zh", "ja")}
    if re.search(r"[\u3040-\u30ff]", text):
        scores["ja"] = 100
        return scores
    if len(re.findall(r"[\u3400-\u9fff]", text)) >= 2:
        scores["zh"] = 100
        return scores
    words = [w.lower() for w in TOKEN_RE.findall(text)]
    scores.update({lang: sum(w in vocab for w in words) for lang, vocab in WORDS.items()})
    if re.search(r"[ñ¿¡]", text):
        scores["es"] += 2
    if re.search(r"[äöüß]", text):
        scores["de"] += 2
    if re.search(r"[àâçèêëîïôûœ]", text):
        scores["fr"] += 2
    if re.search(r"[ãõ]", text):
        scores["pt"] += 2
    return scores
