"""Broken text layers: scans are OCRed (real rapidocr), one-word-per-line layers rejoined by layout."""

from pdfs import scanned_pdf, text_pdf, word_per_line_pdf

SCAN_LINES = [
    "CHAPTER 7. HYDRAULIC PUMP",
    "7-1. PUMP REPLACEMENT",
    "WARNING: Release system pressure before you open any line.",
    "a. Torque the pump mounting bolts to 42 inch-pounds.",
    "b. Bleed the pump case drain for 30 seconds.",
]


def test_scanned_page_is_ocred_and_searchable(tmp_path, embedder):
    from fieldkit.answering.retrieve import Retriever
    from fieldkit.ingest.pipeline import ingest_file
    from fieldkit.library.catalog import Library

    path = scanned_pdf(tmp_path / "scan.pdf", SCAN_LINES)
    library = Library.open(embedder.id, embedder.dim)
    stages = []
    result = ingest_file(library, embedder, path, progress=lambda name, stage, done, total: stages.append(stage))
    assert result.document.ocr_pages == 1 and "ocr" in stages
    page = next(library.db.query("SELECT text, ocr FROM pages"))
    assert page["ocr"] == 1
    text = " ".join(page["text"].split())
    assert "42 inch-pounds" in text.replace("inch- pounds", "inch-pounds")
    assert "Release system pressure" in text
    top = Retriever(library, embedder).search("pump mounting bolt torque", k=1).passages[0]
    assert "42" in top.text and top.page == 1
    (callout,) = library.db.query("SELECT kind, text, page, section FROM callouts")
    assert callout["kind"] == "WARNING" and "Release system pressure" in callout["text"]
    assert callout["section"].endswith("PUMP REPLACEMENT")


def test_pages_of_a_scan_are_ocred_on_threads_with_the_text_of_one_thread(tmp_path, monkeypatch):
    from fieldkit.ingest.ocr import ENV_THREADS
    from fieldkit.ingest.pdf import extract_pdf
    from fieldkit.models.ocr import OCR

    pages = [[f"{n}-{i}. Torque the pump bolt number {n}{i} to {10 * n + i} inch-pounds." for i in range(1, 6)]
             for n in range(1, 6)]
    path = scanned_pdf(tmp_path / "scan.pdf", *pages)
    stages = []

    def read(threads: int):
        monkeypatch.setenv(ENV_THREADS, str(threads))
        return extract_pdf(path, tmp_path / f"figures-{threads}", progress=lambda *a: stages.append(a))[0]

    one, three = read(1), read(3)
    assert [p.text for p in three] == [p.text for p in one] and all(p.ocr for p in three)
    assert "34 inch-pounds" in " ".join(three[2].text.split())
    # Each page told before and after its OCR, the last when all are read; three engines read at once.
    told = [done for _, done, _ in stages[len(stages) // 2:]]
    assert sorted(told) == sorted([*range(5), *range(1, 6)]) and told[-1] == 5
    assert len(OCR._free["page"]) >= 3


def test_good_text_layer_is_not_ocred(tmp_path, embedder):
    from fieldkit.ingest.pipeline import ingest_file
    from fieldkit.library.catalog import Library

    path = text_pdf(tmp_path / "clean.pdf", [SCAN_LINES])
    library = Library.open(embedder.id, embedder.dim)
    stages = []
    result = ingest_file(library, embedder, path, progress=lambda name, stage, done, total: stages.append(stage))
    assert result.document.ocr_pages == 0 and "ocr" not in stages


def test_one_word_per_line_layer_is_rejoined_by_layout(tmp_path):
    import pypdfium2 as pdfium

    from fieldkit.ingest.pdf import extract_pdf
    from fieldkit.ingest.structure import clean_text
    from fieldkit.ingest.textlayer import words_per_line

    lines = [f"Step {n}. Check the tail rotor gearbox oil level and the chip detector light." for n in range(1, 26)]
    path = word_per_line_pdf(tmp_path / "wpl.pdf", lines)
    raw = clean_text(pdfium.PdfDocument(str(path))[0].get_textpage().get_text_range())
    assert words_per_line(raw) <= 1.5, "the fixture really extracts one word per line"
    pages, _, _ = extract_pdf(path, tmp_path / "figs")
    assert "Step 7. Check the tail rotor gearbox oil level and the chip detector light." in pages[0].text
    assert not pages[0].ocr


def test_quality_measure_separates_garbage_from_text():
    from fieldkit.ingest.textlayer import quality, repair_glued_words, split_glued

    good = "The barometer should be installed where the temperature is controlled within ten degrees."
    garbage = "M&e corrections for significant differences in height between the barmeter keservoir " \
              "and the vacuum &miber intich wsts are conducted temperatureTLuctuatmns"
    assert quality(good) > 0.9 and quality(good) - quality(garbage) > 0.2
    assert quality("维修记录至少保存2年，航线维修的记录保存30天。") == 1.0
    assert split_glued("contactingtheregionalCoastandGeodeticSurvey") == "contacting the regional Coast and Geodetic Survey"
    assert split_glued("calibration") is None
    assert split_glued("micronsorlessaresatisfactory") == "microns or less are satisfactory"
    assert repair_glued_words("Pressures of 15micronsorlessaresatisfactory at 10F, MS20995C32") == \
        "Pressures of 15 microns or less are satisfactory at 10F, MS20995C32"
