import os
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE_MD, SAMPLE_PDF
from pdfs import text_pdf


def _open(embedder):
    from fieldkit.library.catalog import Library

    return Library.open(embedder.id, embedder.dim)


def _state(library):
    """Everything an ingest may change, to compare before/after a failure."""
    db = library.db
    return (
        library.generation(),
        [tuple(r.values()) for r in db.query("SELECT name, sha256, pages, chunks FROM documents ORDER BY name")],
        db.execute("SELECT count(*), coalesce(sum(length(text)), 0) FROM chunks").fetchone(),
        db.execute("SELECT count(*) FROM chunks_fts").fetchone(),
        db.execute("SELECT count(*) FROM figures").fetchone(),
    )


def test_sample_pdf_pages_labels_sections_figures(sample_library):
    from fieldkit.library.records import DocumentInfo

    doc = sample_library.document(SAMPLE_PDF.name)
    assert isinstance(doc, DocumentInfo)
    assert (doc.pages, doc.figures) == (5, 2)
    labels = [r["label"] for r in sample_library.db.query("SELECT label FROM pages WHERE doc_id = ? ORDER BY page", [doc.id])]
    assert labels == ["i", "1-1", "2-1", "3-1", "4-1"]
    rows = list(sample_library.db.query("SELECT * FROM chunks WHERE doc_id = ? ORDER BY ordinal", [doc.id]))
    drain = [r for r in rows if "crush washer FK-CW-14" in r["text"]]
    assert len(drain) == 1
    assert drain[0]["page"] == 3 and drain[0]["page_label"] == "2-1"
    assert drain[0]["section"].endswith("2-2. ENGINE OIL AND FILTER CHANGE")
    # No chunk crosses a page without saying so.
    assert all(r["page"] == r["page_end"] for r in rows)
    figures = list(sample_library.db.query("SELECT * FROM figures WHERE doc_id = ? ORDER BY page", [doc.id]))
    assert [(f["page"], f["label"]) for f in figures] == [(2, "Figure 1-1"), (3, "Figure 2-1")]
    for f in figures:
        assert (sample_library.root / f["image_path"]).stat().st_size > 1000
        assert (sample_library.root / f["thumb_path"]).is_file()


def test_markdown_keeps_structure_tables_and_figures(sample_library):
    doc = sample_library.document(SAMPLE_MD.name)
    assert doc.format == "markdown" and doc.figures == 2
    rows = list(sample_library.db.query("SELECT * FROM chunks WHERE doc_id = ?", [doc.id]))
    table = [r for r in rows if "Wheel lug nut | FK-LN-12 | 110 N·m (81 lb-ft)" in r["text"]]
    assert table, "the torque table keeps its rows and cells"
    assert "Fastener | Part number | Torque" in table[0]["text"]
    callouts = [r for r in rows if "WARNING: Hot oil can cause burns." in r["text"]]
    assert callouts and "2-2. ENGINE OIL AND FILTER CHANGE" in callouts[0]["section"]


def test_reingest_unchanged_is_a_no_op_and_changed_file_replaces(tmp_path, embedder):
    from fieldkit.ingest.pipeline import ingest_file

    library = _open(embedder)
    path = text_pdf(tmp_path / "pump.pdf", [["PUMP MANUAL", "1. Torque the pump bolts to 40 N·m."]])
    first = ingest_file(library, embedder, path)
    assert first.status == "added"
    generation = library.generation()
    again = ingest_file(library, embedder, path)
    assert again.status == "unchanged" and library.generation() == generation
    text_pdf(path, [["PUMP MANUAL", "1. Torque the pump bolts to 45 N·m."]])
    changed = ingest_file(library, embedder, path)
    assert changed.status == "replaced"
    texts = [r["text"] for r in library.db.query("SELECT text FROM chunks")]
    assert any("45 N·m" in t for t in texts) and not any("40 N·m" in t for t in texts)
    assert [d.name for d in library.documents()] == ["pump.pdf"]
    old_folder = library.root / first.document.figures_dir
    assert not old_folder.exists()


