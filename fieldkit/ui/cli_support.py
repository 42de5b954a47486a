"""What every `fieldkit` command shares: errors to stderr with their exit code, data to stdout, the
engine, question files and the JSON of search results."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from fieldkit import paths
from fieldkit.errors import FieldkitError, UsageError


def _err(message: str) -> None:
    click.echo(message, err=True)


def handle_errors(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except FieldkitError as exc:
            _err(f"error: {exc.message}")
            sys.exit(exc.exit_code)
        except OSError as exc:  # a folder that cannot be made or written (FIELDKIT_HOME, a read-only disk)
            where = exc.filename or "a file"
            _err(f"error: {where}: {exc.strerror or exc}; check that FIELDKIT_HOME ({paths.home()}) is a folder "
                 "you can write, and that the disk has room")
            sys.exit(1)
        except KeyboardInterrupt:
            _err("interrupted; the library keeps its previous state")
            sys.exit(130)

    return wrapper


def _print_json(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


def _engine(model: str | None = None, read_only: bool | None = False):
    from fieldkit.answering.engine import Engine

    return Engine(model=model, read_only=read_only)


def _questions(batch: str) -> list[dict]:
    """JSON Lines with a `question` field (and maybe `id`), or plain lines."""
    path = Path(batch)
    if not path.is_file():
        raise UsageError(f"{batch}: question file not found")
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                obj = json.loads(line)
            except ValueError as exc:
                raise UsageError(f"{batch}:{n}: not valid JSON ({exc})") from exc
            if "question" not in obj:
                raise UsageError(f"{batch}:{n}: no 'question' field")
            items.append(obj)
        else:
            items.append({"question": line})
    return items


def _search_json(result) -> dict:
    return {
        "query": result.query,
        "results": [
            {"rank": i, "doc": p.doc, "page": p.page, "page_label": p.page_label, "section": p.section,
             "score": p.score, "text": p.text, "figures": [f.to_json() for f in p.figures],
             "callouts": [c.to_json() for c in p.callouts]}
            for i, p in enumerate(result.passages, start=1)
        ],
    }


def _one_document(library, name: str):
    """The manual a user named: its key, or the end of its key ("manual.pdf" when only one is called so)."""
    found = library.find_documents(name)
    if not found:
        raise UsageError(f"{name}: no such manual in the library; see `fieldkit manuals`")
    if len(found) > 1:
        raise UsageError(f"{name}: {len(found)} manuals are called so ({', '.join(d.name for d in found)}); "
                         "give the one you mean")
    return found[0]

