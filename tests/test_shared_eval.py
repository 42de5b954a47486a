"""The dev question set over the real public manuals in ../shared (skipped where they are absent)."""

import json
from pathlib import Path

import pytest
from conftest import SHARED

pytestmark = pytest.mark.skipif(not (SHARED / "eval" / "dev.jsonl").is_file(), reason="../shared is not present")


@pytest.fixture(scope="module")
def shared_engine(tmp_path_factory, embedder):
    from fieldkit.answering.engine import Engine
    from fieldkit.ingest.pipeline import ingest_paths
    from fieldkit.library.catalog import Library

    library = Library.open(embedder.id, embedder.dim, root=tmp_path_factory.mktemp("shared") / "library")
    pdfs = sorted((SHARED / "manuals").glob("*.pdf"))
    results = list(ingest_paths(library, embedder, pdfs))
    assert all(getattr(r, "status", None) == "added" for r in results), results
    return Engine(library=library, embedder=embedder)


@pytest.fixture(scope="module")
def extra_engine(shared_engine, tmp_path_factory, embedder):
    """The dev library plus ../shared/manuals-extra: the library the validation sets are asked against."""
    import shutil

    from fieldkit.answering.engine import Engine
    from fieldkit.ingest.pipeline import ingest_paths
    from fieldkit.library.catalog import Library

    root = tmp_path_factory.mktemp("extra") / "library"
    shutil.copytree(shared_engine.library.root, root)
    library = Library.open(embedder.id, embedder.dim, root=root)
    results = list(ingest_paths(library, embedder, sorted((SHARED / "manuals-extra").glob("*.pdf"))))
    assert all(getattr(r, "status", None) == "added" for r in results), results
    return Engine(library=library, embedder=embedder)


def test_dev_set_retrieval_and_refusals(shared_engine):
    """The dev set's figures as ranges a regression breaks (measured: hit@5 0.97, hit@1 0.81, 3/3 refused,
    0/31 false refusals, 0 ungrounded numbers)."""
    from fieldkit.answering.evaluate import run_eval

    items = [json.loads(l) for l in (SHARED / "eval" / "dev.jsonl").read_text().splitlines() if l.strip()]
    report, rows = run_eval(shared_engine, items, generate=False)
    overall, kinds = report["overall"], report["by_kind"]
    assert overall["hit@5"] >= 0.96 and overall["hit@1"] >= 0.74, report
    assert all(kinds[k]["hit@5"] == 1.0 for k in ("figure", "warning", "ocr")), report
    assert overall["figure_records"] == "4/4"
    assert kinds["warning"]["expect_coverage"] == 1.0  # the warning text is shown
    assert overall["refused_unanswerable"] == 3 and overall["false_refusals"] == 0, report
    assert overall["gold_cited"] >= 0.9 and overall["ungrounded_numbers"] == 0, report
    assert kinds["crosslang"]["hit@5"] >= 0.75  # Spanish, French, German found by character trigrams
    # Every passage shown is text of the page it cites: most of its words are on that page.
    library = shared_engine.library
    for row in rows:
        for doc, page in row["pages"]:
            page_text = library.page_text(doc, page)
            assert page_text is not None and 1 <= page <= library.document(doc).pages
    for row in rows:
        assert row["refused"] or row["pages"]


def test_cited_passages_are_text_of_the_pages_they_cite(shared_engine):
    from fieldkit.text.normalize import content_words

    library = shared_engine.library
    for question in ("starter release N1 on the OH-58", "vacuum oven drying temperature", "ESD class 1 range"):
        for p in shared_engine.search(question, k=5).passages:
            words = set(content_words(" ".join(library.page_text(p.doc, n) or "" for n in range(p.page, p.page_end + 1))))
            own = [w for w in content_words(p.text) if w.isalpha()]
            assert own and sum(w in words for w in own) / len(own) >= 0.8, (p.doc, p.page, p.text[:80])


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


EVAL = Path(__file__).resolve().parent / "eval"