def _bad_files(tmp_path):
    good = text_pdf(tmp_path / "good.pdf", [["GOOD MANUAL", "Some text about valves and pumps."]])
    data = good.read_bytes()
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "truncated.pdf").write_bytes(data[: len(data) // 2])
    (tmp_path / "notapdf.pdf").write_text("this is a plain text file pretending to be a PDF\n" * 20)
    text_pdf(tmp_path / "encrypted.pdf", [["SECRET MANUAL", "text"]], encrypt_password="pw")
    return {
        "missing.pdf": "not found",
        "empty.pdf": "empty",
        "truncated.pdf": "truncated",
        "notapdf.pdf": "not a PDF",
        "encrypted.pdf": "encrypted",
    }


def test_bad_inputs_name_the_file_and_leave_the_library_unchanged(tmp_path, sample_library, embedder):
    from fieldkit.errors import BadInputError
    from fieldkit.ingest.pipeline import ingest_file

    expected = _bad_files(tmp_path)
    before = _state(sample_library)
    for name, reason in expected.items():
        with pytest.raises(BadInputError) as info:
            ingest_file(sample_library, embedder, tmp_path / name)
        assert name in str(info.value) and reason in str(info.value)
        assert _state(sample_library) == before
    assert sorted(os.listdir(sample_library.figures_root)) == sorted(
        Path(d.figures_dir).name for d in sample_library.documents())


def test_a_manual_that_reads_past_its_time_budget_is_refused_whole(tmp_path, sample_library, embedder, monkeypatch):
    """FIELDKIT_INGEST_SECONDS bounds one manual's reading (checked at each OCR page and embedding
    batch): past it the file is refused by name and the library, figures included, is as it was."""
    from fieldkit.errors import BadInputError
    from fieldkit.ingest.pipeline import ingest_file

    changed = tmp_path / SAMPLE_PDF.name
    shutil.copy(SAMPLE_PDF, changed)
    with changed.open("ab") as fh:
        fh.write(b"\n% changed\n")
    before, folders = _state(sample_library), sorted(os.listdir(sample_library.figures_root))
    monkeypatch.setenv("FIELDKIT_INGEST_SECONDS", "1e-9")
    with pytest.raises(BadInputError) as info:
        ingest_file(sample_library, embedder, changed)
    assert SAMPLE_PDF.name in str(info.value) and "reading took over 1e-09 s" in str(info.value)
    assert _state(sample_library) == before and sorted(os.listdir(sample_library.figures_root)) == folders
    monkeypatch.setenv("FIELDKIT_INGEST_SECONDS", "600")
    assert ingest_file(sample_library, embedder, changed).status == "added"  # another file: its own key


def test_failure_inside_the_write_rolls_back(tmp_path, sample_library, embedder, monkeypatch):
    """An ingest interrupted while writing leaves the previous state and no stray figure files."""
    from fieldkit.ingest.pipeline import ingest_file

    changed = tmp_path / SAMPLE_PDF.name
    shutil.copy(SAMPLE_PDF, changed)
    with changed.open("ab") as fh:
        fh.write(b"\n% changed\n")
    before = _state(sample_library)
    folders = sorted(os.listdir(sample_library.figures_root))
    table = sample_library.db["figures"]

    def explode(*args, **kwargs):
        raise KeyboardInterrupt  # as if the technician pressed Ctrl-C mid-write

    monkeypatch.setattr(type(table), "insert_all", explode)
    with pytest.raises(KeyboardInterrupt):
        ingest_file(sample_library, embedder, changed)
    monkeypatch.undo()
    assert _state(sample_library) == before
    assert sorted(os.listdir(sample_library.figures_root)) == folders


def test_library_with_another_embedder_is_refused(embedder):
    from fieldkit.errors import LibraryError
    from fieldkit.library.catalog import Library

    _open(embedder).close()
    with pytest.raises(LibraryError, match="cannot be mixed"):
        Library.open("some-other-embedder", 768)


def test_faiss_index_follows_the_catalog(tmp_path, embedder):
    from fieldkit.ingest.pipeline import ingest_file

    library = _open(embedder)
    path = text_pdf(tmp_path / "a.pdf", [["VALVE MANUAL", "1. Close the bleed valve before start."]])
    ingest_file(library, embedder, path)
    index = library.vector_index()
    assert index.ntotal == library.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    files = list(library.root.glob("vectors-*.faiss"))
    assert len(files) == 1 and files[0].name == f"vectors-{library.generation()}.faiss"
    library.remove_document("a.pdf")
    assert library.vector_index().ntotal == 0
    assert [f.name for f in library.root.glob("vectors-*.faiss")] == [f"vectors-{library.generation()}.faiss"]


def test_pdf_tables_stay_whole_and_callouts_are_records(sample_library):
    doc = sample_library.document(SAMPLE_PDF.name)
    chunks = list(sample_library.db.query("SELECT * FROM chunks WHERE doc_id = ?", [doc.id]))
    (torque,) = [c for c in chunks if "Wheel lug nut" in c["text"]]
    assert torque["kind"] == "table" and torque["page_label"] == "3-1"
    rows = torque["text"].split("\n")
    assert "Fastener | Part number | Torque" in rows
    assert rows[rows.index("Fastener | Part number | Torque") + 3] == "Wheel lug nut | FK-LN-12 | 110 N·m (81 lb-ft)"
    (faults,) = [c for c in chunks if "E-204" in c["text"]]
    assert "E-101 | Low oil pressure | Check oil level; check sender FK-PS-31" in faults["text"].split("\n")
    callouts = list(sample_library.db.query("SELECT kind, text, page, section FROM callouts WHERE doc_id = ?", [doc.id]))
    assert [(c["kind"], c["page"]) for c in callouts] == [("WARNING", 2), ("CAUTION", 2), ("WARNING", 3), ("NOTE", 3),
                                                          ("CAUTION", 4)]
    caution = callouts[-1]
    assert caution["text"] == "CAUTION: Use a calibrated torque wrench. Do not lubricate threads unless the table says so."
    assert caution["section"].endswith("3-1. TORQUE VALUES")


def test_long_table_splits_into_row_groups_with_the_header(tmp_path):
    from fieldkit.ingest.chunking import chunk_pages
    from fieldkit.library.records import Block, Page

    rows = ["Part | Torque"] + [f"Bolt B-{n} with a long descriptive name here | {n} N·m" for n in range(60)]
    page = Page(1, None, "", (Block("heading", "TORQUES", 1, 2), Block("table", "\n".join(rows), 1)))
    chunks, _ = chunk_pages([page])
    assert len(chunks) > 1
    assert all(c.kind == "table" and c.text.split("\n")[0] == "Part | Torque" for c in chunks)
    assert sum(len(c.text.split("\n")) - 1 for c in chunks) == 60


def test_html_manual_keeps_structure_table_callout_and_figure(tmp_path, embedder):
    from PIL import Image

    from fieldkit.ingest.pipeline import ingest_file
    from fieldkit.library.catalog import Library

    Image.new("RGB", (200, 120), "white").save(tmp_path / "valve.png")
    (tmp_path / "valve.html").write_text("""<html><head><title>Valve manual</title>
      <script>alert('x')</script></head><body>
      <h1>VALVE MANUAL</h1><h2>5-1. BLEED VALVE</h2>
      <p><b>CAUTION:</b> Do not overtighten the bleed valve.</p>
      <ol><li>Open the bleed valve one turn.</li><li>Torque the valve to 8 N·m.</li></ol>
      <table><tr><th>Item</th><th>Torque</th></tr><tr><td>Bleed valve</td><td>8 N·m</td></tr>
             <tr><td>Cap</td><td>3 N·m</td></tr></table>
      <figure><img src="valve.png" alt="valve"><figcaption>Figure 5-1. Bleed valve</figcaption></figure>
      <img src="http://example.invalid/remote.png">
    </body></html>""")
    library = Library.open(embedder.id, embedder.dim)
    doc = ingest_file(library, embedder, tmp_path / "valve.html").document
    assert doc.format == "html" and doc.title == "Valve manual" and doc.figures == 1
    text = "\n".join(r["text"] for r in library.db.query("SELECT text FROM chunks"))
    assert "2. Torque the valve to 8 N·m." in text and "alert" not in text
    assert "Item | Torque\nBleed valve | 8 N·m\nCap | 3 N·m" in text
    (callout,) = library.db.query("SELECT kind, text, section FROM callouts")
    assert callout["kind"] == "CAUTION" and callout["section"].endswith("5-1. BLEED VALVE")
    (fig,) = library.db.query("SELECT label, caption FROM figures")
    assert fig == {"label": "Figure 5-1", "caption": "Figure 5-1. Bleed valve"}


def test_vector_figure_region_and_ata_task_headings(tmp_path, embedder):
    from fpdf import FPDF
    from pdfs import FONT
    from PIL import Image

    from fieldkit.ingest.pipeline import ingest_file
    from fieldkit.library.catalog import Library

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=11)
    for line in ["32-41-00 MAIN LANDING GEAR WHEEL", "TASK 32-41-00-400-801 Install the main wheel",
                 "1. Install the wheel on the axle as shown in Figure 3-1.", "2. Torque the axle nut to 150 N·m."]:
        pdf.multi_cell(0, 7, line)
        pdf.ln(3)
    pdf.set_line_width(0.8)
    pdf.ellipse(60, 90, 80, 80)  # the wheel, drawn with vector paths
    pdf.rect(95, 125, 10, 10)
    pdf.line(100, 130, 170, 130)
    pdf.set_y(178)
    pdf.multi_cell(0, 7, "Figure 3-1. Main wheel installation", align="C")
    path = tmp_path / "wheel.pdf"
    pdf.output(str(path))

    library = Library.open(embedder.id, embedder.dim)
    doc = ingest_file(library, embedder, path).document
    (fig,) = library.db.query("SELECT * FROM figures WHERE doc_id = ?", [doc.id])
    assert fig["label"] == "Figure 3-1" and fig["caption"] == "Figure 3-1. Main wheel installation"
    with Image.open(library.root / fig["image_path"]) as img:
        full_page = (595 * 1.5, 842 * 1.5)
        assert img.width < 0.6 * full_page[0] and img.height < 0.4 * full_page[1], "the drawing's region, not the page"
    outline = [(o["level"], o["heading"]) for o in library.outline(doc.name)]
    assert outline == [(1, "32-41-00 MAIN LANDING GEAR WHEEL"), (2, "TASK 32-41-00-400-801 Install the main wheel")]
    (step,) = [r for r in library.db.query("SELECT section, text FROM chunks") if "150 N·m" in r["text"]]
    assert step["section"].endswith("TASK 32-41-00-400-801 Install the main wheel")
