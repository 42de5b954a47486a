"""Q4_0 against the shipped Q4_1 SmolLM2-135M-Instruct: speed and answers, in one process.

    python scripts/bench_quant.py [--runs 5] [--tokens 64] [--threads 1] [--speed-questions 3]
                                  [--only speed|answers] [--answer-sets fieldkit,long] [--no-engine] [--json]

The Q4_0 file is made here from the shipped Q4_1 with llama-cpp-python's own binding
(``llama_model_quantize``, ``allow_requantize``), in a temporary folder: no network, no llama.cpp build.
The prompts are the ones fieldkit sends: the sample manual (PDF) ingested into a temporary library, each
question answered by the real ``Engine`` and the messages it gives the model recorded ("fieldkit": the
fixed system prompt, the key quotes within ``PROMPT_QUOTE_TOKENS`` and the question), plus the same
questions with the cited passages in full ("long", a few hundred tokens more).

Speed: the two models are measured interleaved (run 1: Q4_1 then Q4_0, run 2: Q4_0 then Q4_1, ...),
each run loading the model with ``LocalLLM``'s context and batch, warming it, then for every prompt
prefilling it from an empty KV cache in one ``eval`` (the time to the first token, sampling aside) and
decoding ``--tokens`` tokens one ``eval`` at a time. Wall and CPU seconds are both reported: on a machine
other processes load, tokens per CPU-second is the steadier figure. Figures are medians over runs; the
ratio column is the median of the per-run Q4_0/Q4_1 ratios (pairs measured seconds apart).

Answers: greedy outputs of both models on every prompt (``LocalLLM.stream_chat``: exact match), every
output's sentences through fieldkit's number guard against the passages in its prompt, the answers
fieldkit shows (Engine, guard included) compared, and mean token log-prob / perplexity of both on the
sample manual's text, with the mean KL divergence Q4_1 -> Q4_0 and top-1 agreement of their next-token
distributions.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MANUAL_PDF = ROOT / "manuals" / "fk200-gpu-maintenance.pdf"
MANUAL_TEXT = ROOT / "manuals" / "fk200-gpu-maintenance.md"
sys.path.insert(0, str(ROOT / "scripts"))
from bench import SAMPLE_QUESTIONS  # noqa: E402

QUESTIONS = SAMPLE_QUESTIONS + [  # then four more from the same manual
    "What torque for the wheel lug nut?",
    "What does fault code E-317 mean?",
    "What oil pressure is required at rated speed?",
    "Which oil filter part number do I use?",
]
LONG_BUDGET = 450  # tokens of cited passages in a "long" prompt


def requantize(src: Path, dst: Path) -> float:
    """``dst``: ``src`` requantized to Q4_0 by llama.cpp (seconds taken)."""
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0
    params.allow_requantize = True
    from llama_cpp._utils import suppress_stdout_stderr

    start = time.perf_counter()
    with suppress_stdout_stderr(disable=False):  # llama.cpp logs every tensor
        rc = llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), ctypes.byref(params))
    if rc != 0:
        raise RuntimeError(f"llama_model_quantize returned {rc}")
    return time.perf_counter() - start


class Recorder:
    """Stands in for LocalLLM inside Engine: counts tokens with the real model, records the messages
    Engine would send, generates nothing."""

    def __init__(self, llm):
        self.llm, self.name, self.n_ctx = llm, llm.name, llm.n_ctx
        self.messages: list[dict] | None = None

    def count_tokens(self, text):
        return self.llm.count_tokens(text)

    def stream_chat(self, messages, max_tokens=128, stop=None):
        self.messages = messages
        yield from ()


def capture_prompts(tmp: Path, llm) -> tuple[list[dict], object, object]:
    """For every question: the messages fieldkit sends, a long variant, and the passage texts in each."""
    from fieldkit.answering.engine import Engine
    from fieldkit.answering.events import Done, Quote
    from fieldkit.answering.prompt import build_messages
    from fieldkit.ingest.pipeline import ingest_paths
    from fieldkit.library.catalog import Library
    from fieldkit.models.embedder import Embedder

    embedder = Embedder()
    library = Library.open(embedder.id, embedder.dim, root=tmp / "lib")
    list(ingest_paths(library, embedder, [MANUAL_PDF]))
    recorder = Recorder(llm)
    engine = Engine(library=library, embedder=embedder, llm=recorder)
    prompts = []
    for q in QUESTIONS:
        recorder.messages = None
        answer = next(e for e in engine.answer(q, log=False) if isinstance(e, Done)).answer
        if recorder.messages is None:
            print(f"# no prompt for {q!r} (refused: {answer.reason})", file=sys.stderr)
            continue
        cited = list(answer.citations)
        long_messages = build_messages(llm, q, [Quote(p.text, p) for p in cited], budget_tokens=LONG_BUDGET)
        prompts.append({"question": q, "set": "fieldkit", "messages": recorder.messages,
                        "sources": [x.text for x in answer.quotes]})
        prompts.append({"question": q, "set": "long", "messages": long_messages,
                        "sources": [p.text for p in cited]})
    for p in prompts:
        p["ids"] = prompt_tokens(llm.llama, p["messages"])
        p["tokens"] = len(p["ids"])
    return prompts, library, embedder


def prompt_tokens(llama, messages) -> list[int]:
    """The chat-formatted prompt's tokens (what create_chat_completion prefills)."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    meta = llama.metadata
    fmt = Jinja2ChatFormatter(template=meta["tokenizer.chat_template"],
                              eos_token=llama._model.token_get_text(llama.token_eos()),
                              bos_token=llama._model.token_get_text(llama.token_bos()))
    text = fmt(messages=messages).prompt
    return llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)


