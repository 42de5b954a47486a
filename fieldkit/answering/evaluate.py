"""`fieldkit eval`: page hit@1/@5, expect-string coverage, refusals, latency, per question kind."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict

from fieldkit.answering.events import Done, Retrieved
from fieldkit.answering.evidence import COVERAGE_MIN, DENSE_FLOOR, VALUE_COVERAGE_MIN, Signals, decide


def _figure_key(text: str) -> str | None:
    """"FIGURE 6-2" and "Figure 6-2" name the same figure."""
    m = re.match(r"^(?:figure|fig\.)\s+([A-Z]?\d+(?:[-.]\d+)*)", text.strip(), re.IGNORECASE)
    return m.group(1).upper() if m else None


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo), 1)


def run_eval(engine, items: list[dict], k: int = 5, generate: bool = True) -> tuple[dict, list[dict]]:
    rows = []
    for item in items:
        question = item["question"]
        passages, answer = (), None
        for event in engine.answer(question, k=k, generate=generate, log=False):
            if isinstance(event, Retrieved):
                passages, retrieve_s = event.passages, event.seconds
            elif isinstance(event, Done):
                answer = event.answer
        gold = set(item.get("gold_pages") or [])
        doc = item.get("doc")
        hits = [_on_gold(p, doc, gold) for p in passages]
        # What the answer shows with a citation: passages, the callouts shown first, the quotes.
        cited = _collapse(" ".join([p.text for p in answer.citations] + [w.text for w in answer.warnings]))
        expect = item.get("expect") or []
        covered = [e for e in expect if _collapse(e) in cited or _squeeze(e) in _squeeze(cited)]
        signals = answer.evidence.signals
        wanted_figures = {_figure_key(e) for e in expect if _figure_key(e)}
        shown_figures = {_figure_key(f.label) for f in answer.figures}
        rows.append({
            "id": item.get("id"), "kind": item.get("kind", "unknown"), "answerable": bool(gold),
            "question": question, "hit1": bool(hits[:1] and hits[0]), "hit5": any(hits[:5]),
            "first_hit_rank": next((i + 1 for i, h in enumerate(hits) if h), None),
            "gold_cited": any(_on_gold(p, doc, gold) for p in answer.citations),
            "expect_total": len(expect), "expect_covered": len(covered), "refused": answer.refused,
            "reason": answer.reason, "signals": _jsonable(asdict(signals)),
            "retrieve_ms": round(retrieve_s * 1000, 1), "answer_ms": answer.timings_ms.get("total"),
            "first_token_ms": answer.timings_ms.get("first_token"),
            "removed": len(answer.removed), "ungrounded_numbers": ungrounded_numbers(answer),
            "generated": answer.generated, "quotes": [q.text for q in answer.quotes],
            "warnings_first": len(answer.warnings), "other_warnings": len(answer.other_warnings),
            "figures_expected": len(wanted_figures), "figures_returned": len(wanted_figures & shown_figures),
            "pages": [[p.doc, p.page] for p in passages],
        })
    return summarize(rows), rows


def _on_gold(passage, doc: str | None, gold: set[int]) -> bool:
    """Is the passage on a gold page of the question's manual?"""
    return (doc is None or passage.doc == doc) and any(g in gold for g in range(passage.page, passage.page_end + 1))


def _squeeze(text: str) -> str:
    """Without any white space: CJK text layers space numbers from their units ("90 天")."""
    return re.sub(r"\s+", "", text)


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return round(value, 4) if isinstance(value, float) else value


# The scorer's own reading of numbers, independent of the guard's: a digit run with its decimals,
# thousands groups, fraction and minus sign, or a vulgar fraction, compared as whole strings.
NUMBER_TOKEN_RE = re.compile(r"(?<![\d.,/])(?:(?<![\w)])[-\u2212])?\d+(?:[.,]\d+)*(?:/\d+)?(?![\d])|[½¼¾⅓⅔⅛⅜⅝⅞]")


def number_tokens(text: str) -> list[str]:
    """Whole number tokens of ``text``: "3.5" is one token (never "3" and "5"), "-40" keeps its sign,
    "16,000" is read as "16000"; a sentence-ending period is not a decimal point."""
    tokens = []
    for m in NUMBER_TOKEN_RE.finditer(text):
        token = m.group(0).replace("\u2212", "-").rstrip(".,")
        tokens.append(re.sub(r"(?<=\d),(?=\d{3}\b)", "", token))
    return tokens


