"""An answer for a technician who reads another language: the question translated for retrieval
where a pack for it is installed (else asked as written: BM25 and character trigrams still match
numbers, codes and cognates), and the answer, its warnings and its quotes translated beside the
manual's own words, which stay as they are."""

from __future__ import annotations

from dataclasses import dataclass

from fieldkit.answering.events import Answer
from fieldkit.translate import packs

MANUAL_LANGUAGE = "en"


@dataclass(frozen=True)
class QuestionForSearch:
    text: str  # what retrieval reads
    path: str  # how: "translated (argos es_en 1.0 (ctranslate2))" or "as asked (cross-language BM25)"


def question_for_search(question: str, lang: str) -> QuestionForSearch:
    if lang == MANUAL_LANGUAGE or packs.find(lang, MANUAL_LANGUAGE) is None:
        how = "as asked" if lang == MANUAL_LANGUAGE else "as asked (cross-language BM25 and trigrams; no pack)"
        return QuestionForSearch(question, how)
    from fieldkit.translate.translator import Translator

    translator = Translator.for_pair(lang, MANUAL_LANGUAGE)
    result = translator.translate(question)
    if result.untranslated:  # a number or code did not survive: search with the question as written
        return QuestionForSearch(question, f"as asked (the translation by {translator.engine} changed a number or code)")
    return QuestionForSearch(result.text, f"translated ({translator.engine})")


def translate_answer(answer: Answer, text: str, lang: str) -> dict:
    """The `translation` block of `ask --json`: ``text`` (the answer as printed), the warnings and the
    quotes in ``lang``, each beside the manual's words; which sentences stayed untranslated, and why
    none could be (no pack)."""
    from fieldkit.translate.translator import Translator

    translator = Translator.for_pair(MANUAL_LANGUAGE, lang)
    untranslated: list[str] = []

    def tr(source: str) -> str:
        result = translator.translate(source)
        untranslated.extend(result.untranslated)
        return result.text

    return {
        "lang": lang,
        "answer": tr(text),
        "warnings": [{"kind": c.kind, "text": tr(c.text), "original": c.text} for c in answer.warnings],
        "quotes": [{"text": tr(q.text), "original": q.text, "doc": q.passage.doc, "page": q.passage.page}
                   for q in answer.quotes],
        "engine": translator.engine,
        "untranslated": list(dict.fromkeys(untranslated)),
    }
