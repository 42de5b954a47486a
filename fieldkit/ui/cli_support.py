"""What every `fieldkit` command shares: errors to stderr with their exit code, data to stdout."""

from __future__ import annotations

import functools
import json
import sys

import click

from fieldkit.errors import FieldkitError


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
        except KeyboardInterrupt:
            _err("interrupted; the library keeps its previous state")
            sys.exit(130)

    return wrapper


def _print_json(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))
