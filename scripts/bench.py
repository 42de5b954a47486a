"""fieldkit benchmark: medians of several runs in one process, with a bare llama-cpp-python reference.

    python scripts/bench.py [--runs 5] [--shared]
    python scripts/bench.py --scale 100000 [--runs 3] [--keep DIR]   # scripts/bench_scale.py
    python scripts/bench.py --ocr | --quant | --ray                  # bench_ocr, bench_quant, bench_ray
    python scripts/bench.py --ingest [--runs 3] [--tokens 256,128] [FILE ...]  # ingest time split

Reports ingest pages/s, extraction pages/s without OCR and OCR pages/s, embedding chunks/s, search
latency p50/p95, ask time to first token and tokens/s next to a bare llama-cpp-python call on the
same prompt (ratio), time to first token of a follow-up in a session, and peak RSS.
With --shared (and ../shared present) it ingests the real manuals instead of the sample manual.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FOLLOW_UPS = {
    "sample": [("What torque for the wheel lug nut?", "and for the battery terminal clamp?"),
               ("How much oil goes in at a filter change?", "and how often is it changed?"),
               ("What does fault code E-204 mean?", "and E-317?")],
    "shared": [("when do i let go of the starter on the OH-58, what N1?", "and when does the ENGINE OUT light come on?"),
               ("huey fire detector test - how quick should the light come on?", "how long can I hold the button?"),
               ("drying a wet avionics box in the vacuum oven - what temp?", "and for how long?")],
}
SAMPLE_QUESTIONS = [
    "What torque for the oil drain plug?",
    "How long must the engine cool before I remove the drain plug?",
    "What does fault code E-204 mean?",
    "How much oil goes in at a filter change?",
    "What is the output voltage limit at no load?",
    "What do I check on the output cable during the daily inspection?",
]


def pct(values, q):
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


class CountingLLM:
    """Wraps LocalLLM to time the model's own stream inside fieldkit's answer."""

    def __init__(self, llm):
        self.llm, self.name, self.n_ctx = llm, llm.name, llm.n_ctx
        self.first = self.last = None
        self.pieces = 0

    def count_tokens(self, text):
        return self.llm.count_tokens(text)

    def stream_chat(self, messages, max_tokens=128, stop=None):
        self.start, self.first, self.pieces, self.messages = time.perf_counter(), None, 0, messages
        for piece in self.llm.stream_chat(messages, max_tokens=max_tokens, stop=stop):
            now = time.perf_counter()
            if self.first is None:
                self.first = now
            self.last, self.pieces = now, self.pieces + 1
            yield piece


def bare_call(llm, messages, max_tokens):
    """The same prompt straight through llama-cpp-python: (time to first token, tokens/s)."""
    start = time.perf_counter()
    first = last = None
    n = 0
    for chunk in llm.llama.create_chat_completion(messages=messages, max_tokens=max_tokens, temperature=0.0,
                                                  top_k=1, repeat_penalty=1.1, stream=True):
        if chunk["choices"][0]["delta"].get("content"):
            now = time.perf_counter()
            first = first or now
            last, n = now, n + 1
    if first is None:
        return None, None
    return first - start, (n - 1) / (last - first) if n > 1 and last > first else None


# The other benchmarks, each its own script, reached from here too: `bench.py --scale 100000 --runs 3`.
OTHER_BENCHES = {"--scale": "bench_scale", "--ocr": "bench_ocr", "--quant": "bench_quant", "--ray": "bench_ray"}


def ingest_split(argv: list[str]) -> int:
    """Ingest alone, one process, a fresh library per run: pages/s over the manuals that needed no page
    OCR (text-layer manuals) and over all, and where the time went (extraction with its banner OCR and
    page OCR, chunking, embedding, SQLite/FTS store, FAISS build), for each embedder truncation length
    in ``--tokens``, the settings alternating within each run (medians over runs). Default files: the
    PDFs of ../shared/manuals and ../shared/manuals-extra."""
    parser = argparse.ArgumentParser(prog="bench.py --ingest")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tokens", default="", help="MAX_TOKENS values to compare, e.g. 256,128 (default: the embedder's)")
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="fieldkit-bench-ingest-"))
    os.environ["FIELDKIT_HOME"] = str(tmp / "home")
    import fieldkit.ingest.ocr as ocr_module
    import fieldkit.ingest.pdf as pdf_module
    import fieldkit.models.embedder as embedder_module
    from fieldkit.ingest import pipeline
    from fieldkit.library.catalog import Library
    from fieldkit.models.ocr import OCR

    docs = args.files or sorted([*(SHARED / "manuals").glob("*.pdf"), *(SHARED / "manuals-extra").glob("*.pdf")])
    seconds: dict[str, float] = {}

    def timed(owner, name: str, stage: str) -> None:
        inner = getattr(owner, name)

        def wrapper(*a, **k):
            start = time.perf_counter()
            try:
                return inner(*a, **k)
            finally:
                seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - start
        setattr(owner, name, wrapper)

    timed(pdf_module, "extract_pdf", "extract")  # pipeline imports it from the module at each call
    timed(pdf_module, "banner_callouts", "banner_ocr_and_hashing")
    timed(ocr_module, "ocr_page", "page_ocr")
    timed(pipeline, "chunk_pages", "chunking")
    timed(pipeline, "store_document", "sqlite_fts_store")
    read_line = OCR.read_line.__func__
    banner_reads = [0]

    def counted(cls, image):
        banner_reads[0] += 1
        return read_line(cls, image)
    OCR.read_line = classmethod(counted)
    settings = [int(t) for t in args.tokens.split(",") if t] or [embedder_module.MAX_TOKENS]
    embedders = {}
    for tokens in settings:
        embedder_module.MAX_TOKENS = tokens  # read when an Embedder is made (its tokenizer's truncation)
        embedders[tokens] = embedder_module.Embedder()
        timed(embedders[tokens], "embed", "embedding")
    runs: dict[int, list[dict]] = {t: [] for t in settings}
    for run in range(args.runs):
        for tokens, embedder in embedders.items():
            seconds.clear()
            banner_reads[0] = 0
            pdf_module.BANNER_CACHE.clear()  # each run reads its pictures again
            library = Library.open(embedder.id, embedder.dim, root=tmp / f"lib-{tokens}-{run}")
            start = time.perf_counter()
            results = [r for r in pipeline.ingest_paths(library, embedder, docs) if not isinstance(r, Exception)]
            faiss_start = time.perf_counter()
            library.vector_index()
            seconds["faiss_build"] = time.perf_counter() - faiss_start
            total = time.perf_counter() - start
            text = [r for r in results if r.document.ocr_pages == 0]
            text_seconds = sum(r.seconds for r in text) + seconds["faiss_build"]
            runs[tokens].append({
                "pages_per_s": sum(r.document.pages for r in results) / total,
                "text_layer_pages_per_s": sum(r.document.pages for r in text) / text_seconds if text else None,
                "chunks_per_s_embedding": sum(r.document.chunks for r in results) / seconds.get("embedding", 1e-9),
                "banner_ocr_reads": banner_reads[0], **{f"s_{k}": v for k, v in seconds.items()}, "s_total": total})
            print(json.dumps({"run": run, "max_tokens": tokens, **{k: round(v, 2) for k, v in runs[tokens][-1].items()
                                                                    if v is not None}}), file=sys.stderr, flush=True)
    pages = sum(r.document.pages for r in results)
    text_pages = sum(r.document.pages for r in text)
    report = {"documents": len(docs), "pages": pages, "text_layer_pages": text_pages, "runs": args.runs,
              "load_average": [round(x, 1) for x in os.getloadavg()]}
    for tokens, rows in runs.items():
        report[f"max_tokens_{tokens}"] = {key: round(statistics.median(r[key] for r in rows if r.get(key) is not None), 2)
                                          for key in rows[0] if rows[0][key] is not None}
    print(json.dumps(report, indent=2))
    return 0


def main() -> int:
    if "--ingest" in sys.argv[1:]:
        return ingest_split([a for a in sys.argv[1:] if a != "--ingest"])
    for flag, module in OTHER_BENCHES.items():
        if flag in sys.argv[1:]:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            sys.argv = [f"{module}.py", *(a for a in sys.argv[1:] if a != flag or flag == "--scale")]
            return __import__(module).main() or 0
    parser = argparse.ArgumentParser(epilog="Also: --scale N (library size), --ocr (OCR pages/s and character "
                                            "error rate), --quant (Q4_0 vs Q4_1), --ray (pack build on Ray vs local).")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shared", action="store_true", help="ingest ../shared/manuals instead of the sample")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="fieldkit-bench-"))
    os.environ["FIELDKIT_HOME"] = str(tmp / "home")
    from fieldkit.answering.engine import GENERATE_TOKENS, Engine
    from fieldkit.answering.events import Done, Token
    from fieldkit.ingest.pipeline import ingest_paths
    from fieldkit.library.catalog import Library
    from fieldkit.models.embedder import Embedder
    from fieldkit.models.llm import LocalLLM

    if args.shared and (SHARED / "manuals").is_dir():
        docs = sorted((SHARED / "manuals").glob("*.pdf"))
        questions = [json.loads(l)["question"] for l in (SHARED / "eval" / "dev.jsonl").read_text().splitlines()]
    else:
        docs = [ROOT / "manuals" / "fk200-gpu-maintenance.pdf", ROOT / "manuals" / "fk200-gpu-maintenance.md"]
        questions = SAMPLE_QUESTIONS
    embedder = Embedder()
    report: dict = {"documents": [d.name for d in docs], "runs": args.runs}

    # Ingest: a fresh library per run.
    rates, library = [], None
    ingest_runs = args.runs if not args.shared else max(1, min(args.runs, 2))
    for run in range(ingest_runs):
        library = Library.open(embedder.id, embedder.dim, root=tmp / f"lib{run}")
        start = time.perf_counter()
        results = list(ingest_paths(library, embedder, docs))
        seconds = time.perf_counter() - start
        rates.append(sum(r.document.pages for r in results) / seconds)
    report["ingest_pages_per_s"] = round(statistics.median(rates), 1)

    # Extraction alone: text layer without OCR, and OCR of scanned pages (made here with pillow).
    from fieldkit.ingest.pdf import extract_pdf

    pdfs = [d for d in docs if d.suffix == ".pdf"]
    rates = []
    for _ in range(args.runs):
        start = time.perf_counter()
        pages = sum(len(extract_pdf(d, tmp / "figs", ocr=False)[0]) for d in pdfs)
        rates.append(pages / (time.perf_counter() - start))
    report["extract_pages_per_s_no_ocr"] = round(statistics.median(rates), 1)
    sys.path.insert(0, str(ROOT / "tests"))
    from pdfs import scanned_pdf

    scan = scanned_pdf(tmp / "scan.pdf", ["7-1. PUMP REPLACEMENT"] + [
        f"{n}. Torque the pump mounting bolts to {40 + n} inch-pounds and safety-wire them in pairs." for n in range(1, 20)])
    rates = []
    for _ in range(args.runs):
        start = time.perf_counter()
        pages = extract_pdf(scan, tmp / "figs")[0]
        assert pages[0].ocr
        rates.append(1 / (time.perf_counter() - start))
    report["ocr_pages_per_s"] = round(statistics.median(rates), 2)

    # Embedding throughput on the library's own chunk texts.
    texts = [r["text"] for r in library.db.query("SELECT text FROM chunks")][:256]
    rates = []
    for _ in range(args.runs):
        start = time.perf_counter()
        embedder.embed(texts)
        rates.append(len(texts) / (time.perf_counter() - start))
    report["embed_chunks_per_s"] = round(statistics.median(rates), 1)

    # Search latency over all questions, every run.
    llm = LocalLLM()
    counting = CountingLLM(llm)
    engine = Engine(library=library, embedder=embedder, llm=counting)
    engine.search("warm up")
    latencies = []
    for _ in range(args.runs):
        for q in questions:
            start = time.perf_counter()
            engine.search(q)
            latencies.append((time.perf_counter() - start) * 1000)
    report["search_ms_p50"] = round(pct(latencies, 0.5), 1)
    report["search_ms_p95"] = round(pct(latencies, 0.95), 1)

    # Ask: fieldkit's time to first model token / tokens/s, then the bare call on the same prompts.
    list(engine.answer(questions[0], log=False))  # warm: model loaded, system prompt in the KV cache
    ttft, tps, bare_ttft, bare_tps, first_shown = [], [], [], [], []
    prompts = []
    for _ in range(args.runs):
        for q in questions:
            start = time.perf_counter()
            shown = None
            for event in engine.answer(q, log=False):
                if isinstance(event, Token) and shown is None:
                    shown = time.perf_counter() - start
                if isinstance(event, Done) and event.answer.refused:
                    break
            if counting.first is not None and counting.start >= start:
                ttft.append(counting.first - start)
                if counting.pieces > 1 and counting.last > counting.first:
                    tps.append((counting.pieces - 1) / (counting.last - counting.first))
                prompts.append(counting.messages)  # the bare reference gets the very prompt fieldkit sent
            if shown is not None:
                first_shown.append(shown)
    for messages in prompts:
        t, r = bare_call(llm, messages, GENERATE_TOKENS)
        if t is not None:
            bare_ttft.append(t)
        if r:
            bare_tps.append(r)
    report["ask_first_token_ms_median"] = round(statistics.median(ttft) * 1000, 1) if ttft else None
    report["ask_first_shown_token_ms_median"] = round(statistics.median(first_shown) * 1000, 1) if first_shown else None
    report["ask_tokens_per_s_median"] = round(statistics.median(tps), 1) if tps else None
    report["bare_first_token_ms_median"] = round(statistics.median(bare_ttft) * 1000, 1) if bare_ttft else None
    report["bare_tokens_per_s_median"] = round(statistics.median(bare_tps), 1) if bare_tps else None
    if ttft and bare_ttft:
        report["first_token_ratio_vs_bare"] = round(statistics.median(ttft) / statistics.median(bare_ttft), 2)
    if tps and bare_tps:
        report["tokens_per_s_ratio_vs_bare"] = round(statistics.median(tps) / statistics.median(bare_tps), 2)
    # Follow-ups in one session: the earlier turn is a prefix llama.cpp already holds in its KV cache.
    from fieldkit.answering.session import Session

    first_ttft, follow_ttft = [], []
    pairs = FOLLOW_UPS["shared" if args.shared and (SHARED / "manuals").is_dir() else "sample"]
    for _ in range(args.runs):
        for first, follow in pairs:
            session = Session("bench")
            for question, bucket in ((first, first_ttft), (follow, follow_ttft)):
                start = time.perf_counter()
                list(engine.answer(question, session=session, log=False))
                if counting.first is not None and counting.start >= start:
                    bucket.append(counting.first - start)
    report["session_first_question_first_token_ms_median"] = round(statistics.median(first_ttft) * 1000, 1) if first_ttft else None
    report["follow_up_first_token_ms_median"] = round(statistics.median(follow_ttft) * 1000, 1) if follow_ttft else None
    report.update(tui_times(engine, questions, args.runs, os.environ["FIELDKIT_HOME"]))
    report.update(translation_times(engine, llm, questions, args.runs, tmp))
    report.update(photo_times(engine, args.runs, tmp))
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    llm.close()
    print(json.dumps(report, indent=2))
    return 0


STARTUP_PROBE = """
import asyncio, sys, time
start = float(sys.argv[1])  # the parent's clock when it started this process
from textual import events
from fieldkit.ui.tui.app import FieldkitApp, engine_factory

