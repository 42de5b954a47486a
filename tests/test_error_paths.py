"""Every error a user can reach from the command line: one line on stderr starting "error:", naming
the file or folder and what to do, the documented exit code, and never a traceback."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import SAMPLE_MD, run_cli

OK, OTHER, BAD_INPUT, LIBRARY, USAGE, PACK = 0, 1, 2, 3, 5, 6  # 4 (model) ends in a retrieval-only answer


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """A FIELDKIT_HOME with the sample Markdown manual ingested (copied per case)."""
    home = tmp_path_factory.mktemp("errors") / "home"
    done = run_cli("ingest", SAMPLE_MD, env_home=home)
    assert done.returncode == 0, done.stderr
    return home


def _break_session(home):
    (home / "sessions").mkdir(parents=True, exist_ok=True)
    (home / "sessions" / "job1.json").write_text("garbage{")


def _foreign_embedder(home):
    manifest = home / "library" / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "embedder": "some-other-model", "dim": 768}))


CASES = [
    # (name, arguments, how to break the home first, exit code, words the one line must hold)
    ("missing manual", ["ingest", "no-such-manual.pdf"], None, BAD_INPUT, "no-such-manual.pdf"),
    ("unsupported type", ["ingest", "pyproject.toml"], None, BAD_INPUT, "pyproject.toml"),
    ("home is a file", ["ingest", str(SAMPLE_MD)], "home-is-a-file", OTHER, "FIELDKIT_HOME"),
    ("corrupt session", ["ask", "and the lug nuts?", "--session", "job1"], _break_session, USAGE, "job1.json"),
    ("bad session name", ["ask", "x?", "--session", "../etc"], None, USAGE, "session name"),
    ("foreign embedder", ["search", "drain plug"], _foreign_embedder, LIBRARY, "some-other-model"),
    ("unknown manual", ["manuals", "remove", "nope.pdf"], None, USAGE, "nope.pdf"),
    ("missing question file", ["ask", "--batch", "nope.jsonl"], None, USAGE, "nope.jsonl"),
    ("missing photo", ["ask", "--image", "nope.jpg", "what is this?"], None, BAD_INPUT, "nope.jpg"),
    ("pack not a pack", ["pack", "install", str(SAMPLE_MD), "--key", str(SAMPLE_MD)], None, PACK, "Ed25519"),
    ("missing pack", ["pack", "install", "nope.fkpack", "--key", str(SAMPLE_MD)], None, PACK, "nope.fkpack"),
    ("no rollback", ["pack", "rollback"], None, PACK, "roll back"),
]


@pytest.mark.parametrize("name,args,breaker,code,words", CASES, ids=[c[0] for c in CASES])
def test_error_is_one_line_with_its_exit_code(home, tmp_path, name, args, breaker, code, words):
    case_home = tmp_path / "home"
    shutil.copytree(home, case_home)
    if breaker == "home-is-a-file":
        shutil.rmtree(case_home)
        case_home.write_text("not a folder")
        case_home = case_home / "inside"
    elif breaker is not None:
        breaker(case_home)
    done = run_cli(*args, env_home=case_home)
    assert "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == code, done.stderr
    assert len(errors) == 1 and words in errors[0], done.stderr


def test_a_question_longer_than_the_context_still_gets_the_quotes(home, tmp_path):
    case_home = tmp_path / "home"
    shutil.copytree(home, case_home)
    question = "What torque for the oil drain plug " + "please " * 3000
    done = run_cli("ask", "--json", question, env_home=case_home)
    assert done.returncode == OK and "Traceback" not in done.stderr, done.stderr
    answer = json.loads(done.stdout)
    assert "context" in answer["error"] and any("35 N·m" in q["text"] for q in answer["quotes"])
