"""The dev question set over the real public manuals in ../shared (skipped where they are absent)."""

import json

import pytest

from conftest import SHARED

pytestmark = pytest.mark.skipif(not (SHARED / "eval" / "dev.jsonl").is_file(), reason="../shared is not present")


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory, embedder):
    from fieldkit.answer import Engine
    from fieldkit.ingest import ingest_paths
    from fieldkit.store import Library

    library = Library.open(embedder.id, embedder.dim, root=tmp_path_factory.mktemp("shared") / "library")
    pdfs = sorted((SHARED / "manuals").glob("*.pdf"))
    results = list(ingest_paths(library, embedder, pdfs))
    assert all(getattr(r, "status", None) == "added" for r in results), results
    return Engine(library=library, embedder=embedder)


def test_dev_set_retrieval_and_refusals(shared_engine):
    from fieldkit.evaluate import run_eval

    items = [json.loads(l) for l in (SHARED / "eval" / "dev.jsonl").read_text().splitlines() if l.strip()]
    report, rows = run_eval(shared_engine, items, generate=False)
    overall, kinds = report["overall"], report["by_kind"]
    assert overall["hit@5"] >= 0.90, report
    assert all(kinds[k]["hit@5"] == 1.0 for k in ("figure", "warning", "ocr")), report
    assert overall["figure_records"] == "4/4"
    assert kinds["warning"]["expect_coverage"] == 1.0  # the warning text is shown
    assert overall["refused_unanswerable"] >= 2
    assert overall["false_refusals"] <= 1
    assert overall["ungrounded_numbers"] == 0
    assert kinds["crosslang"]["hit@5"] >= 0.75  # Spanish, French, German found by character trigrams
    # Every answer that is not refused cites passages, and their pages are real pages of the manual.
    for row in rows:
        assert row["refused"] or row["pages"]


def test_scanned_advisory_circular_is_read_by_ocr(shared_engine):
    """AC 43-2B's hidden text layer is poor ("barmeter keservoir"); its pages are OCRed and answer."""
    doc = shared_engine.library.document("AC-43-2B.pdf")
    assert doc.ocr_pages >= 3
    top = shared_engine.search("how long to let the barometer stabilize after a temperature change", k=3,
                               doc="AC-43-2B.pdf").passages
    assert any("five hours" in p.text for p in top)


def test_printed_page_labels_differ_from_pdf_indices(shared_engine):
    """OH-58 MTF: PDF page 18 is printed page 2-8 (the labels are read from the page footers)."""
    doc = "OH-58AC TECHNICAL MANUAL MAINTENANCE TEST FLIGHT MANUAL.pdf"
    res = shared_engine.search("release STARTER switch at 58-62% N1", k=5, doc=doc)
    top = res.passages[0]
    assert top.page == 18 and top.page_label and top.page_label != "18" and "-" in top.page_label