@pytest.mark.parametrize("name,max_false_refusals,min_refused,min_gold_cited", [
    # measured (README), false refusals, unanswerable refused, gold page cited:
    ("holdout-manuals.jsonl", 2, 10, 0.75),  # 0/26, 13/18, 0.85
    ("validation-extra.jsonl", 5, 17, 0.72),  # 3/44, 20/26, 0.81
    ("validation-extra-2.jsonl", 7, 14, 0.72),  # 5/34, 17/26, 0.79
    ("validation-3.jsonl", 5, 14, 0.75),  # 2/40, 14/30, 0.84
    ("validation-4.jsonl", 8, 19, 0.82),  # 5/40, 22/30, 0.91
    ("validation-5.jsonl", 3, 13, 0.82),  # 1/40, 13/30, 0.92
    ("validation-6.jsonl", 7, 4, 0.82),  # 4/34, 7/26, 0.90 (the "thing asked for" rule built on it removed)
    ("validation-7.jsonl", 4, 5, 0.85),  # 0/35, 10/25, 0.94 (v7-48 relabelled answerable) (the "thing asked for" rule built on it removed)
    ("validation-8.jsonl", 2, 7, 0.82),  # 0/34, 10/26, 0.91 (the "thing asked for" rule built on it removed)
    ("validation-9.jsonl", 6, 4, 0.82),  # 2/35, 7/25, 0.91 (v9-50 relabelled answerable) (the "thing asked for" rule built on it removed)
    ("validation-10.jsonl", 6, 18, 0.72),  # 1/34, 21/26, 0.82
    ("validation-11.jsonl", 4, 17, 0.82),  # 1/34, 22/26, 0.88
    ("validation-12.jsonl", 4, 15, 0.77),  # 2/34, 20/26, 0.84
    ("validation-13.jsonl", 4, 12, 0.80),  # 2/34, 15/26, 0.88
    ("validation-14.jsonl", 2, 17, 0.85),  # 0/34, 20/26, 0.94
    ("validation-15.jsonl", 4, 15, 0.80),  # 1/34, 19/26, 0.88
    ("validation-16.jsonl", 2, 13, 0.80),  # 0/34, 16/26, 0.88
    ("validation-17.jsonl", 2, 17, 0.80),  # 0/34, 21/26, 0.88
    ("validation-18.jsonl", 2, 14, 0.80),  # 0/34, 17/26, 0.88
    ("validation-19.jsonl", 5, 16, 0.82),  # 1/34, 20/26, 0.91
    ("validation-20.jsonl", 3, 11, 0.85),  # 1/34, 16/26, 0.94
    ("validation-21.jsonl", 2, 18, 0.88),  # 0/34, 22/26, 0.97
    ("validation-22.jsonl", 7, 13, 0.75),  # 2/34, 18/26, 0.78
    ("validation-23.jsonl", 2, 19, 0.80),  # 0/34, 23/26, 0.88
    ("validation-24.jsonl", 4, 21, 0.90),  # 1/34, 23/26, 0.97
    ("validation-25.jsonl", 4, 21, 0.82),  # 1/34, 21/26, 0.91
    ("validation-26.jsonl", 2, 12, 0.70),  # 0/34, 18/26, 0.77
    ("validation-27.jsonl", 3, 16, 0.85),  # 0/34, 19/26, 0.91
    ("validation-28.jsonl", 5, 19, 0.85),  # 1/34, 22/26, 0.94
    ("validation-29.jsonl", 3, 15, 0.82),  # 1/34, 17/26, 0.91
    ("validation-30.jsonl", 3, 18, 0.85),  # 0/34, 21/26, 0.94
    ("validation-31.jsonl", 3, 14, 0.88),  # 1/34, 17/26, 0.97
    ("validation-32.jsonl", 5, 15, 0.81),  # 2/34, 17/26, 0.91
    ("validation-33.jsonl", 3, 13, 0.85),  # 1/34, 15/26, 0.94
    ("validation-34.jsonl", 3, 8, 0.79),  # 1/34, 9/26, 0.88
    ("validation-35.jsonl", 5, 16, 0.88),  # 2/34, 20/26, 0.97
    ("validation-36.jsonl", 3, 15, 0.82),  # 0/34, 16/26, 0.91
    ("validation-37.jsonl", 5, 11, 0.85),  # 2/34, 14/26, 0.94
    ("validation-38.jsonl", 3, 10, 0.82),  # 0/34, 13/26, 0.91
    ("validation-39.jsonl", 4, 9, 0.75),  # 1/34, 11/26, 0.85
    ("validation-40.jsonl", 2, 11, 0.82),  # 0/34, 13/26, 0.91
    ("validation-41.jsonl", 4, 14, 0.75),  # 0/34, 15/26, 0.85
    ("validation-42.jsonl", 4, 14, 0.82),  # 2/34, 18/26, 0.91
    ("validation-43.jsonl", 3, 13, 0.70),  # 1/34, 17/26, 0.79
    ("validation-44.jsonl", 2, 14, 0.82),  # 0/34, 18/26, 0.91
    ("validation-45.jsonl", 3, 13, 0.79),  # 1/34, 16/26, 0.88
    ("validation-46.jsonl", 3, 19, 0.82),  # 1/34, 22/26, 0.91
    ("validation-47.jsonl", 4, 9, 0.75),  # 2/34, 12/26, 0.84
    ("validation-48.jsonl", 2, 14, 0.79),  # 0/34, 18/26, 0.88
    ("validation-49.jsonl", 3, 16, 0.85),  # 1/34, 20/26, 0.94
    ("validation-50.jsonl", 4, 11, 0.88),  # 2/34, 16/26, 0.97
    ("validation-51.jsonl", 3, 10, 0.70),  # 0/34, 15/26, 0.79
    ("validation-52.jsonl", 6, 16, 0.71),  # 4/34, 19/26, 0.80
    ("validation-53.jsonl", 4, 8, 0.88),  # 1/34, 14/26, 0.97
    ("validation-54.jsonl", 4, 11, 0.91),  # 2/34, 17/26, 1.00
    ("validation-55.jsonl", 4, 15, 0.72),  # 2/34, 20/26, 0.81
    ("validation-56.jsonl", 2, 17, 0.85),  # 0/34, 21/26, 0.94
    ("validation-57.jsonl", 7, 14, 0.84),  # 5/34, 17/26, 0.93
    ("validation-58.jsonl", 5, 16, 0.78),  # 3/34, 19/26, 0.87
    ("validation-59.jsonl", 4, 15, 0.91),  # 2/34, 18/26, 1.00
    ("validation-60.jsonl", 5, 17, 0.78),  # 3/34, 20/26, 0.87
    ("validation-61.jsonl", 4, 11, 0.75),  # 2/34, 14/26, 0.84
    ("validation-68.jsonl", 4, 17, 0.81),  # 2/34, 20/26, 0.91
    ("validation-69.jsonl", 4, 15, 0.87),  # 2/34, 18/26, 0.97
    ("validation-72.jsonl", 4, 18, 0.81),  # 2/34, 21/26, 0.91
    ("validation-73.jsonl", 2, 18, 0.82),  # 0/34, 21/26, 0.91
    ("validation-74.jsonl", 4, 18, 0.69),  # 2/34, 21/26, 0.78
    ("validation-75.jsonl", 5, 18, 0.72),  # 4/35, 22/25, 0.77 (v75-50 relabelled answerable; v75-55's "rotor rmp" refused since "what ... rpm" reads further)
    ("validation-76.jsonl", 3, 19, 0.73),  # 1/34, 22/26, 0.82
    ("validation-77.jsonl", 2, 17, 0.71),  # 0/35, 20/25, 0.80 (v77-08 relabelled answerable)
    ("validation-86.jsonl", 4, 18, 0.72),  # 2/34, 20/26, 0.81
    ("validation-87.jsonl", 3, 16, 0.70),  # 1/34, 19/26, 0.79
    ("validation-88.jsonl", 4, 21, 0.72),  # 2/34, 24/26, 0.78
    ("validation-89.jsonl", 6, 16, 0.74),  # 4/34, 19/26, 0.83
    ("validation-90.jsonl", 3, 17, 0.70),  # 1/34, 20/26, 0.79
    ("validation-91.jsonl", 7, 14, 0.70),  # 5/34, 17/26, 0.79
    ("validation-92.jsonl", 4, 13, 0.82),  # 2/34, 16/26, 0.91
    ("validation-93.jsonl", 4, 13, 0.85),  # 2/34, 16/26, 0.94
])
def test_validation_sets_hold_the_dev_tuning(extra_engine, name, max_false_refusals, min_refused, min_gold_cited):
    """Question sets written over manuals and facts the dev set does not use (tests/eval/README.md)."""
    from fieldkit.answering.evaluate import run_eval

    items = [json.loads(l) for l in (EVAL / name).read_text().splitlines() if l.strip()]
    report, _ = run_eval(extra_engine, items, generate=False)
    overall = report["overall"]
    assert overall["false_refusals"] <= max_false_refusals, overall
    assert overall["refused_unanswerable"] >= min_refused, overall
    assert overall["gold_cited"] >= min_gold_cited and overall["ungrounded_numbers"] == 0, overall


def _photo_sets():
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    from eval_photos import run

    eval_dir = Path(__file__).parent / "eval"
    return run, lambda name: [json.loads(l) for l in (eval_dir / name).read_text().splitlines() if l.strip()]


def test_photos_of_labels_find_their_pages_and_unknown_parts_are_refused(shared_engine, extra_engine, tmp_path):
    """Photo questions over the real manuals (measured: tuning set 22/22 pages in the top 5, 6/6 unknown
    refused; the out-of-sample set 35/40 = 0.875 and 8/8)."""
    run, load = _photo_sets()
    dev, _ = run(shared_engine, load("photos-dev.jsonl"), tmp_path)
    assert dev["hit@5"] >= 0.9 and dev["unknown_refused"] == dev["unknown"] == 6, dev
    held_out, _ = run(extra_engine, load("photos-extra-2.jsonl"), tmp_path)
    assert held_out["hit@5"] >= 0.8 and held_out["unknown_refused"] >= 7, held_out
