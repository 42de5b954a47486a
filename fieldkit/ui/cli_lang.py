"""`fieldkit lang` (language packs from files), `fieldkit translate`, and what `ask --lang` adds to
an answer: the question as retrieval read it, and the translation beside the manual's words."""

from __future__ import annotations

import click

from fieldkit.errors import UsageError
from fieldkit.ui.cli_support import _err, _print_json, handle_errors


def in_manual_language(question: str, lang: str | None, multilingual: bool = False):
    """(the language to answer in, how retrieval reads the question): ``lang`` as given, else the
    question's own when it is clear and a pack for it is installed, else none (no translation).
    ``multilingual``: the library's embedder reads the question's language itself."""
    from fieldkit.answering.translation import QuestionForSearch, detected_language, question_for_search

    lang = lang or detected_language(question)
    return lang, (question_for_search(question, lang, multilingual) if lang else QuestionForSearch(question, "as asked"))


def translated(answer, lang: str, search) -> dict:
    """The `lang`, `retrieval` and `translation` fields of `ask --json --lang` (translation null, and
    why on stderr, without a pack)."""
    from fieldkit.answering.translation import MANUAL_LANGUAGE, translate_answer

    fields = {"lang": lang, "retrieval": {"query": search.text, "path": search.path}, "translation": None}
    if lang == MANUAL_LANGUAGE:
        return fields
    try:
        fields["translation"] = translate_answer(answer, lang)
    except UsageError as exc:
        _err(exc.message)
    return fields


def print_translation(fields: dict) -> None:
    t = fields["translation"]
    if not t:
        return
    click.secho(f"\nTranslation ({t['lang']}, {t['engine']}; the manual's words above decide):", bold=True)
    for w in t["warnings"]:
        click.secho(w["text"], fg="red", bold=True)
    if t["answer"]:
        click.echo(t["answer"])
    for q in t["quotes"]:
        click.echo(f'  "{q["text"]}"  [{q["doc"]}, p. {q["page"]}]')
    if t["untranslated"]:
        click.secho(f"({len(t['untranslated'])} sentence(s) left in the manual's words: a number or code did not "
                    "survive translation)", dim=True)


@click.group("lang")
def lang_group():
    """Language packs for offline translation (.argosmodel files you bring; nothing is downloaded)."""


@lang_group.command("install")
@click.argument("file", type=click.Path())
@handle_errors
def lang_install(file):
    """Check FILE.argosmodel and unpack it into fieldkit's folder (a pack for the same pair is replaced)."""
    from fieldkit.translate import packs

    pack = packs.install(file)
    _err(f"installed {pack.code} ({pack.name} {pack.version}) in {pack.path}")


@lang_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def lang_list(as_json):
    """The installed language packs."""
    from fieldkit.translate import packs

    found = packs.installed()
    if as_json:
        _print_json({"packs": [{"code": p.code, "from": p.from_code, "to": p.to_code, "name": p.name,
                                "version": p.version, "path": str(p.path)} for p in found]})
        return
    if not found:
        _err("no language packs installed; add one with `fieldkit lang install FILE.argosmodel`")
    for p in found:
        click.echo(f"{p.code}\t{p.name}\t{p.version}")


@lang_group.command("remove")
@click.argument("code")
@handle_errors
def lang_remove(code):
    """Remove the pack CODE (as `lang list` shows it: en_es)."""
    from fieldkit.translate import packs

    _err(f"removed {packs.remove(code).code}")


@click.command()
@click.argument("text", nargs=-1)
@click.option("--to", "to_code", required=True, help="Target language (an installed pack from --from to it).")
@click.option("--from", "from_code", default="en", show_default=True)
@click.option("--doc", help="Translate a page of this manual (with --page) instead of TEXT.")
@click.option("--page", type=int, help="The 1-based page of --doc (as search and ask cite it).")
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def translate(text, to_code, from_code, doc, page, as_json):
    """Translate TEXT, or a cited page (--doc F --page N), for reading; numbers, units and codes are checked."""
    from fieldkit.translate.translator import Translator

    if doc or page:
        text = [_page_text(doc, page)]
    if not text:
        raise UsageError("give TEXT to translate, or --doc FILE --page N")
    result = Translator.for_pair(from_code, to_code).translate(" ".join(text))
    if as_json:
        _print_json({"source": result.source, "text": result.text, "lang": to_code, "engine": result.engine,
                     "untranslated": list(result.untranslated)})
        return
    click.echo(result.text)
    if result.untranslated:
        _err(f"{len(result.untranslated)} sentence(s) left as written: a number or code did not survive translation")


def _page_text(doc: str | None, page: int | None) -> str:
    from fieldkit.answering.engine import open_library

    if not (doc and page):
        raise UsageError("--doc and --page go together: the manual's file name and a 1-based page")
    library = open_library(read_only=True)
    text = library.page_text(doc, page)
    if text is None:
        raise UsageError(f"{doc} has no page {page} in the library (see `fieldkit manuals show {doc}`)")
    return text
