"""A fleet's whole library: fieldkit at N chunks (10^4, 10^5) built from real manual text.

    python scripts/bench_scale.py --scale 100000 [--runs 5] [--keep DIR]

The library is written through the catalog's real write API (``Library.replace_document``, synthetic
manuals of 1000 chunks each) and searched, opened and asked through fieldkit's real code and CLI.

How it is built (said again in the output): chunk texts come from the real manuals (../shared/manuals
and manuals-extra, text layer only, chunked by fieldkit's chunker; the repo's sample manual when
../shared is absent). A few thousand of them ("seeds") are embedded with the real embedder and cached;
every further chunk is a variant of a seed (its sentences with one sentence of another seed spliced in
and its numbers changed) whose vector is the seed's and the donor's vectors mixed, plus a random
direction of the seeds' own space, renormalized: embedding 10^5 texts for real takes an hour.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CACHE = Path(os.environ.get("FIELDKIT_SCALE_CACHE", Path(tempfile.gettempdir()) / "fieldkit-scale-seed"))
SEEDS = 2500  # real chunks embedded with the real embedder
HELD_OUT = 150  # real chunks kept out of the library, their texts used as queries
PER_DOC = 1000
TARGETS = {"search_ms_p95": 50, "search_process_s": 1.0, "ask_peak_rss_mb": 600, "open_s": 0.5}
QUESTIONS = ["What torque for the oil drain plug?", "What does fault code E-204 mean?",
             "How much oil goes in at a filter change?", "What is the output voltage limit at no load?"]


def pct(values, q):
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


# -- seeds: real chunks, really embedded -------------------------------------------------------------


def real_chunks() -> tuple[list[dict], str]:
    """Every chunk of the real manuals (text layer, fieldkit's chunker), and where they came from."""
    from fieldkit.ingest.chunking import chunk_pages
    from fieldkit.ingest.markdown import extract_markdown
    from fieldkit.ingest.pdf import extract_pdf

    pdfs = sorted((SHARED / "manuals").glob("*.pdf")) + sorted((SHARED / "manuals-extra").glob("*.pdf"))
    source = "../shared/manuals + manuals-extra" if pdfs else "the repo's sample manual"
    out = []
    with tempfile.TemporaryDirectory() as figs:
        for path in pdfs or [ROOT / "manuals" / "fk200-gpu-maintenance.pdf"]:
            pages = extract_pdf(path, Path(figs), ocr=False)[0]
            out += [{"doc": path.stem, "section": c.section, "kind": c.kind, "text": c.text}
                    for c in chunk_pages(pages)[0] if len(c.text.split()) >= 8]
        if not pdfs:
            pages = extract_markdown(ROOT / "manuals" / "fk200-gpu-maintenance.md", Path(figs))[0]
            out += [{"doc": "fk200", "section": c.section, "kind": c.kind, "text": c.text}
                    for c in chunk_pages(pages)[0]]
    return out, source


def seeds(embedder) -> dict:
    """Seed chunks and held-out query chunks with their real embeddings (cached in CACHE)."""
    meta, vecs = CACHE / "seeds.json", CACHE / "seeds.npy"
    if meta.is_file() and vecs.is_file():
        data = json.loads(meta.read_text())
        if data.get("embedder") == embedder.id:
            data["vectors"] = np.load(vecs)
            return data
    chunks, source = real_chunks()
    rng = random.Random(7)
    rng.shuffle(chunks)
    chosen = chunks[: SEEDS + HELD_OUT]
    start = time.perf_counter()
    vectors = embedder.embed([c["text"] for c in chosen])
    seconds = time.perf_counter() - start
    data = {"embedder": embedder.id, "source": source, "real_chunks": len(chunks), "chunks": chosen,
            "embed_seconds": round(seconds, 1), "held_out": HELD_OUT}
    CACHE.mkdir(parents=True, exist_ok=True)
    meta.write_text(json.dumps(data))
    np.save(vecs, vectors)
    data["vectors"] = vectors
    return data


def dev_questions() -> list[str]:
    path = SHARED / "eval" / "dev.jsonl"
    if not path.is_file():
        return QUESTIONS
    return [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()]


# -- the library: real chunks, then variants of them ---------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?;:])\s+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _renumber(text: str, rng: random.Random) -> str:
    """The same text with its numbers changed (by a few units; decimals kept): torques, limits, steps."""
    def sub(m):
        whole, _, frac = m[0].partition(".")
        value = max(0, int(whole) + rng.choice([-3, -2, -1, 1, 2, 5, 10]))
        return str(value) + ("." + "".join(rng.choice("0123456789") for _ in frac) if frac else "")
    return _NUMBER.sub(sub, text)


def variant(text: str, donor: str, rng: random.Random) -> str:
    """``text`` with one sentence of ``donor`` spliced in (a sentence dropped when it has several) and
    its numbers changed."""
    sentences, spliced = _SENTENCE.split(text), rng.choice(_SENTENCE.split(donor))
    if len(sentences) > 2:
        sentences.pop(rng.randrange(len(sentences)))
    sentences.insert(rng.randrange(len(sentences) + 1), spliced)
    return _renumber(" ".join(sentences), rng)


def variant_vectors(seed_vecs: np.ndarray, picks: np.ndarray, donors: np.ndarray, rng: np.random.Generator
                    ) -> np.ndarray:
    """Vectors of variants: 0.8 seed + 0.2 donor + 0.25 of a random direction between two other seeds
    (a direction of the real embeddings' own space, not isotropic noise), renormalized."""
    a, b = rng.integers(0, len(seed_vecs), (2, len(picks)))
    direction = seed_vecs[a] - seed_vecs[b]
    direction /= np.clip(np.linalg.norm(direction, axis=1, keepdims=True), 1e-6, None)
    out = 0.8 * seed_vecs[picks] + 0.2 * seed_vecs[donors] + 0.25 * direction
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def build_library(library, data: dict, n_chunks: int) -> dict:
    """``n_chunks`` chunks in manuals of PER_DOC, through Library.replace_document: the real seed chunks
    first, verbatim, then variants. Returns timings."""
    from fieldkit.library.records import Chunk, Page

    held = data["held_out"]
    seed_chunks, seed_vecs = data["chunks"][held:], data["vectors"][held:]
    rng, nrng = random.Random(11), np.random.default_rng(11)
    insert_seconds, made = 0.0, 0
    for number in range((n_chunks + PER_DOC - 1) // PER_DOC):
        count = min(PER_DOC, n_chunks - made)
        first = made
        picks = np.array([(first + i) % len(seed_chunks) for i in range(count)])
        donors = nrng.integers(0, len(seed_chunks), count)
        texts = [seed_chunks[p]["text"] if first + i < len(seed_chunks) else
                 variant(seed_chunks[p]["text"], seed_chunks[d]["text"], rng)
                 for i, (p, d) in enumerate(zip(picks, donors))]
        vectors = variant_vectors(seed_vecs, picks, donors, nrng)
        verbatim = np.arange(first, first + count) < len(seed_chunks)
        vectors[verbatim] = seed_vecs[picks[verbatim]]
        chunks = [Chunk(i, i // 4 + 1, i // 4 + 1, f"{number + 1}-{i // 4 + 1}", seed_chunks[p]["section"],
                        seed_chunks[p]["kind"], text) for i, (p, text) in enumerate(zip(picks, texts))]
        pages = [Page(n + 1, f"{number + 1}-{n + 1}", "\n\n".join(texts[n * 4:(n + 1) * 4]), ())
                 for n in range((count + 3) // 4)]
        body = "".join(texts).encode()
        start = time.perf_counter()
        library.replace_document(
            name=f"fleet-{number + 1:04d}.pdf", path=f"/fleet/fleet-{number + 1:04d}.pdf",
            sha256=hashlib.sha256(body).hexdigest(), size=len(body), fmt="pdf",
            title=f"Fleet manual {number + 1:04d} ({seed_chunks[picks[0]]['doc']})", revision=None, meta={},
            pages=pages, chunks=chunks, embeddings=vectors, figures=[])
        insert_seconds += time.perf_counter() - start
        made += count
    return {"insert_seconds": round(insert_seconds, 1), "chunks_per_s": round(made / insert_seconds),
            "documents": number + 1}


# -- measurements --------------------------------------------------------------------------------------


def disk_mb(root: Path) -> dict:
    sizes = {p.name: p.stat().st_size for p in root.iterdir() if p.is_file()}
    faiss_files = {k: v for k, v in sizes.items() if k.endswith(".faiss")}
    return {"library_mb": round(sum(sizes.values()) / 2**20, 1),
            "catalog_mb": round(sum(v for k, v in sizes.items() if k.startswith("catalog.db")) / 2**20, 1),
            "faiss_mb": round(sum(faiss_files.values()) / 2**20, 1)}


def compare(index, queries: np.ndarray) -> dict:
    """The approximate kind against exact over the library's own vectors (read back from its index):
    build time, recall@10 and @60 (retrieval's pool) of the approximate against exact, ms a query
    (one thread), on ``queries``."""
    import faiss

    from fieldkit.library.vectors import build_index

    ids = faiss.vector_to_array(index.id_map)
    vectors = faiss.downcast_index(index.index).reconstruct_n(0, index.ntotal)
    built, out = {}, {}
    for kind in ("flat", "ivf-flat"):
        start = time.perf_counter()
        built[kind] = build_index(vectors, ids, vectors.shape[1], kind=kind)
        out[f"{kind}_build_s"] = round(time.perf_counter() - start, 2)
    faiss.omp_set_num_threads(1)
    found = {}
    for kind, idx in built.items():
        times = []
        for _ in range(3):
            start = time.perf_counter()
            found[kind] = [idx.search(q.reshape(1, -1), 60)[1][0] for q in queries]
            times.append((time.perf_counter() - start) * 1000 / len(queries))
        out[f"{kind}_ms_per_query"] = round(statistics.median(times), 2)
    for k in (10, 60):
        out[f"ivf_recall_at_{k}_vs_exact"] = round(statistics.mean(
            len(set(a[:k]) & set(e[:k])) / k for a, e in zip(found["ivf-flat"], found["flat"])), 4)
    return out


def timed_process(argv: list[str], env: dict) -> tuple[float, int, str]:
    """(wall seconds, peak RSS MB, stdout) of a process. The peak is /usr/bin/time's (the child of a
    small process): wait4's ru_maxrss of a child forked from this large process counts the pages it
    shared with it before exec (it read 1160 MB for a 386 MB `fieldkit search`)."""
    timer = Path("/usr/bin/time")
    with tempfile.TemporaryFile() as out, tempfile.NamedTemporaryFile("r") as peak:
        wrapped = [str(timer), "-f", "%M", "-o", peak.name, *argv] if timer.exists() else argv
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, stdout=out, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
        kb = int(peak.read().split()[-1]) if timer.exists() else usage.ru_maxrss
    if code:
        raise RuntimeError(f"{' '.join(argv[:4])}... exited {code}: {text[-500:]}")
    return seconds, kb // 1024, text


def run(n_chunks: int, runs: int = 5, keep: Path | None = None) -> dict:
    """Build a library of ``n_chunks`` chunks and measure it; the report as a dict."""
    tmp = None if keep else Path(tempfile.mkdtemp(prefix="fieldkit-scale-"))
    home = keep or tmp / "home"
    env = {**os.environ, "FIELDKIT_HOME": str(home)}
    os.environ["FIELDKIT_HOME"] = str(home)
    from fieldkit.answering.engine import Engine
    from fieldkit.library.catalog import Library
    from fieldkit.library.vectors import approx_from, index_kind, nlist_for, nprobe_for
    from fieldkit.models.embedder import Embedder

    embedder = Embedder()
    data = seeds(embedder)
    root = home / "library"
    report = {"chunks": n_chunks, "runs": runs, "built_from": (
        f"{len(data['chunks']) - data['held_out']} real chunks of {data['source']} ({data['real_chunks']} in all, "
        f"text layer, fieldkit's chunker) embedded with the real embedder ({data['embed_seconds']} s, cached in "
        f"{CACHE}); the rest variants: a seed's sentences with a sentence of another spliced in and numbers "
        "changed, vector = 0.8 seed + 0.2 donor + 0.25 direction between two other seeds, renormalized; written "
        f"through Library.replace_document in manuals of {PER_DOC} chunks")}
    if not (root / "catalog.db").is_file():
        library = Library.open(embedder.id, embedder.dim, root=root)
        report.update(build_library(library, data, n_chunks))
        library.close()
    library = Library.open(embedder.id, embedder.dim, root=root)
    start = time.perf_counter()
    index = library.vector_index()  # built from the catalog (first search after an ingest) and cached
    report["index_build_and_write_s"] = round(time.perf_counter() - start, 2)
    report["index_build_s"] = round(library._vectors.build_seconds or 0, 2)
    report["index_kind"] = index_kind(index)
    report["approx_from"] = approx_from()
    if report["index_kind"] != "flat":
        report["ivf"] = {"nlist": nlist_for(index.ntotal), "nprobe": nprobe_for(nlist_for(index.ntotal))}
    report.update(disk_mb(root))
    library.close()

    opens, catalog_opens = [], []
    for _ in range(runs):
        start = time.perf_counter()
        lib = Library.open(embedder.id, embedder.dim, root=root)
        catalog_opens.append(time.perf_counter() - start)
        lib.vector_index()
        opens.append(time.perf_counter() - start)
        lib.close()
    report["open_s_median"] = round(statistics.median(opens), 3)
    report["open_catalog_only_s_median"] = round(statistics.median(catalog_opens), 3)

    library = Library.open(embedder.id, embedder.dim, root=root)
    index = library.vector_index()
    questions = dev_questions()
    held = [c["text"] for c in data["chunks"][: data["held_out"]]]
    queries = np.vstack([embedder.embed(questions), data["vectors"][: data["held_out"]]])
    report["recall_queries"] = f"{len(questions)} dev questions + {len(held)} held-out real chunk texts"
    report["dense"] = compare(index, queries)

    engine = Engine(library=library, embedder=embedder)
    search_queries = questions + [_SENTENCE.split(t)[0][:200] for t in held[:20]]
    engine.search("warm up")
    latencies, embeds = [], []
    for _ in range(runs):
        for q in search_queries:
            start = time.perf_counter()
            engine.search(q)
            latencies.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            embedder.embed_one(q)
            embeds.append((time.perf_counter() - start) * 1000)
    from fieldkit.text.normalize import fts_query

    dense_ms, fts_ms = [], []
    for q in search_queries:  # the two sides of the hybrid alone (the same calls retrieve.py makes)
        qvec = embedder.embed_one(q)
        start = time.perf_counter()
        engine.retriever._dense(qvec, None)
        dense_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        library.fts(fts_query(q), engine.retriever.pool) if fts_query(q) else None
        fts_ms.append((time.perf_counter() - start) * 1000)
    report["search_dense_side_ms_p50"] = round(pct(dense_ms, 0.5), 1)
    report["search_fts_side_ms_p50"] = round(pct(fts_ms, 0.5), 1)
    report["search_fts_side_ms_p95"] = round(pct(fts_ms, 0.95), 1)
    report["search_queries"] = len(search_queries)
    report["search_ms_p50"] = round(pct(latencies, 0.5), 1)
    report["search_ms_p95"] = round(pct(latencies, 0.95), 1)
    report["embed_query_ms_p50_reference"] = round(pct(embeds, 0.5), 1)
    library.close()

    python = [sys.executable, "-m", "fieldkit"]
    walls, refs = [], []
    for i in range(runs):
        walls.append(timed_process(python + ["search", questions[i % len(questions)], "--json"], env)[0])
        refs.append(timed_process([sys.executable, "-c", "import fieldkit.ui.cli, fieldkit.answering.engine, "
                                   "fieldkit.models.embedder, faiss, onnxruntime"], env)[0])
    report["search_process_s_median"] = round(statistics.median(walls), 2)
    report["import_only_process_s_median_reference"] = round(statistics.median(refs), 2)
    rss, answered, ask_walls = [], [], []
    for i in range(min(runs, 3)):
        seconds, peak, out = timed_process(python + ["ask", questions[i % len(questions)], "--json"], env)
        rss.append(peak)
        ask_walls.append(seconds)
        answered.append(not json.loads(out.splitlines()[-1]).get("refused", True))
    report["ask_peak_rss_mb_max"] = max(rss)
    report["ask_process_s_median"] = round(statistics.median(ask_walls), 1)
    report["ask_answered"] = f"{sum(answered)} of {len(answered)}"
    report["search_process_peak_rss_mb_reference"] = timed_process(
        python + ["search", questions[0], "--json"], env)[1]
    report["targets"] = {
        "search_ms_p95<=50": report["search_ms_p95"] <= TARGETS["search_ms_p95"],
        "search_process_s<=1.0": report["search_process_s_median"] <= TARGETS["search_process_s"],
        "ask_peak_rss_mb<=600": report["ask_peak_rss_mb_max"] <= TARGETS["ask_peak_rss_mb"],
        "open_s<=0.5": report["open_s_median"] <= TARGETS["open_s"],
    }
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10_000, help="chunks in the library")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="FIELDKIT_HOME to build in and keep (reused when it holds a library)")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.scale, args.runs, args.keep), indent=2))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
