"""`fieldkit doctor`: one line per check, exit 0 when all pass (the checks are in answering/doctor)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from fieldkit.ui.cli_support import _print_json, handle_errors


@click.command()
@click.option("--model", help="Check this chat GGUF instead of the default.")
@click.option("--cpuinfo", type=click.Path(), default="/proc/cpuinfo", show_default=True,
              help="Read CPU flags from this file (another machine's /proc/cpuinfo).")
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def doctor(model, cpuinfo, as_json):
    """Check this install: CPU, models, library, disk, figures in the terminal, no network needed."""
    from fieldkit.answering.doctor import run_checks

    checks = run_checks(model, Path(cpuinfo))
    passed = all(c.ok for c in checks)
    if as_json:
        _print_json({"ok": passed, "checks": [c.to_json() for c in checks]})
    else:
        for c in checks:
            click.echo(f"{'ok  ' if c.ok else 'FAIL'}  {c.name}: {c.detail}")
    sys.exit(0 if passed else 1)
