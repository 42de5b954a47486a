"""The `fieldkit` command: a thin shell over the core. Data to stdout, diagnostics to stderr."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from fieldkit import __version__
from fieldkit.errors import BadInputError, UsageError
from fieldkit.ui.cli_doctor import doctor
from fieldkit.ui.cli_pack import pack_group
from fieldkit.ui.cli_lang import in_manual_language, lang_group, print_translation, translate, translated
from fieldkit.ui.cli_support import _engine, _err, _one_document, _print_json, _questions, _search_json, handle_errors
from fieldkit.ui.render import answer_json, cite_short, photo_lines, render_answer

IMAGE_HELP = ("A photo of a data plate, placard, part label or fault display: its part numbers, codes and "
              "text are read (OCR) and searched.")


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="fieldkit")
@click.pass_context
def cli(ctx):
    """fieldkit: offline answers from your repair manuals, with page citations.

    With no command at a terminal, opens the TUI."""
    if ctx.invoked_subcommand is None:
        if sys.stdin.isatty() and sys.stdout.isatty():
            ctx.invoke(tui)
        else:
            click.echo(ctx.get_help())


@cli.command()
@click.option("--model", help="A chat GGUF (path, or a file name in models/); default: bundled SmolLM2-135M.")
@click.option("--session", "session_name", help="Keep the conversation under this name.")
@click.option("--no-summary", is_flag=True, help="Quotes only: do not load the language model.")
@handle_errors
def tui(model, session_name, no_summary):
    """The technician's terminal: ask, read callouts and quotes, open pages and figures, run checklists."""
    from fieldkit.ui.tui.app import run_tui

    run_tui(model=model, session_name=session_name, generate=not no_summary)


@cli.group(invoke_without_command=True)
@click.option("--model", help="A chat GGUF (path, or a file name in models/).")
@click.pass_context
@handle_errors
def kiosk(ctx, model):
    """Full-screen kiosk over a read-only library; leaving it takes the PIN (see `kiosk set-pin`)."""
    if ctx.invoked_subcommand is None:
        from fieldkit.ui.tui.kiosk import run_kiosk

        sys.exit(run_kiosk(model=model))


@kiosk.command("set-pin")
@click.option("--idle-minutes", type=int, help="Back to the start screen after this many idle minutes.")
@click.option("--log", "log_path", help="Where the kiosk logs answers (a JSON Lines file), or 'off'.")
@handle_errors
def kiosk_set_pin(idle_minutes, log_path):
    """Set the PIN that leaves the kiosk (stored as a salted scrypt hash), and its settings."""
    from fieldkit.ui.tui.kiosk import set_pin

    pin = click.prompt("New kiosk PIN (digits)", hide_input=True, confirmation_prompt=True, err=True)
    set_pin(pin, idle_minutes, log_path)
    _err("kiosk PIN set")


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--force", is_flag=True, help="Re-ingest even when the file is unchanged.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file on stdout.")
@click.option("--embedder", "embedder_name", type=click.Choice(["minilm", "multilingual"]),
              help="For a new library: minilm (default, English) or multilingual (e5-small: questions in "
                   "other languages find English and Chinese pages). A library keeps the one it was built with.")
@click.option("--workers", type=click.IntRange(min=0), default=0, show_default="one per core, up to 4",
              help="Manuals read at once, each in its own process (OCR and embedding); 1: one at a time.")
