"""An answer for a technician who reads another language: the question translated for retrieval
where a pack for it is installed (else asked as written: BM25 and character trigrams still match
numbers, codes and cognates), and the answer, its warnings and its quotes translated beside the
manual's own words, which stay as they are."""

from __future__ import annotations

from dataclasses import dataclass

from fieldkit.answering.events import REFUSAL, Answer, Citations, WarningFound
from fieldkit.errors import FieldkitError
from fieldkit.translate import packs

MANUAL_LANGUAGE = "en"


@dataclass(frozen=True)
class QuestionForSearch:
    text: str  # what retrieval reads
    path: str  # how: "translated (argos es_en 1.0 (ctranslate2))" or "as asked (cross-language BM25)"


def detected_language(question: str) -> str | None:
    """The question's language when it is clearly not the manuals' and a pack for it is installed
    (either way): then `ask` translates without being told `--lang`."""
    from fieldkit.text.language import confident_language

    lang = confident_language(question)
    if lang in (None, MANUAL_LANGUAGE):
        return None
    return lang if packs.find(MANUAL_LANGUAGE, lang) or packs.find(lang, MANUAL_LANGUAGE) else None


def question_for_search(question: str, lang: str, multilingual: bool = False) -> QuestionForSearch:
    """``question`` as retrieval reads it: translated into the manuals' language where a pack is
    installed, else as written. ``multilingual``: the library's embedder reads both languages."""
    if lang == MANUAL_LANGUAGE or packs.find(lang, MANUAL_LANGUAGE) is None:
        from fieldkit.text import glossary

        dense = "the multilingual embedder, " if multilingual else ""
        words = ", its words' English from CC-CEDICT" if lang == "zh" and glossary.available() else ""
        how = "as asked" if lang == MANUAL_LANGUAGE else f"as asked ({dense}cross-language BM25 and trigrams{words}; no pack)"
        return QuestionForSearch(question, how)
    from fieldkit.translate.translator import Translator

    translator = Translator.for_pair(lang, MANUAL_LANGUAGE)
    result = translator.translate(question)
    if result.untranslated:  # a number or code did not survive: search with the question as written
        return QuestionForSearch(question, f"as asked (the translation by {translator.engine} changed a number or code)")
    return QuestionForSearch(result.text, f"translated ({translator.engine})")


def translate_answer(answer: Answer, lang: str) -> dict:
    """The `translation` block of `ask --json`: the answer's own words (the model's guarded summary,
    or the refusal), the warnings and the quotes in ``lang``, each beside the manual's words, in one
    batch; which sentences stayed untranslated (a number or code did not survive)."""
    from fieldkit.translate.translator import Translator

    translator = Translator.for_pair(MANUAL_LANGUAGE, lang)
    said = f"{REFUSAL} ({answer.reason})" if answer.refused else answer.generated.strip()
    texts = [said, *(c.text for c in answer.warnings), *(q.text for q in answer.quotes)]
    done = translator.translate_many(texts)
    warnings, quotes = done[1:1 + len(answer.warnings)], done[1 + len(answer.warnings):]
    return {
        "lang": lang,
        "answer": done[0].text,
        "warnings": [{"kind": c.kind, "text": t.text, "original": c.text} for c, t in zip(answer.warnings, warnings)],
        "quotes": [{"text": t.text, "original": q.text, "doc": q.passage.doc, "page": q.passage.page}
                   for q, t in zip(answer.quotes, quotes)],
        "engine": translator.engine,
        "untranslated": list(dict.fromkeys(s for t in done for s in t.untranslated)),
    }


def translating_beside(events, lang: str | None):
    """An answer's events as they come; the manual's words it shows (its warnings and quotes, known
    before the model writes: the Citations event) are translated into ``lang`` in the background
    meanwhile, so `translate_answer` is left with the model's own words. (Its sentences handed over
    as the model writes them gained nothing on 2 cores: the model keeps both busy.)"""
    warnings = []
    for event in events:
        if isinstance(event, WarningFound):
            warnings.append(event.callout.text)
        elif isinstance(event, Citations) and lang and lang != MANUAL_LANGUAGE:
            try:
                from fieldkit.translate.translator import Translator

                Translator.for_pair(MANUAL_LANGUAGE, lang).prefetch([*warnings, *(q.text for q in event.quotes)])
            except FieldkitError:
                pass  # no pack (or a broken one): said when the translation is asked for
        yield event
