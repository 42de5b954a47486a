"""Several manuals read at once in worker processes (real OCR, real embedder, real SQLite): the library
ends as a one-at-a-time ingest leaves it, in the same order, and a bad file is reported in its place."""

from __future__ import annotations

import shutil

import numpy as np
from conftest import SAMPLE_MD, SAMPLE_PDF, run_cli
from pdfs import scanned_pdf, text_pdf


def _folder(tmp_path):
    folder = tmp_path / "manuals"
    (folder / "gpu").mkdir(parents=True)
    shutil.copy(SAMPLE_PDF, folder / "gpu" / SAMPLE_PDF.name)
    shutil.copy(SAMPLE_MD, folder / "gpu" / SAMPLE_MD.name)
    scanned_pdf(folder / "heater-scan.pdf", ["HEATER MANUAL", "Torque the burner nozzle to 12 N·m.",
                                             "Replace the igniter every 500 hours."])
    text_pdf(folder / "pump.pdf", [["PUMP MANUAL", "1. Torque the pump bolts to 40 N·m."]])
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    return folder


def _contents(library):
    rows = library.db.execute("SELECT documents.name, chunks.ordinal, chunks.page, chunks.section, chunks.text, "
                              "chunks.embedding FROM chunks JOIN documents ON documents.id = chunks.doc_id "
                              "ORDER BY documents.name, chunks.ordinal").fetchall()
    return [r[:5] for r in rows], np.stack([np.frombuffer(r[5], dtype=np.float32) for r in rows])


def test_workers_leave_the_library_a_single_process_ingest_leaves(tmp_path, embedder):
    from fieldkit.errors import BadInputError
    from fieldkit.ingest.pipeline import ingest_paths
    from fieldkit.library.catalog import Library

    folder = _folder(tmp_path)
    built = {}
    for workers in (1, 2):
        library = Library.open(embedder.id, embedder.dim, root=tmp_path / f"lib{workers}")
        try:
            results = list(ingest_paths(library, embedder, [folder], workers=workers))
            outcome = [(r.path.rsplit("/", 1)[-1], "error") if isinstance(r, BadInputError) else (r.name, r.status)
                       for r in results]
            assert outcome == [("broken.pdf", "error"), ("gpu/" + SAMPLE_MD.name, "added"),
                               ("gpu/" + SAMPLE_PDF.name, "added"), ("heater-scan.pdf", "added"),
                               ("pump.pdf", "added")], (workers, outcome)
            assert "broken.pdf" in results[0].message and "\n" not in results[0].message
            scan = library.document("heater-scan.pdf")
            assert scan.ocr_pages == 1
            built[workers] = (_contents(library), [(d.name, d.figures, d.pages) for d in library.documents()])
            again = list(ingest_paths(library, embedder, [folder], workers=workers))
            assert [getattr(r, "status", "error") for r in again] == ["error"] + ["unchanged"] * 4
        finally:
            library.close()
    (rows1, vectors1), docs1 = built[1]
    (rows2, vectors2), docs2 = built[2]
    assert rows1 == rows2 and docs1 == docs2
    assert any("12 N·m" in r[4] for r in rows2)  # read by OCR in a worker
    np.testing.assert_allclose(vectors1, vectors2, atol=1e-5)


def test_cli_ingest_with_workers_reports_each_file_and_exits_2_at_the_end(tmp_path, fieldkit_home):
    folder = _folder(tmp_path)
    result = run_cli("ingest", folder, "--workers", "2", env_home=fieldkit_home)
    assert result.returncode == 2, result.stderr
    assert "1 of 5 files could not be read" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    listed = run_cli("manuals", "--json", env_home=fieldkit_home)
    assert listed.stdout.count('"name"') == 4 and "gpu/" + SAMPLE_PDF.name in listed.stdout


def test_a_run_stopped_early_stops_its_workers_and_leaves_no_stray_figures(tmp_path, library, embedder):
    import multiprocessing
    import os

    from fieldkit.ingest.pipeline import ingest_paths

    folder = _folder(tmp_path)
    run = ingest_paths(library, embedder, [folder], workers=2)
    first = next(run)  # broken.pdf, reported before any work is stored; the workers are reading the rest
    assert getattr(first, "reason", "")
    run.close()  # the caller stops reading (Ctrl-C in a shell, a closed TUI screen)
    assert multiprocessing.active_children() == []
    assert library.documents() == []  # nothing was stored, so no figure folder may be left
    assert not library.figures_root.exists() or os.listdir(library.figures_root) == []