@handle_errors
def ingest(paths, force, as_json, embedder_name, workers):
    """Add manuals (PDF, Markdown, HTML, S1000D XML; files or folders) to the library."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from fieldkit.answering.engine import library_embedder
    from fieldkit.ingest.pipeline import ingest_paths
    from fieldkit.library.catalog import Library
    from fieldkit.models.embedder import BACKENDS, load_embedder

    embedder = load_embedder(BACKENDS[embedder_name]) if embedder_name else library_embedder()
    library = Library.open(embedder.id, embedder.dim)
    console = Console(stderr=True)
    failures = files = 0
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        tasks: dict[str, int] = {}

        def report(name: str, stage: str, done: int, total: int) -> None:
            key = f"{name}:{stage}"
            if key not in tasks:
                tasks[key] = progress.add_task(f"{stage:8} {name[:48]}", total=total)
            progress.update(tasks[key], completed=done, total=total)

        for result in ingest_paths(library, embedder, paths, progress=report, force=force, workers=workers):
            files += 1
            if isinstance(result, BadInputError):
                failures += 1
                console.print(f"[red]error:[/red] {escape(result.message)}", highlight=False, soft_wrap=True)
                if as_json:
                    _print_json({"path": result.path, "status": "error", "error": result.reason})
                continue
            doc = result.document
            for warning in result.warnings:
                console.print(f"warning: {result.name}: {warning}", highlight=False, soft_wrap=True, markup=False)
            if as_json:
                _print_json({"doc": result.name, "status": result.status, "pages": doc.pages, "chunks": doc.chunks,
                             "figures": doc.figures, "ocr_pages": doc.ocr_pages, "seconds": round(result.seconds, 2),
                             "warnings": list(result.warnings)})
            else:
                console.print(f"{result.status:9} {result.name}  ({doc.pages} pages, {doc.chunks} chunks, "
                              f"{doc.figures} figures, {result.seconds:.1f} s)", highlight=False, soft_wrap=True,
                              markup=False)
    if failures:
        if files > 1:
            console.out(f"{failures} of {files} files could not be read; the others were ingested", highlight=False)
        sys.exit(BadInputError.exit_code)


@cli.command()
@click.argument("query", required=False)
@click.option("-k", default=5, show_default=True, help="How many passages.")
@click.option("--doc", help="Only this manual (its name in `fieldkit manuals`, or the file name).")
@click.option("--applies-to", help="Only manuals whose applicability/effectivity or title mentions this (e.g. a serial).")
@click.option("--json", "as_json", is_flag=True)
@click.option("--batch", type=click.Path(), help="Questions file (JSON Lines or plain lines); prints JSON Lines.")
@click.option("--image", type=click.Path(), help=IMAGE_HELP)
@handle_errors
def search(query, k, doc, applies_to, as_json, batch, image):
    """Ranked passages for QUERY, with manual, page, printed page label and section."""
    if not query and not batch and not image:
        raise UsageError("give a QUERY, --image PHOTO or --batch FILE")
    engine = _engine(read_only=None)  # searching writes nothing but the FAISS cache: fine without it
    if batch:
        for item in _questions(batch):
            out = _search_json(engine.search(item["question"], k=k, doc=doc, applies_to=applies_to))
            if "id" in item:
                out = {"id": item["id"], **out}
            _print_json(out)
        return
    photo = engine.read_photo(image) if image else None
    result = engine.search(query or "", k=k, doc=doc, applies_to=applies_to, photo=photo)
    if as_json:
        _print_json({**_search_json(result), **({"image": photo.to_json()} if photo else {})})
        return
    for line in photo_lines(photo) if photo else []:
        click.echo(line, err=True)
    for i, p in enumerate(result.passages, start=1):
        click.secho(f"{i}. {cite_short(p)}  (score {p.score:.4f})", bold=True)
        click.echo(p.text)
        for f in p.figures:
            click.echo(f"   [{f.label}] {f.caption} -> {f.image_path}")
        click.echo()


@cli.command()
@click.argument("question", required=False)
@click.option("-k", default=5, show_default=True, help="How many passages to retrieve.")
@click.option("--doc", help="Only this manual (its name in `fieldkit manuals`, or the file name).")
@click.option("--applies-to", help="Only manuals whose applicability/effectivity or title mentions this (e.g. a serial).")
@click.option("--model", help="A chat GGUF (path, or a file name in models/); default: bundled SmolLM2-135M.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--batch", type=click.Path(), help="Questions file (JSON Lines or plain lines); prints JSON Lines.")
@click.option("--session", "session_name", help="Keep a conversation: follow-up questions see the earlier ones.")
@click.option("--read-only", is_flag=True, help="Open the library without writing anything (no audit log): a kiosk.")
@click.option("--lang", help="The question's language (es, pt, zh, ...): the answer is translated beside the "
              "manual's words where a language pack is installed (`fieldkit lang install`).")
@click.option("--image", type=click.Path(), help=IMAGE_HELP)
@handle_errors
def ask(question, k, doc, applies_to, model, as_json, batch, session_name, read_only, lang, image):
    """Answer QUESTION from the loaded manuals, with citations (or say they do not answer it).

    Every answer is logged in the library (see `fieldkit log export`)."""
    from fieldkit.answering.events import Done
    from fieldkit.answering.session import Session
    from fieldkit.answering.translation import translating_beside

    if not question and not batch and not image:
        raise UsageError("give a QUESTION, --image PHOTO or --batch FILE")
    if image and batch:
        raise UsageError("--image asks one question; leave out --batch")
    engine = _engine(model, read_only)
    session = Session.load(session_name) if session_name else None
    try:
        if image:
            return _ask_photo(engine, image, question or "", as_json, session,
                              dict(k=k, doc=doc, applies_to=applies_to))
        if batch or as_json:
            items = _questions(batch) if batch else [{"question": question}]
            for item in items:
                item_lang, search = in_manual_language(item["question"], lang, engine.embedder.multilingual)
                events = engine.answer(search.text, k=k, doc=doc, session=session, applies_to=applies_to)
                done = [e for e in translating_beside(events, item_lang) if isinstance(e, Done)][0]
                out = answer_json(done.answer)
                if item_lang:
                    out = {**out, "question": item["question"], **translated(done.answer, item_lang, search),
                           "lang_detected": not lang}
                if "id" in item:
                    out = {"id": item["id"], **out}
                _print_json(out)
            return
        question_lang, search = in_manual_language(question, lang, engine.embedder.multilingual)
        answer = render_answer(translating_beside(engine.answer(search.text, k=k, doc=doc, session=session,
                                                                applies_to=applies_to), question_lang))
        if question_lang and answer is not None:
            print_translation(translated(answer, question_lang, search))
    finally:
        if session is not None:
            session.save()


def _ask_photo(engine, image: str, question: str, as_json: bool, session, options: dict) -> None:
    """``ask --image``: what the photo says, then the answer about it (and the typed words, if any)."""
    from fieldkit.answering.events import Done

    events = engine.answer(question, session=session, photo=engine.read_photo(image), **options)
    if as_json:
        _print_json(answer_json([e for e in events if isinstance(e, Done)][0].answer))
    else:
        render_answer(events)


@cli.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
@handle_errors
def manuals(ctx, as_json):
    """List the loaded manuals."""
    if ctx.invoked_subcommand:
        return
    docs = _library(None).documents()
    if as_json:
        _print_json({"manuals": [d.__dict__ for d in docs]})
        return
    if not docs:
        _err("the library is empty; add manuals with `fieldkit ingest PATH`")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("manual", "pages", "skipped", "chunks", "figures", "OCR pages", "ingested at", "sha256")
    for d in docs:
        table.add_row(d.name, str(d.pages), str(d.skipped_pages or ""), str(d.chunks), str(d.figures),
                      str(d.ocr_pages), d.ingested_at, d.sha256[:16])
    Console().print(table)
    if any(d.skipped_pages for d in docs):
        _err("skipped: pages that could not be read and were left out (`fieldkit manuals show NAME` names them)")


@manuals.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def manuals_show(name, as_json):
    """A manual's outline with pages, its revision, applicability, figures and callouts."""
    library = _library(None)
    doc = _one_document(library, name)
    details = library.document_details(doc.name)
    outline = library.outline(doc.name)
    figures, callouts = details["figures"], details["callouts"]
    if as_json:
        _print_json({"manual": doc.__dict__, "applicability": details["applicability"], "outline": outline,
                     "skipped_pages": details["skipped_pages"],
                     "figures": figures, "callouts": callouts})
        return
    click.secho(f"{doc.name}: {doc.title}", bold=True)
    click.echo(f"  format {doc.format}, {doc.pages} pages ({doc.ocr_pages} OCR), {doc.chunks} chunks, "
               f"revision: {doc.revision or 'not stated'}")
    if details["applicability"]:
        click.echo(f"  applicability: {details['applicability']}")
    if details["skipped_pages"]:
        click.echo(f"  skipped (could not be read): pages {', '.join(map(str, details['skipped_pages']))}")
    for item in outline:
        label = f" ({item['page_label']})" if item["page_label"] else ""
        click.echo(f"{'  ' * item['level']}{item['heading']}  ... p. {item['page']}{label}")
    if figures:
        click.secho("Figures:", bold=True)
        for f in figures:
            click.echo(f"  p. {f['page']}  {f['caption']}")
    if callouts:
        click.secho(f"Callouts: {sum(c['kind'] == 'WARNING' for c in callouts)} warnings, "
                    f"{sum(c['kind'] == 'CAUTION' for c in callouts)} cautions, "
                    f"{sum(c['kind'] == 'NOTE' for c in callouts)} notes", bold=True)