def ungrounded_numbers(answer) -> list[str]:
    """Numbers in what the answer shows (the model's words, the quotes, the callouts) that are not
    whole number tokens of its cited passages or callouts. The promise is that this list is always
    empty."""
    if answer.refused:
        return []
    callouts = [w.text for w in answer.warnings + answer.other_warnings]
    cited = set(number_tokens(" ".join([p.text for p in answer.citations] + callouts)))
    shown = " ".join([answer.generated, *(q.text for q in answer.quotes), *callouts])
    return [n for n in number_tokens(shown) if n not in cited]


def _block(rows: list[dict]) -> dict:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    expect_total = sum(r["expect_total"] for r in answerable)
    out = {"n": len(rows), "ungrounded_numbers": sum(len(r["ungrounded_numbers"]) for r in rows)}
    if answerable:
        out.update({
            "answerable": len(answerable),
            "hit@1": round(sum(r["hit1"] for r in answerable) / len(answerable), 3),
            "hit@5": round(sum(r["hit5"] for r in answerable) / len(answerable), 3),
            "expect_coverage": round(sum(r["expect_covered"] for r in answerable) / expect_total, 3) if expect_total else None,
            "false_refusals": sum(r["refused"] for r in answerable),
            "gold_cited": _share([r["gold_cited"] for r in answerable if not r["refused"]]),
        })
        if any(r["figures_expected"] for r in answerable):
            out["figure_records"] = (f"{sum(r['figures_returned'] for r in answerable)}/"
                                     f"{sum(r['figures_expected'] for r in answerable)}")
    if unanswerable:
        out.update({"unanswerable": len(unanswerable), "refused_unanswerable": sum(r["refused"] for r in unanswerable)})
    return out


def _share(flags: list[bool]):
    return round(sum(flags) / len(flags), 3) if flags else None


def summarize(rows: list[dict]) -> dict:
    kinds = defaultdict(list)
    for r in rows:
        kinds[r["kind"]].append(r)
    report = {"overall": _block(rows), "by_kind": {k: _block(v) for k, v in sorted(kinds.items())}}
    retrieve = [r["retrieve_ms"] for r in rows]
    answer = [r["answer_ms"] for r in rows if r["answer_ms"] is not None]
    report["latency_ms"] = {
        "retrieve_p50": percentile(retrieve, 0.5), "retrieve_p95": percentile(retrieve, 0.95),
        "answer_p50": percentile(answer, 0.5), "answer_p95": percentile(answer, 0.95),
    }
    report["thresholds"] = dict(zip(("floor", "coverage", "value_coverage"), CURRENT))
    return report


FLOORS = [round(0.20 + 0.01 * i, 2) for i in range(31)]  # similarity floor 0.20 .. 0.50
COVERAGES = [round(0.05 * i, 2) for i in range(1, 12)]  # coverage 0.05 .. 0.55
VALUE_COVERAGES = [round(0.30 + 0.05 * i, 2) for i in range(9)]  # value coverage 0.30 .. 0.70
CURRENT = (DENSE_FLOOR, COVERAGE_MIN, VALUE_COVERAGE_MIN)


def mistakes(rows: list[dict], point: tuple[float, float, float]) -> dict:
    """Refusal mistakes at these thresholds (floor, coverage, value coverage). An answer is right when
    the passages hold the answer (hit@5) and wrong when they do not (unanswerable items included); a
    refusal is right exactly when an answer would be wrong."""
    wrong_answers = refused_answers = 0
    for r in rows:
        refused = decide(Signals(**r["signals"]), *point)[0]
        has_answer = r["answerable"] and r["hit5"]
        wrong_answers += (not refused) and not has_answer
        refused_answers += refused and has_answer
    return {"floor": point[0], "coverage": point[1], "value_coverage": point[2], "wrong_answers": wrong_answers,
            "refused_answers": refused_answers, "mistakes": wrong_answers + refused_answers}