def load(path: Path, threads: int):
    """The model as ``LocalLLM`` loads it (context, batch), with ``threads`` threads."""
    from llama_cpp import Llama

    from fieldkit.models.llm import DEFAULT_CTX

    return Llama(model_path=str(path), n_ctx=DEFAULT_CTX, n_threads=threads, n_batch=512, verbose=False)


def timed_eval(llama, prompt: list[int], decode: list[int]) -> dict:
    """Prefill ``prompt`` from an empty KV cache in one call (what precedes the first token), then
    decode ``decode`` one token at a time (what each further token costs; sampling, the same for
    both models, left out). Wall and CPU seconds of each."""
    llama.reset()
    w, c = time.perf_counter(), time.process_time()
    llama.eval(prompt)
    w1, c1 = time.perf_counter(), time.process_time()
    for t in decode:
        llama.eval([t])
    w2, c2 = time.perf_counter(), time.process_time()
    return {"n_p": len(prompt), "wall_p": w1 - w, "cpu_p": c1 - c, "n_e": len(decode), "wall_e": w2 - w1, "cpu_e": c2 - c1}


def speed(models: dict[str, Path], prompts: list[dict], runs: int, decode: list[int], threads: int) -> dict:
    """Per model, per run: load seconds and, per prompt set, prefill and decode rates (wall and CPU)."""
    names = list(models)
    per_run: dict[str, list[dict]] = {n: [] for n in names}
    for run in range(runs):
        order = names if run % 2 == 0 else names[::-1]
        for name in order:
            start = time.perf_counter()
            llama = load(models[name], threads)
            record = {"load": time.perf_counter() - start}
            timed_eval(llama, prompts[0]["ids"], decode[:8])  # warm-up, not counted
            for pset in sorted({p["set"] for p in prompts}):
                rs = [timed_eval(llama, p["ids"], decode) for p in prompts if p["set"] == pset]
                n_p, n_e = sum(r["n_p"] for r in rs), sum(r["n_e"] for r in rs)
                record[pset] = {
                    "prefill": n_p / sum(r["wall_p"] for r in rs),
                    "prefill_cpu": n_p / sum(r["cpu_p"] for r in rs),
                    "ttft_ms": statistics.median(r["wall_p"] for r in rs) * 1000,
                    "decode": n_e / sum(r["wall_e"] for r in rs),
                    "decode_cpu": n_e / sum(r["cpu_e"] for r in rs),
                }
            llama.close()
            per_run[name].append(record)
            print(f"# run {run + 1}/{runs} {name}: load {record['load']:.3f}s "
                  + " ".join(f"{s}: prefill {v['prefill']:.0f} ({v['prefill_cpu']:.0f} cpu) decode {v['decode']:.1f} "
                             f"({v['decode_cpu']:.1f} cpu) tok/s" for s, v in record.items() if s != "load"),
                  file=sys.stderr, flush=True)
    return per_run


def numbers_ok(text: str, sources: list[str], question: str) -> tuple[bool, list[str]]:
    """The product's guard rule on one output: every number/identifier of every sentence stated whole
    (and about the same thing) in the prompt's passages."""
    from fieldkit.answering import guard
    from fieldkit.text.sentences import split_sentences

    src = guard.Sources(sources)
    problems = [p for s in split_sentences(text) for p in guard.unsupported(s, src, question)]
    return not problems, problems