async def main():
    app = FieldkitApp(engine_factory(), generate=False, log=False)  # as `fieldkit tui` makes it
    async with app.run_test(size=(80, 24)):
        # A key as the terminal driver delivers it (Pilot.press would wait for the process to idle,
        # and the engine loads behind): accepted when the question box shows it.
        app.post_message(events.Key("x", "x"))
        box = app.query_one("#question")
        while box.value != "x":
            await asyncio.sleep(0.002)
        typed = time.time() - start
        # A second key while the library loads in its worker: how long until it shows.
        while app.engine is None and not any(w.group == "engine" for w in app.workers):
            await asyncio.sleep(0.002)
        loading = app.engine is None
        sent = time.time()
        app.post_message(events.Key("y", "y"))
        while box.value != "xy":
            await asyncio.sleep(0.002)
        echo = time.time() - sent
        while app.engine is None:
            await asyncio.sleep(0.01)
    print(typed, echo if loading else "nan")

asyncio.run(main())
"""


def tui_times(engine, questions, runs: int, home: str) -> dict:
    """The TUI on a warm library: from starting a fresh Python process to the question box taking a key
    (interpreter, imports and mount; the engine loads behind), and from Enter to the first answer content on screen (callouts,
    quotes or a refusal)."""
    import asyncio
    import subprocess

    from fieldkit.answering.events import Citations, Refused, WarningFound
    from fieldkit.ui.tui.app import FieldkitApp

    starts, echoes = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", STARTUP_PROBE, repr(time.time())], capture_output=True, text=True,
                             env=dict(os.environ, FIELDKIT_HOME=home), check=True).stdout.split()
        starts.append(float(out[-2]))
        echoes.append(float(out[-1]))
    shown: list[float] = []

    class Timed(FieldkitApp):
        def on_engine_event(self, message) -> None:  # Textual calls FieldkitApp's handler too, after this one
            if isinstance(message.event, (WarningFound, Citations, Refused)) and self.asked_at is not None:
                shown.append(time.perf_counter() - self.asked_at)
                self.asked_at = None

    async def ask_all() -> None:
        app = Timed(lambda: engine, log=False)
        app.asked_at = None
        async with app.run_test(size=(100, 40)) as pilot:
            while app.engine is None:
                await pilot.pause()
            for _ in range(runs):
                for q in questions:
                    app.query_one("#question").value = q
                    app.asked_at = time.perf_counter()
                    await pilot.press("enter")
                    while app.asked_at is not None:
                        await pilot.pause()
                    await app.workers.wait_for_complete()

    asyncio.run(ask_all())
    echoes = [e for e in echoes if e == e]  # nan: the library was ready before the second key
    return {"tui_start_to_typing_ms_median": round(statistics.median(starts) * 1000, 1),
            "tui_key_echo_while_library_loads_ms_median": round(statistics.median(echoes) * 1000, 1) if echoes else None,
            "tui_enter_to_first_content_ms_median": round(statistics.median(shown) * 1000, 1),
            "tui_enter_to_first_content_ms_p95": round(pct(shown, 0.95) * 1000, 1)}


def translation_times(engine, llm, questions, runs: int, tmp: Path) -> dict:
    """What `ask --lang es` adds to `ask`, as the CLI and the TUI do it: the answer's warnings and quotes
    translated in the background while the model writes (``translating_beside``), then the model's words
    (``translate_answer``); each question asked without and with translation, alternating, the pack's
    memory of translated sentences cleared before each. The pack has the dimensions of a real Argos
    pack (Transformer base, 32k vocabulary, int8: about 95 MB) with random weights, built here; its
    SentencePiece model is trained on general English words (pieces a word reported). Random weights
    never emit an end of sentence, so every sentence decodes to the length cap (1.5 times the batch's
    longest): an upper bound of what a real pack costs. The model's prompt cache is emptied before each
    ask (``llm.llama.reset()``): the second ask of a question would otherwise skip its prefill, and
    the translated ask, timed second, would look cheaper than it is (ratio 0.35 measured so, 0.50 not)."""
    from fieldkit.answering.events import Done
    from fieldkit.answering.translation import translate_answer, translating_beside
    from fieldkit.translate import packs
    from fieldkit.translate.translator import Translator

    sys.path.insert(0, str(ROOT / "scripts"))
    from make_translation_pack import build_pack

    packs.install(build_pack(tmp / "en_es-base.argosmodel", realistic=True))
    start = time.perf_counter()
    translator = Translator.for_pair("en", "es")
    load = time.perf_counter() - start
    asks, translated, alone, pieces, words = [], [], [], 0, 0
    for _ in range(runs):
        for q in questions:
            llm.llama.reset()
            start = time.perf_counter()
            answer = [e for e in engine.answer(q, log=False) if isinstance(e, Done)][0].answer
            asks.append(time.perf_counter() - start)
            translator.forget()
            llm.llama.reset()
            start = time.perf_counter()
            events = translating_beside(engine.answer(q, log=False), "es")
            answer = [e for e in events if isinstance(e, Done)][0].answer
            translate_answer(answer, "es")
            translated.append(time.perf_counter() - start)
            translator.forget()
            start = time.perf_counter()
            translate_answer(answer, "es")  # all of it after the answer, nothing in the background
            alone.append(time.perf_counter() - start)
            for text in (answer.generated, *(c.text for c in answer.warnings), *(quote.text for quote in answer.quotes)):
                pieces, words = pieces + len(translator.tokenizer.encode(text)), words + len(text.split())
    adds = [t - a for t, a in zip(translated, asks)]
    return {"translation_pack_load_s": round(load, 2),
            "translation_source_pieces_per_word": round(pieces / max(words, 1), 2),
            "ask_ms_median_for_translation": round(statistics.median(asks) * 1000, 1),
            "ask_translated_ms_median": round(statistics.median(translated) * 1000, 1),
            "translation_adds_ms_median": round(statistics.median(adds) * 1000, 1),
            "translation_adds_ratio_median": round(statistics.median(a / b for a, b in zip(adds, asks)), 2),
            "translation_after_the_answer_ms_median": round(statistics.median(alone) * 1000, 1)}


def photo_times(engine, runs: int, tmp: Path) -> dict:
    """`ask --image` on a 12-megapixel phone photo of a part label (4000x3000 JPEG): opening it (decoded
    at reduced scale), OCR, and the whole photo question; the reference is OCR of the same label as a
    plain 1600x1200 photo, measured in the same run."""
    from photos import label_photo

    from fieldkit.answering.events import Done
    from fieldkit.answering.photo import load_photo, read_photo

    lines = ["FK-200 GROUND POWER UNIT", "OIL DRAIN PLUG", "P/N FK-DP-20", "SER NO 48213"]
    big = label_photo(tmp / "label-12mp.jpg", lines, size=(4000, 3000), quality=85)
    small = label_photo(tmp / "label-2mp.jpg", lines, size=(1600, 1200), quality=85)
    read_photo(small)  # warm: OCR models loaded
    opens, reads, refs, asks = [], [], [], []
    for _ in range(max(3, runs)):
        start = time.perf_counter()
        load_photo(big)
        opens.append(time.perf_counter() - start)
        start = time.perf_counter()
        reading = read_photo(big)
        reads.append(time.perf_counter() - start)
        start = time.perf_counter()
        read_photo(small)
        refs.append(time.perf_counter() - start)
        start = time.perf_counter()
        [e for e in engine.answer("", photo=reading, generate=False, log=False) if isinstance(e, Done)]
        asks.append(time.perf_counter() - start)
    return {"photo_12mp_open_ms_median": round(statistics.median(opens) * 1000, 1),
            "photo_12mp_ocr_s_median": round(statistics.median(reads), 2),
            "photo_2mp_ocr_s_median": round(statistics.median(refs), 2),
            "photo_12mp_vs_2mp_ratio": round(statistics.median(reads) / statistics.median(refs), 2),
            "photo_question_after_ocr_ms_median": round(statistics.median(asks) * 1000, 1),
            "photo_identifiers_read": [i.text for i in reading.identifiers]}


if __name__ == "__main__":
    sys.exit(main())
