"""The core is a library: it never imports a UI or CLI framework.

`textual` must stay out of sys.modules after importing any core module. `click` is checked in the
source instead: sqlite-utils (which the catalog is built on) imports click itself.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "fieldkit"
SHELLS = {"cli.py", "__main__.py", "tui.py", "kiosk.py"}
CORE = sorted(p.stem for p in PACKAGE.glob("*.py") if p.name not in SHELLS | {"__init__.py"})


@pytest.mark.parametrize("module", CORE)
def test_core_module_leaves_textual_out(module):
    code = f"import sys, fieldkit.{module}\nassert 'textual' not in sys.modules\n"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_core_sources_import_no_ui_or_cli_library():
    offenders = []
    for path in PACKAGE.glob("*.py"):
        if path.name in SHELLS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"textual", "click", "typer"}]
    assert not offenders
    assert len(CORE) >= 10