def answers(models: dict[str, Path], prompts: list[dict], max_tokens: int, library, embedder, threads: int,
            engine_too: bool = True) -> dict:
    """Greedy outputs of each model on every prompt (LocalLLM.stream_chat, as fieldkit calls it) and
    the answer fieldkit shows (Engine with its guard)."""
    from fieldkit.answering.engine import Engine
    from fieldkit.answering.events import Done
    from fieldkit.models.llm import LocalLLM

    out = {}
    for name, path in models.items():
        llm = LocalLLM(path, n_threads=threads)
        raw = []
        for p in prompts:
            llm.llama.reset()
            raw.append("".join(llm.stream_chat(p["messages"], max_tokens=max_tokens)))
        engine = Engine(library=library, embedder=embedder, llm=llm)
        shown = []
        for q in QUESTIONS if engine_too else ():
            a = next(e for e in engine.answer(q, log=False) if isinstance(e, Done)).answer
            shown.append({"generated": a.generated, "removed": [r.sentence for r in a.removed]})
        llm.close()
        out[name] = {"raw": raw, "shown": shown}
    return out


def tokens_of(text: str, path: Path) -> list[int]:
    from llama_cpp import Llama

    tok = Llama(model_path=str(path), vocab_only=True, verbose=False)
    tokens = tok.tokenize(text.encode("utf-8"), add_bos=False, special=False)
    tok.close()
    return tokens


def logprobs(path: Path, tokens: list[int], threads: int):
    """Per position: log-probs of the next token over the vocabulary (numpy, float32)."""
    import numpy as np
    from llama_cpp import Llama

    llama = Llama(model_path=str(path), n_ctx=len(tokens) + 8, n_batch=512, logits_all=True, verbose=False,
                  n_threads=threads)
    llama.eval(tokens)
    logits = np.array(llama.scores[: len(tokens) - 1], dtype=np.float64)
    llama.close()
    logits -= logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return logp.astype(np.float32)


def likelihood(models: dict[str, Path], reference: str, threads: int) -> dict:
    import numpy as np

    tokens = tokens_of(MANUAL_TEXT.read_text(encoding="utf-8"), models[reference])
    targets = np.array(tokens[1:])
    lp = {n: logprobs(p, tokens, threads) for n, p in models.items()}
    result = {"tokens": len(tokens)}
    for n, a in lp.items():
        mean = float(a[np.arange(len(targets)), targets].mean())
        result[n] = {"mean_logprob": mean, "ppl": float(np.exp(-mean))}
    ref = lp[reference]
    for n, a in lp.items():
        if n == reference:
            continue
        kl = (np.exp(ref) * (ref - a)).sum(axis=1)
        result[n]["kl_vs_ref"] = float(kl.mean())
        result[n]["top1_agree"] = float((ref.argmax(axis=1) == a.argmax(axis=1)).mean())
    return result


def med(values):
    return statistics.median(values)


def speed_table(per_run, prompts, names, runs, threads, n_decode) -> str:
    a, b = names  # reference (shipped), candidate
    lines = [(f"Speed: {runs} interleaved runs ({a} first in odd runs, {b} first in even runs), {threads} thread(s), "
              f"{n_decode} tokens decoded per prompt, {len(prompts)} prompts per run; medians over runs, ratio = "
              f"median of per-run ratios"), "",
             f"| metric | {a} | {b} | ratio {b}/{a} |", "|---|---|---|---|"]

    def row(label, pset, key, fmt="{:.1f}"):
        va, vb = ([r[pset][key] if pset else r[key] for r in per_run[n]] for n in (a, b))
        ratio = med([y / x for x, y in zip(va, vb)])
        lines.append(f"| {label} | {fmt.format(med(va))} | {fmt.format(med(vb))} | {ratio:.2f} |")

    row("load s", None, "load", "{:.3f}")
    for pset in sorted({p["set"] for p in prompts}):
        toks = [p["tokens"] for p in prompts if p["set"] == pset]
        tag = f"{pset} prompts ({min(toks)}-{max(toks)} tok)"
        row(f"{tag}: prefill tok/s", pset, "prefill", "{:.0f}")
        row(f"{tag}: prefill tok/s per CPU-second", pset, "prefill_cpu", "{:.0f}")
        row(f"{tag}: time to first token ms (prefill)", pset, "ttft_ms", "{:.0f}")
        row(f"{tag}: decode tok/s", pset, "decode")
        row(f"{tag}: decode tok/s per CPU-second", pset, "decode_cpu")
    return "\n".join(lines)