@manuals.command("remove")
@click.argument("name")
@handle_errors
def manuals_remove(name):
    """Remove a manual (by the name `fieldkit manuals` lists) from the library."""
    library = _library()
    doc = _one_document(library, name)
    library.remove_document(doc.name)
    _err(f"removed {doc.name}")


@cli.group("log")
def log_group():
    """The audit trail of every answer (time, question, answer, citations, model)."""


@log_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(), help="Write here instead of stdout.")
@handle_errors
def log_export(fmt, output):
    """Export the audit trail for a work order."""
    from fieldkit.answering import audit

    text = audit.export(_library(None), fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        _err(f"wrote {output}")
    else:
        click.echo(text, nl=False)


@log_group.command("clear")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@handle_errors
def log_clear(yes):
    """Delete the audit trail (asks first)."""
    from fieldkit.answering import audit

    library = _library()
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("log clear deletes the audit trail: confirm with --yes when not at a terminal")
        click.confirm("Delete the whole audit trail? Export it first if a work order needs it", abort=True,
                      err=True)
    _err(f"deleted {audit.clear(library)} entries")


def _library(read_only: bool | None = False):
    """The library; ``None``: read-only when it may not be written (commands that only read)."""
    from fieldkit.answering.engine import open_library

    return open_library(read_only)


@cli.command("eval")
@click.argument("questions", type=click.Path(), nargs=-1, required=True)
@click.option("-k", default=5, show_default=True)
@click.option("--no-generate", is_flag=True, help="Retrieval and refusal only (no language model).")
@click.option("--model", help="A chat GGUF to answer with.")
@click.option("--calibrate", is_flag=True,
              help="Sweep the refusal thresholds on the first question set; score the others at the tuned point.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--details", type=click.Path(), help="Write one JSON line per question here.")
@handle_errors
def eval_cmd(questions, k, no_generate, model, calibrate, as_json, details):
    """Score the library on question files (format of ../shared/eval/dev.jsonl). The first is the
    tuning set; further files (validation sets) are reported side by side."""
    from fieldkit.answering.evaluate import calibrate as calibrate_thresholds
    from fieldkit.answering.evaluate import format_report, run_eval

    engine = _engine(model)
    results = {}
    for path in questions:
        results[Path(path).name] = run_eval(engine, _questions(path), k=k, generate=not no_generate)
    (first, (report, rows)), *others = results.items()
    if details:
        Path(details).write_text("".join(json.dumps({"set": name, **r}, ensure_ascii=False) + "\n"
                                         for name, (_, set_rows) in results.items() for r in set_rows))
    if calibrate:
        report["calibration"] = calibrate_thresholds(rows, {name: r for name, (_, r) in others})
    sets = {name: rep for name, (rep, _) in results.items()}
    if as_json:
        _print_json({**report, "sets": sets} if len(sets) > 1 else report)
    else:
        click.echo(format_report(report, sets))


cli.add_command(lang_group)
cli.add_command(translate)
cli.add_command(doctor)
cli.add_command(pack_group)


def main() -> None:
    cli(prog_name="fieldkit")


if __name__ == "__main__":
    main()
