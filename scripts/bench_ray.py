"""`fieldkit pack build` locally and with `--ray local`: build time (median of runs) and whether the packs are equal.

    python scripts/bench_ray.py [--runs 3] [--shared 3] [--json out.json]

Sets: the repo's manuals/ (a PDF with figures and a Markdown linking images) and, when ../shared/manuals
is there, its ``--shared`` shortest PDFs (fewest pages) copied to a temporary folder. For each set:
  local      build_pack without Ray (this process, the embedder loaded once beforehand),
  ray-cold   build_pack(ray_address="local") as `fieldkit pack build --ray local` runs it: starts a
             private Ray, its actors load the models, stops Ray again,
  ray-warm   the same against a Ray already running (started once, outside the timing; new actors
             per build still load their models).
Equal: the verified packs hold the same manuals (manifest), documents, chunk texts/pages/sections in
order, figure captions and file bytes, and vectors within 1e-5 (the largest difference is printed).
Needs the cluster extra (pip install -e '.[cluster]'). Timings on a shared machine vary; look at the
spread as well as the median.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "manuals"


def contents(pack: Path, public_key: Path, staging: Path, embedder) -> dict:
    from fieldkit.library.catalog import Library
    from fieldkit.library.packs import verify_pack

    manifest = verify_pack(pack, public_key, staging)
    library = Library.open(embedder.id, embedder.dim, root=staging / "library", read_only=True)
    try:
        docs = {d.id: d for d in library.documents()}
        chunks = list(library.db.query("SELECT * FROM chunks ORDER BY id"))
        figures = [(docs[f["doc_id"]].name, f["page"], f["label"], f["caption"],
                    Path(f["image_path"]).relative_to(docs[f["doc_id"]].figures_dir).as_posix(),
                    hashlib.sha256((library.root / f["image_path"]).read_bytes()).hexdigest(),
                    hashlib.sha256((library.root / f["thumb_path"]).read_bytes()).hexdigest())
                   for f in library.db.query("SELECT * FROM figures ORDER BY doc_id, page, label")]
        return {
            "manuals": manifest["manuals"],
            "documents": [(d.name, d.sha256, d.title, d.pages, d.chunks, d.figures, d.ocr_pages, d.revision)
                          for d in docs.values()],
            "chunks": [(c["id"], c["doc_id"], c["ordinal"], c["page"], c["page_end"], c["page_label"], c["section"],
                        c["kind"], c["text"]) for c in chunks],
            "vectors": np.stack([np.frombuffer(c["embedding"], dtype=np.float32) for c in chunks]),
            "figures": figures,
        }
    finally:
        library.close()


def compare(a: dict, b: dict) -> dict:
    same = {k: a[k] == b[k] for k in ("manuals", "documents", "chunks", "figures")}
    diff = float(np.abs(a["vectors"] - b["vectors"]).max()) if a["vectors"].shape == b["vectors"].shape else None
    same["vectors"] = diff is not None and diff <= 1e-5
    return {"equal": all(same.values()), "parts": same, "max_vector_diff": diff, "chunks": len(a["chunks"]),
            "figures": len(a["figures"]), "ocr_pages": sum(d[6] for d in a["documents"])}


def bench_set(name: str, folder: Path, runs: int, embedder, work: Path) -> dict:
    from fieldkit.ingest.pack_build import build_pack
    from fieldkit.ingest.ray_stage import start_ray
    from fieldkit.library.packs import generate_key

    key = work / "bench.key"
    if not key.exists():
        generate_key(key)
    times: dict[str, list[float]] = {"local": [], "ray-cold": [], "ray-warm": []}

    def timed(mode: str, run: int) -> Path:
        out = work / f"{name}-{mode}-{run}.fkpack"
        start = time.perf_counter()
        build_pack(folder, out, name, "1", key, embedder, ray_address=None if mode == "local" else "local")
        times[mode].append(time.perf_counter() - start)
        print(f"  {name} {mode} run {run + 1}: {times[mode][-1]:.1f} s", file=sys.stderr, flush=True)
        return out

    packs = {}
    for run in range(runs):
        packs.setdefault("local", timed("local", run))
        packs.setdefault("ray-cold", timed("ray-cold", run))
    ray, _ = start_ray("local")
    try:
        for run in range(runs):
            packs.setdefault("ray-warm", timed("ray-warm", run))
    finally:
        ray.shutdown()
    public = key.with_name(key.name + ".pub")
    reference = contents(packs["local"], public, work / f"{name}-a", embedder)
    equality = {mode: compare(reference, contents(packs[mode], public, work / f"{name}-{mode}", embedder))
                for mode in ("ray-cold", "ray-warm")}
    return {"set": name, "files": sorted(p.name for p in folder.rglob("*") if p.is_file()),
            "runs": runs, "seconds": {m: [round(t, 2) for t in ts] for m, ts in times.items()},
            "median_s": {m: round(statistics.median(ts), 2) for m, ts in times.items()}, "equality": equality}


def page_count(pdf: Path) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--shared", type=int, default=3, help="how many of ../shared/manuals' shortest PDFs (0: none)")
    parser.add_argument("--only", choices=["sample", "shared"])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    from fieldkit.models.embedder import Embedder

    embedder = Embedder()
    results = []
    with tempfile.TemporaryDirectory(prefix="fieldkit-bench-ray-") as tmp:
        work = Path(tmp)
        sets = []
        if args.only in (None, "sample"):
            shutil.copytree(ROOT / "manuals", work / "sample")
            sets.append(("sample", work / "sample"))
        if args.only in (None, "shared") and args.shared and SHARED.is_dir():
            (work / "shared").mkdir()
            for pdf in sorted(SHARED.glob("*.pdf"), key=page_count)[: args.shared]:
                shutil.copy(pdf, work / "shared")
            sets.append(("shared", work / "shared"))
        for name, folder in sets:
            results.append(bench_set(name, folder, args.runs, embedder, work))
    report = {"cpus": os.cpu_count(), "load_average": os.getloadavg(), "results": results}
    for r in results:
        print(f"{r['set']}: {', '.join(r['files'])}")
        for mode, median in r["median_s"].items():
            print(f"  {mode:9s} median {median:6.1f} s  runs {r['seconds'][mode]}")
        for mode, eq in r["equality"].items():
            print(f"  {mode} pack equal to local: {eq['equal']} (max vector diff {eq['max_vector_diff']}, "
                  f"{eq['chunks']} chunks, {eq['figures']} figures, {eq['ocr_pages']} OCR pages)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