def answers_table(prompts, ans, ll, names) -> str:
    a, b = names
    lines = ["Answers (greedy, fieldkit's decoding settings):", "",
             f"| prompts | exact match | numbers grounded {a} | numbers grounded {b} |", "|---|---|---|---|"]
    for pset in sorted({p["set"] for p in prompts}):
        idx = [i for i, p in enumerate(prompts) if p["set"] == pset]
        same = sum(ans[a]["raw"][i] == ans[b]["raw"][i] for i in idx)
        ok = {n: sum(numbers_ok(ans[n]["raw"][i], prompts[i]["sources"], prompts[i]["question"])[0] for i in idx)
              for n in names}
        lines.append(f"| {pset} | {same}/{len(idx)} | {ok[a]}/{len(idx)} | {ok[b]}/{len(idx)} |")
    if ans[a]["shown"]:
        shown_same = sum(x == y for x, y in zip(ans[a]["shown"], ans[b]["shown"]))
        removed = {n: sum(len(s["removed"]) for s in ans[n]["shown"]) for n in names}
        lines += ["", (f"Answers fieldkit shows (Engine + guard): identical {shown_same}/{len(QUESTIONS)}; sentences "
                       f"removed by the guard: {a} {removed[a]}, {b} {removed[b]}")]
    lines += ["",
              (f"Manual text ({ll['tokens']} tokens): mean log-prob {a} {ll[a]['mean_logprob']:.4f} (ppl "
               f"{ll[a]['ppl']:.3f}), {b} {ll[b]['mean_logprob']:.4f} (ppl {ll[b]['ppl']:.3f}); "
               f"KL({a}||{b}) {ll[b]['kl_vs_ref']:.4f} nats/token; top-1 agreement {ll[b]['top1_agree']:.1%}")]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=64, help="tokens decoded per prompt, max tokens per answer "
                        "(fieldkit: 64)")
    parser.add_argument("--threads", type=int, default=1, help="llama.cpp threads for both models (fieldkit: "
                        "min(4, cores)); 1 keeps a busy machine's scheduling out of the comparison")
    parser.add_argument("--speed-questions", type=int, default=3,
                        help="questions timed per run (each gives a fieldkit and a long prompt)")
    parser.add_argument("--only", choices=("speed", "answers"), help="one half only")
    parser.add_argument("--answer-sets", default="fieldkit,long", help="prompt sets whose greedy answers are compared")
    parser.add_argument("--no-engine", action="store_true", help="skip comparing the answers Engine shows")
    parser.add_argument("--json", action="store_true", help="also print every output as JSON")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="fieldkit-bench-quant-"))
    os.environ["FIELDKIT_HOME"] = str(tmp / "home")
    from fieldkit.models.llm import LocalLLM
    from fieldkit.models.weights import bundled_llm_path

    try:
        return run(args, tmp, bundled_llm_path(), LocalLLM)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, tmp: Path, shipped: Path, LocalLLM) -> int:
    q4_0 = tmp / "SmolLM2-135M-Instruct.Q4_0.gguf"
    quant_s = requantize(shipped, q4_0)
    models = {"Q4_1": shipped, "Q4_0": q4_0}
    print(f"{shipped.name} ({shipped.stat().st_size / 2**20:.1f} MiB) requantized to {q4_0.name} "
          f"({q4_0.stat().st_size / 2**20:.1f} MiB) in {quant_s:.2f} s\n")

    llm = LocalLLM(shipped)
    prompts, library, embedder = capture_prompts(tmp, llm)
    llm.close()
    out: dict = {"prompts": [{k: p[k] for k in ("question", "set", "tokens")} for p in prompts]}
    if args.only != "answers":
        timed = [p for p in prompts if p["question"] in QUESTIONS[: args.speed_questions]]
        decode = prompts[0]["ids"][-1:] + tokens_of(MANUAL_TEXT.read_text(encoding="utf-8"), shipped)[: args.tokens - 1]
        out["per_run"] = speed(models, timed, args.runs, decode, args.threads)
        print(speed_table(out["per_run"], timed, list(models), args.runs, args.threads, len(decode)) + "\n", flush=True)
    if args.only != "speed":
        compared = [p for p in prompts if p["set"] in args.answer_sets.split(",")]
        out["answers"] = answers(models, compared, args.tokens, library, embedder, args.threads, not args.no_engine)
        out["likelihood"] = likelihood(models, "Q4_1", args.threads)
        print(answers_table(compared, out["answers"], out["likelihood"], list(models)))
    if args.json:
        print(json.dumps(out, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
