"""The layout's rules, checked: import contracts (import-linter, `pyproject.toml`) and a runtime check
that no core module pulls in a UI library, or torch, stanza or spacy (translation runs without them).

Layers: the UI knows the engine; the engine (answering) knows no UI; ingest and answering do not
import each other; the library, the models and translation know neither; text rules know nothing above them. The
core (everything but `fieldkit.ui`) never imports textual, click or rich.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fieldkit"
CORE = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for p in PACKAGE.rglob("*.py")
    if "ui" not in p.relative_to(PACKAGE).parts and p.name != "__main__.py"
)
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
        "--no-cache"]


def test_import_contracts_hold():
    result = subprocess.run(LINT, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("module,line,contract", [
    ("fieldkit/answering/uses_click.py", "import click\n", "The core never imports textual, click or rich"),
    ("fieldkit/library/asks_the_engine.py", "from fieldkit.answering import engine\n", "The UI knows the engine"),
    ("fieldkit/ingest/queries.py", "from fieldkit.answering import retrieve\n", "The UI knows the engine"),
])
def test_import_contracts_fail_on_a_violation(tmp_path, module, line, contract):
    """The same contracts on a copy of the package with one bad import added: lint-imports fails and
    names the broken contract."""
    shutil.copytree(PACKAGE, tmp_path / "fieldkit", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / module).write_text(line)
    code = ("import sys; sys.path.insert(0, '.'); [sys.modules.pop(m) for m in list(sys.modules) if m.startswith('fieldkit')];"
            "from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())")
    result = subprocess.run([sys.executable, "-c", code, "--no-cache"], cwd=tmp_path, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "PYTHONSAFEPATH": ""})
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout and contract in result.stdout.replace("\n", " ")


BLOCK_UI = """
import sys
class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("textual", "rich", "torch", "stanza", "spacy"):
            raise ImportError(f"a core module imported {name}")
sys.meta_path.insert(0, Blocked())
"""


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_without_a_ui_library(module):
    """Each core module imports in an interpreter where importing textual or rich fails (installed or
    not). click is left to the contract above: sqlite-utils, under the catalog, imports it itself."""
    result = subprocess.run([sys.executable, "-c", BLOCK_UI + f"import {module}\n"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_runtime_block_catches_a_module_that_imports_textual(tmp_path):
    (tmp_path / "uses_textual.py").write_text("import textual\n")
    result = subprocess.run([sys.executable, "-c", BLOCK_UI + "import uses_textual\n"], capture_output=True, text=True,
                            cwd=tmp_path)
    assert result.returncode != 0 and "a core module imported textual" in result.stderr


def test_each_package_says_what_it_is_for_and_modules_stay_small():
    for init in PACKAGE.glob("*/__init__.py"):
        doc = init.read_text().split('"""')[1]
        assert 0 < len(doc.strip().splitlines()) <= 2, init
    too_long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py")
                if (n := len(p.read_text().splitlines())) > 400}
    assert not too_long


def test_no_sql_outside_the_library_package():
    import re

    sql = re.compile(r"\b(SELECT|INSERT INTO|DELETE FROM|UPDATE \w+ SET|CREATE TABLE)\b|\.execute\(|\.query\(")
    offenders = [f"{p.relative_to(ROOT)}:{n}" for p in PACKAGE.rglob("*.py") if "library" not in p.parts
                 for n, line in enumerate(p.read_text().splitlines(), 1) if sql.search(line)]
    assert not offenders
