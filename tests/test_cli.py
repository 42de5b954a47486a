"""The `fieldkit` command end to end, in subprocesses, as a technician runs it."""

import json
import shutil

from conftest import SAMPLE_PDF, run_cli
from pdfs import text_pdf

SEARCH_KEYS = {"rank", "doc", "page", "page_label", "section", "score", "text"}
ASK_KEYS = {"question", "answer", "refused", "citations", "warnings", "figures", "model", "timings_ms"}


def test_ingest_search_ask_manuals(tmp_path):
    home = tmp_path / "home"
    r = run_cli("ingest", SAMPLE_PDF, env_home=home)
    assert r.returncode == 0, r.stderr
    assert "added" in r.stderr and r.stdout == ""
    r = run_cli("ingest", SAMPLE_PDF, "--json", env_home=home)
    assert json.loads(r.stdout)["status"] == "unchanged"

    r = run_cli("search", "wheel lug nut torque", "--json", "-k", "3", env_home=home)
    out = json.loads(r.stdout)
    assert out["query"] == "wheel lug nut torque" and len(out["results"]) == 3
    assert SEARCH_KEYS <= set(out["results"][0])
    assert out["results"][0]["doc"] == SAMPLE_PDF.name and out["results"][0]["page_label"] == "3-1"

    r = run_cli("ask", "What torque for the wheel lug nut?", "--json", env_home=home)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert ASK_KEYS <= set(out) and {"generated", "removed"} <= set(out)
    assert out["refused"] is False and "110 N·m (81 lb-ft)" in out["answer"]
    assert {"doc", "page", "page_label", "section", "text"} <= set(out["citations"][0])
    assert set(out["timings_ms"]) == {"retrieve", "first_token", "total"}

    r = run_cli("ask", "What torque for the wheel lug nut?", env_home=home)
    assert r.returncode == 0 and "110 N·m (81 lb-ft)" in r.stdout and "p. 4 (printed 3-1)" in r.stdout

    r = run_cli("manuals", "--json", env_home=home)
    (doc,) = json.loads(r.stdout)["manuals"]
    assert doc["name"] == SAMPLE_PDF.name and doc["pages"] == 5 and len(doc["sha256"]) == 64
    assert {"chunks", "figures", "ingested_at", "ocr_pages"} <= set(doc)


def test_batch_mode_keeps_ids_and_prints_json_lines(tmp_path):
    home = tmp_path / "home"
    assert run_cli("ingest", SAMPLE_PDF, env_home=home).returncode == 0
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"id": "a", "question": "fault code E-204?"}\nwhat is the oil capacity?\n')
    r = run_cli("search", "--batch", batch, "-k", "2", env_home=home)
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    assert [l.get("id") for l in lines] == ["a", None] and all(len(l["results"]) == 2 for l in lines)
    r = run_cli("ask", "--batch", batch, env_home=home)
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    assert len(lines) == 2 and lines[0]["id"] == "a" and ASK_KEYS <= set(lines[1])


def test_bad_input_exits_nonzero_with_one_line_naming_the_file(tmp_path):
    home = tmp_path / "home"
    assert run_cli("ingest", SAMPLE_PDF, env_home=home).returncode == 0
    before = run_cli("manuals", "--json", env_home=home).stdout
    broken = tmp_path / "broken manual.pdf"
    broken.write_bytes(SAMPLE_PDF.read_bytes()[:5000])
    r = run_cli("ingest", broken, env_home=home)
    assert r.returncode == 2
    errors = [l for l in r.stderr.splitlines() if l.startswith("error:")]
    assert len(errors) == 1 and "broken manual.pdf" in errors[0] and "truncated" in errors[0]
    assert run_cli("manuals", "--json", env_home=home).stdout == before
    r = run_cli("ingest", tmp_path / "nope.pdf", env_home=home)
    assert r.returncode == 2 and "nope.pdf: file not found" in r.stderr


def test_mismatched_library_is_refused_with_a_clear_message(tmp_path):
    home = tmp_path / "home"
    assert run_cli("ingest", SAMPLE_PDF, env_home=home).returncode == 0
    manifest = home / "library" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["embedder"] = "bge-small-en-v1.5"
    manifest.write_text(json.dumps(data))
    r = run_cli("search", "oil", env_home=home)
    assert r.returncode == 3 and "bge-small-en-v1.5" in r.stderr and "cannot be mixed" in r.stderr


def test_eval_command_reports_hits_refusals_and_latency(tmp_path):
    home = tmp_path / "home"
    assert run_cli("ingest", SAMPLE_PDF, env_home=home).returncode == 0
    questions = tmp_path / "q.jsonl"
    items = [
        {"id": "q1", "doc": SAMPLE_PDF.name, "question": "torque for the wheel lug nut?", "gold_pages": [4],
         "expect": ["110 N·m (81 lb-ft)"], "kind": "number"},
        {"id": "q2", "doc": SAMPLE_PDF.name, "question": "how long to let the engine cool before draining oil?",
         "gold_pages": [3], "expect": ["at least 15 minutes"], "kind": "warning"},
        {"id": "q3", "doc": SAMPLE_PDF.name, "question": "what is the MIL-PRF-23699 change interval?",
         "gold_pages": [], "expect": [], "kind": "unanswerable"},
    ]
    questions.write_text("".join(json.dumps(i) + "\n" for i in items))
    r = run_cli("eval", questions, "--json", "--calibrate", env_home=home)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    overall = report["overall"]
    assert overall["hit@5"] == 1.0 and overall["refused_unanswerable"] == 1 and overall["false_refusals"] == 0
    assert overall["expect_coverage"] == 1.0
    assert set(report["by_kind"]) == {"number", "warning", "unanswerable"}
    assert report["latency_ms"]["retrieve_p50"] > 0 and report["latency_ms"]["answer_p95"] > 0
    assert "best" in report["calibration"]