def calibrate(rows: list[dict], others: dict[str, list[dict]] | None = None) -> dict:
    """Sweep the similarity floor and the two coverage thresholds on ``rows`` (the tuning set) and
    pick, among the points with the fewest mistakes, the middle of that flat region (the median of
    each threshold over it), not its edge. ``others`` (validation sets, never tuned on) are scored at
    the chosen point and at the current thresholds."""
    grid = {(f, c, v): mistakes(rows, (f, c, v)) for f in FLOORS for c in COVERAGES for v in VALUE_COVERAGES}
    fewest = min(t["mistakes"] for t in grid.values())
    flat = [k for k, t in grid.items() if t["mistakes"] == fewest]
    middle = tuple(sorted(k[i] for k in flat)[len(flat) // 2] for i in range(3))
    best_key = middle if middle in flat else min(flat, key=lambda k: sum(abs(a - b) for a, b in zip(k, middle)))
    ranges = {name: [min(k[i] for k in flat), max(k[i] for k in flat)]
              for i, name in enumerate(("floor", "coverage", "value_coverage"))}
    report = {"best": grid[best_key], "ranges": ranges, "current": mistakes(rows, CURRENT),
              "current_thresholds": dict(zip(("floor", "coverage", "value_coverage"), CURRENT))}
    report["validation"] = {name: {"at_best": mistakes(other, best_key), "current": mistakes(other, CURRENT)}
                            for name, other in (others or {}).items()}
    return report


COLUMNS = ("n", "hit@1", "hit@5", "expect", "false-ref", "refused-unans", "gold-cited", "ungrounded")


def _cells(b: dict) -> list[str]:
    return [str(b["n"]), _f(b.get("hit@1")), _f(b.get("hit@5")), _f(b.get("expect_coverage")),
            f"{b['false_refusals']}/{b['answerable']}" if "answerable" in b else "-",
            f"{b['refused_unanswerable']}/{b['unanswerable']}" if "unanswerable" in b else "-",
            _f(b.get("gold_cited")), str(b["ungrounded_numbers"])]


def format_report(report: dict, sets: dict[str, dict] | None = None) -> str:
    """One set by kind; several side by side (overall figures, one column group per set)."""
    lines = []
    if sets and len(sets) > 1:
        lines.append("set".ljust(28) + "".join(c.rjust(14) for c in COLUMNS))
        for name, rep in sets.items():
            lines.append(name[:27].ljust(28) + "".join(c.rjust(14) for c in _cells(rep["overall"])))
    else:
        lines.append("kind".ljust(16) + "".join(c.rjust(14) for c in COLUMNS))
        for kind, b in report["by_kind"].items():
            lines.append(kind.ljust(16) + "".join(c.rjust(14) for c in _cells(b)))
        lines.append("ALL".ljust(16) + "".join(c.rjust(14) for c in _cells(report["overall"])))
        if "figure_records" in report["overall"]:
            lines.append(f"expected figures returned as figure records: {report['overall']['figure_records']}")
    lat = report["latency_ms"]
    lines.append(f"retrieval p50/p95 {lat['retrieve_p50']}/{lat['retrieve_p95']} ms; "
                 f"answer p50/p95 {lat['answer_p50']}/{lat['answer_p95']} ms")
    if "calibration" in report:
        c = report["calibration"]
        b, r, now = c["best"], c["ranges"], c["current_thresholds"]
        lines.append(f"calibration on the first set: similarity floor {b['floor']} ({r['floor'][0]}-{r['floor'][1]}), "
                     f"coverage {b['coverage']} ({r['coverage'][0]}-{r['coverage'][1]}), value coverage "
                     f"{b['value_coverage']} ({r['value_coverage'][0]}-{r['value_coverage'][1]}): {b['wrong_answers']} "
                     f"answers without the answer in the passages, {b['refused_answers']} refusals with it; current "
                     f"{now['floor']} / {now['coverage']} / {now['value_coverage']}: {c['current']['mistakes']} mistakes")
        for name, v in c["validation"].items():
            lines.append(f"  {name}: at the tuned point {v['at_best']['wrong_answers']} wrong answers + "
                         f"{v['at_best']['refused_answers']} wrong refusals; at the current thresholds "
                         f"{v['current']['wrong_answers']} + {v['current']['refused_answers']}")
    return "\n".join(lines)


def _f(v) -> str:
    return f"{v:5.2f}" if isinstance(v, (int, float)) else "    -"
