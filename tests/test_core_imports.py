"""The core is a library: it never imports a UI or CLI framework.

Each core module is imported in a fresh interpreter where importing `textual` fails (whether or not
it is installed): a core module that imports it, directly or through another module, fails the test.
`click` is checked in the source instead: sqlite-utils (which the catalog is built on) imports click.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "fieldkit"
SHELLS = {"cli.py", "__main__.py", "tui.py", "kiosk.py"}
CORE = sorted(p.stem for p in PACKAGE.glob("*.py") if p.name not in SHELLS | {"__init__.py"})


BLOCK_TEXTUAL = """
import sys
class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "textual":
            raise ImportError("a core module imported textual")
sys.meta_path.insert(0, Blocked())
"""


@pytest.mark.parametrize("module", CORE)
def test_core_module_leaves_textual_out(module):
    code = BLOCK_TEXTUAL + f"import fieldkit.{module}\nassert 'textual' not in sys.modules\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_import_block_catches_a_module_that_imports_textual(tmp_path):
    (tmp_path / "uses_textual.py").write_text("import textual\n")
    code = BLOCK_TEXTUAL + "import uses_textual\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode != 0 and "a core module imported textual" in result.stderr


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
