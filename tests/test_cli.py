"""The `fieldkit` command end to end, in subprocesses, as a technician runs it."""

import json

from conftest import SAMPLE_PDF, run_cli

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


def test_manuals_show_prints_the_outline_revision_and_applicability(tmp_path):
    home = tmp_path / "home"
    assert run_cli("ingest", SAMPLE_PDF, env_home=home).returncode == 0
    r = run_cli("manuals", "show", SAMPLE_PDF.name, "--json", env_home=home)
    out = json.loads(r.stdout)
    assert out["manual"]["revision"] == "Revision 3, 2026-03-01"
    assert out["applicability"] == "FK-200 units serial numbers FK2-0100 and subsequent"
    headings = [(o["level"], o["heading"], o["page"], o["page_label"]) for o in out["outline"]]
    assert (2, "2-2. ENGINE OIL AND FILTER CHANGE", 3, "2-1") in headings
    assert (1, "CHAPTER 4. TROUBLESHOOTING", 5, "4-1") in headings
    assert [f["caption"] for f in out["figures"]] == ["Figure 1-1. FK-200 Service Points",
                                                     "Figure 2-1. Oil Drain Plug Location"]
    r = run_cli("manuals", "show", SAMPLE_PDF.name, env_home=home)
    assert "2-2. ENGINE OIL AND FILTER CHANGE  ... p. 3 (2-1)" in r.stdout
    r = run_cli("manuals", "show", "nope.pdf", env_home=home)
    assert r.returncode == 5 and "no such manual" in r.stderr


def test_audit_log_export_and_clear(tmp_path):
    import csv
    import io

    home = tmp_path / "home"
    assert run_cli("ingest", SAMPLE_PDF, env_home=home).returncode == 0
    assert run_cli("ask", "What torque for the wheel lug nut?", env_home=home).returncode == 0
    assert run_cli("ask", "¿Cuál es el par de apriete de la tuerca de rueda?", "--json", env_home=home).returncode == 0
    rows = json.loads(run_cli("log", "export", "--format", "json", env_home=home).stdout)
    assert [r["language"] for r in rows] == ["en", "es"]
    first = rows[0]
    assert first["question"] == "What torque for the wheel lug nut?" and first["refused"] is False
    assert first["citations"][0]["revision"] == "Revision 3, 2026-03-01"
    assert first["model"] == "SmolLM2-135M-Instruct.Q4_1.gguf" and first["fieldkit_version"]
    table = list(csv.DictReader(io.StringIO(run_cli("log", "export", "--format", "csv", env_home=home).stdout)))
    assert len(table) == 2 and "fk200-gpu-maintenance.pdf rev Revision 3, 2026-03-01 p.4 (3-1)" in table[0]["citations"]
    r = run_cli("log", "clear", env_home=home, input="")
    assert r.returncode == 5 and "--yes" in r.stderr
    assert len(json.loads(run_cli("log", "export", "--format", "json", env_home=home).stdout)) == 2
    assert run_cli("log", "clear", "--yes", env_home=home).returncode == 0
    assert json.loads(run_cli("log", "export", "--format", "json", env_home=home).stdout) == []


def test_session_follow_up_uses_the_previous_question(tmp_path):
    home = tmp_path / "home"
    assert run_cli("ingest", SAMPLE_PDF, env_home=home).returncode == 0
    r1 = json.loads(run_cli("ask", "What torque for the wheel lug nut?", "--session", "job42", "--json",
                            env_home=home).stdout)
    r2 = json.loads(run_cli("ask", "and the battery clamp?", "--session", "job42", "--json", env_home=home).stdout)
    assert not r2["refused"] and "6 N·m (4.4 lb-ft)" in r2["answer"]
    assert (home / "sessions" / "job42.json").is_file()
    session = json.loads((home / "sessions" / "job42.json").read_text())
    assert [t["question"] for t in session["turns"]] == [r1["question"], r2["question"]]
