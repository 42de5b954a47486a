"""OCR speed and quality, the settings before this change ("old") against the production ones ("new").

    python scripts/bench_ocr.py [--runs 3] [--all-scanned] [--json]
    python scripts/bench_ocr.py --threads 2 [--runs 3]   # a scanned manual, its pages on 1 vs 2 threads

- Speed: scanned pages of ../shared/manuals (AC 43-2B, the scanned appendix of AC 43-18, image-only
  pages of the UH-1 manual) rendered and OCRed, old and new alternating page by page in the same run;
  pages/s (wall clock and per CPU second) of each run, the median over ``--runs`` and the ratio.
- Quality: the character error rate (CER) of OCR on text-layer pages (rendered to images) against the
  page's own text layer, whitespace collapsed, as raw OCR lines and as the page text ingest keeps
  (``repair_glued_words``); and the ``expect`` strings of the dev questions whose gold page is OCRed.

"old" is the engine as it was: RapidOCR(det_use_dilation=False, det_limit_side_len=1400) with the angle
classifier and 48 px recognition in batches of 6; "new" is ``fieldkit.ingest.ocr.ocr_page``.

Measured 2026-11-30 on the shared 2-core machine (load about 1-2 while timing): 4 scanned pages, 3 runs,
old 0.107 pages/s, new 0.255 pages/s (wall, medians; 2.38x); per CPU second 0.056 vs 0.254 (4.57x).
CER on 11 text-layer pages (AC 43-214A p5, 11, 13, 16, 20; AC 43.9-1F p2-7): old 0.083, new 0.037 as
kept text (raw lines 0.123 vs 0.037), lower on every page. dev-33/dev-34 expect strings: found by both.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
MANUALS, EXTRA = SHARED / "manuals", SHARED / "manuals-extra"
UH1 = "UH-1, EH-1 HELICOPTER MAINTENANCE TEST FLIGHT MANUAL.pdf"
SCANNED = [("AC-43-2B.pdf", 3), ("AC-43-18_Chg_1-2.pdf", 15), (UH1, 11), (UH1, 177)]
# prose pages (a form page such as AC 43.9-1F p9 has almost no text layer to compare with)
CER_PAGES = [(MANUALS / "AC-43-214A.pdf", p) for p in (5, 11, 13, 16, 20)] + [
    (EXTRA / "AC-43.9-1F.pdf", p) for p in (2, 3, 4, 5, 6, 7)]
OLD_OPTIONS = {"det_use_dilation": False, "det_limit_side_len": 1400}


class Old:
    """The OCR engine and page path as they were before this change."""

    engine = None

    @classmethod
    def page_lines(cls, page) -> list[str]:
        import numpy as np
        from rapidocr_onnxruntime import RapidOCR

        from fieldkit.models.ocr import TextBox, rows

        if cls.engine is None:
            cls.engine = RapidOCR(**OLD_OPTIONS)
        result, _ = cls.engine(np.asarray(page.render(scale=2.0).to_pil().convert("RGB")))
        boxes = []
        for box, text, score in result or []:
            xs, ys = [p[0] for p in box], [p[1] for p in box]
            boxes.append(TextBox(text, float(score), min(xs), min(ys), max(xs), max(ys)))
        return [" ".join(b.text for b in row) for row in rows(boxes)]


def new_page_lines(page) -> list[str]:
    from fieldkit.ingest.ocr import ocr_page

    return ocr_page(page)


VARIANTS = {"old": Old.page_lines, "new": new_page_lines}


def kept_text(lines: list[str]) -> str:
    """The page text ingest keeps from OCR lines (as ``pdf._page_text`` does)."""
    from fieldkit.ingest import textlayer
    from fieldkit.ingest.structure import clean_text

    return textlayer.repair_glued_words(clean_text("\n".join(lines)))


def ocr_timed(variant: str, path: Path, number: int) -> tuple[list[str], float, float]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[number - 1]
        wall, cpu = time.perf_counter(), time.process_time()
        lines = VARIANTS[variant](page)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        page.close()
        return lines, wall, cpu
    finally:
        pdf.close()


def speed(runs: int, pages: list[tuple[Path, int]], texts: dict) -> dict:
    per_run = {v: [] for v in VARIANTS}
    for run in range(runs):
        totals = {v: [0.0, 0.0] for v in VARIANTS}
        order = list(VARIANTS) if run % 2 == 0 else list(VARIANTS)[::-1]
        for path, number in pages:
            for variant in order:
                lines, wall, cpu = ocr_timed(variant, path, number)
                totals[variant][0] += wall
                totals[variant][1] += cpu
                texts[(variant, path.name, number)] = kept_text(lines)
        for variant, (wall, cpu) in totals.items():
            per_run[variant].append({"pages_per_s": len(pages) / wall, "pages_per_cpu_s": len(pages) / cpu})
        print(f"run {run + 1}: " + ", ".join(f"{v} {len(pages) / t[0]:.3f} pages/s ({len(pages) / t[1]:.3f} per CPU s)"
                                             for v, t in totals.items()),
              file=sys.stderr, flush=True)
    out = {}
    for variant, rows in per_run.items():
        out[variant] = {key: {"median": round(statistics.median(r[key] for r in rows), 4),
                              "runs": [round(r[key], 4) for r in rows]} for key in rows[0]}
    out["ratio_new_over_old"] = {key: round(out["new"][key]["median"] / out["old"][key]["median"], 2)
                                 for key in ("pages_per_s", "pages_per_cpu_s")}
    return out


def quality(pages: list[tuple[Path, int]]) -> dict:
    import pypdfium2 as pdfium

    from fieldkit.ingest.ocr import char_error_rate

    rows = []
    for path, number in pages:
        pdf = pdfium.PdfDocument(str(path))
        textpage = pdf[number - 1].get_textpage()
        reference = textpage.get_text_range()
        textpage.close()
        pdf.close()
        row = {"page": f"{path.name} p{number}"}
        for variant in VARIANTS:
            lines, _, _ = ocr_timed(variant, path, number)
            row[f"{variant}_raw"] = round(char_error_rate("\n".join(lines), reference), 4)
            row[variant] = round(char_error_rate(kept_text(lines), reference), 4)
        rows.append(row)
        print(f"CER {row}", file=sys.stderr, flush=True)
    summary = {key: round(statistics.mean(r[key] for r in rows), 4) for key in rows[0] if key != "page"}
    return {"pages": len(rows), "mean": summary, "per_page": rows}


def ocr_pages_of(path: Path) -> set[int]:
    """1-based pages of a PDF that ingest OCRs (the layer test ``pdf._page_text`` applies)."""
    import pypdfium2 as pdfium

    from fieldkit.ingest import textlayer
    from fieldkit.ingest.structure import clean_text

    pdf = pdfium.PdfDocument(str(path))
    found = set()
    for index in range(len(pdf)):
        page = pdf[index]
        textpage = page.get_textpage()
        text = clean_text(textpage.get_text_range())
        textpage.close()
        if textlayer.needs_ocr(textlayer.page_profile(page, text), textlayer.quality(text)):
            found.add(index + 1)
        page.close()
    pdf.close()
    return found


def dev_check(texts: dict) -> list[dict]:
    """The dev questions whose gold page is an OCR page: are their expect strings in the OCR text?"""
    questions = [json.loads(line) for line in (SHARED / "eval" / "dev.jsonl").read_text().splitlines() if line]
    scanned: dict[str, set[int]] = {}
    out = []
    for q in questions:
        if not q["gold_pages"]:
            continue
        if q["doc"] not in scanned:
            scanned[q["doc"]] = ocr_pages_of(MANUALS / q["doc"])
        for number in sorted(set(q["gold_pages"]) & scanned[q["doc"]]):
            row = {"id": q["id"], "page": f"{q['doc']} p{number}"}
            for variant in VARIANTS:
                key = (variant, q["doc"], number)
                if key not in texts:
                    texts[key] = kept_text(ocr_timed(variant, MANUALS / q["doc"], number)[0])
                text = " ".join(texts[key].split())
                row[variant] = all(" ".join(e.split()) in text for e in q["expect"])
            out.append(row)
    return out


def manual_threads(runs: int, threads: int) -> dict:
    """Pages/s of ingest's reading of AC 43-2B (six scanned pages: render, OCR, text-quality choice)
    with its pages OCRed on one thread and on ``threads`` (FIELDKIT_OCR_THREADS), alternating."""
    import os
    import tempfile

    from fieldkit.ingest.ocr import ENV_THREADS
    from fieldkit.ingest.pdf import extract_pdf

    path = MANUALS / "AC-43-2B.pdf"
    times: dict[int, list[float]] = {1: [], threads: []}
    texts: dict[int, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            for n in (1, threads) if run % 2 == 0 else (threads, 1):
                os.environ[ENV_THREADS] = str(n)
                start = time.perf_counter()
                pages = extract_pdf(path, Path(tmp) / f"{run}-{n}")[0]
                times[n].append(time.perf_counter() - start)
                texts[n] = [p.text for p in pages]
    ocred = sum(p.ocr for p in pages)
    rate = {n: round(ocred / statistics.median(t), 3) for n, t in times.items()}
    return {"manual": path.name, "ocr_pages": ocred, "runs": runs, "pages_per_s_median": rate,
            "ratio": round(rate[threads] / rate[1], 2), "same_text": texts[1] == texts[threads]}


def all_scanned() -> list[tuple[Path, int]]:
    return [(MANUALS / name, n) for name in ("AC-43-2B.pdf", "AC-43-18_Chg_1-2.pdf", UH1)
            for n in sorted(ocr_pages_of(MANUALS / name))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--all-scanned", action="store_true", help="time all 23 OCR pages, not 4")
    parser.add_argument("--skip-cer", action="store_true", help="speed and dev expect strings only")
    parser.add_argument("--json", action="store_true", help="print JSON only")
    parser.add_argument("--threads", type=int, help="only: a scanned manual read by extract_pdf with its pages "
                        "OCRed on 1 thread against this many (alternating, --runs times)")
    args = parser.parse_args()
    if not MANUALS.exists():
        print(f"needs {MANUALS}", file=sys.stderr)
        return 2
    pages = all_scanned() if args.all_scanned else [(MANUALS / name, n) for name, n in SCANNED]
    from fieldkit.models.ocr import OCR

    with OCR.engine("page"), OCR.engine():  # load the models before timing: a run measures OCR, not loading
        pass
    if args.threads:
        report = {"manual_threads": manual_threads(args.runs, args.threads)}
        print(json.dumps(report, indent=1))
        return 0
    if Old.engine is None:
        from rapidocr_onnxruntime import RapidOCR

        Old.engine = RapidOCR(**OLD_OPTIONS)
    texts: dict = {}
    report = {"scanned_pages": [f"{p.name} p{n}" for p, n in pages], "runs": args.runs,
              "speed": speed(args.runs, pages, texts)}
    report["dev_ocr_expect"] = dev_check(texts)
    if not args.skip_cer:
        report["cer"] = quality(CER_PAGES)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    s = report["speed"]
    print(json.dumps(report, indent=1))
    print(f"\n| | old | new | new/old |\n|---|---|---|---|")
    for key in ("pages_per_s", "pages_per_cpu_s"):
        print(f"| {key} (median of {args.runs}) | {s['old'][key]['median']} | {s['new'][key]['median']} "
              f"| {s['ratio_new_over_old'][key]} |")
    if "cer" in report:
        m = report["cer"]["mean"]
        print(f"| CER kept text ({report['cer']['pages']} pages) | {m['old']} | {m['new']} | |")
        print(f"| CER raw OCR lines | {m['old_raw']} | {m['new_raw']} | |")
    for row in report["dev_ocr_expect"]:
        print(f"| {row['id']} expect found ({row['page']}) | {row['old']} | {row['new']} | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
