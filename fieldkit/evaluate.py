"""`fieldkit eval`: page hit@1/@5, expect-string coverage, refusals, latency, per question kind."""

from __future__ import annotations

import re
from collections import defaultdict

from fieldkit.events import Done, Retrieved
from fieldkit.evidence import DENSE_FLOOR


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

        hits = [(doc is None or p.doc == doc) and any(g in gold for g in range(p.page, p.page_end + 1))
                for p in passages]
        # What the answer shows with a citation: passages, the callouts shown first, the quotes.
        cited = _collapse(" ".join([p.text for p in answer.citations] + [w.text for w in answer.warnings]))
        expect = item.get("expect") or []
        covered = [e for e in expect if _collapse(e) in cited]
        evidence = answer.evidence
        ungrounded = ungrounded_numbers(answer)
        wanted_figures = {_figure_key(e) for e in expect if _figure_key(e)}
        shown_figures = {_figure_key(f.label) for f in answer.figures}
        rows.append({
            "id": item.get("id"), "kind": item.get("kind", "unknown"), "answerable": bool(gold),
            "hit1": bool(hits[:1] and hits[0]), "hit5": any(hits[:5]),
            "first_hit_rank": next((i + 1 for i, h in enumerate(hits) if h), None),
            "expect_total": len(expect), "expect_covered": len(covered), "refused": answer.refused,
            "reason": answer.reason, "top_dense": evidence.top_dense, "english": evidence.english,
            "unknown_identifiers": list(evidence.unknown_identifiers),
            "retrieve_ms": round(retrieve_s * 1000, 1), "answer_ms": answer.timings_ms.get("total"),
            "first_token_ms": answer.timings_ms.get("first_token"),
            "removed": len(answer.removed), "ungrounded_numbers": ungrounded, "answer": answer.answer,
            "figures_expected": len(wanted_figures), "figures_returned": len(wanted_figures & shown_figures),
            "pages": [[p.doc, p.page] for p in passages],
        })
    return summarize(rows), rows


NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


def ungrounded_numbers(answer) -> list[str]:
    """Numbers in the answer text that occur in none of its cited passages or callouts (citation
    markers aside). The promise is that this list is always empty."""
    from fieldkit.guard import normalize

    if answer.refused:
        return []
    cited = normalize(" ".join([p.text for p in answer.citations] + [w.text for w in answer.warnings]))
    known = set(NUMBER_RE.findall(cited))
    body = normalize(re.sub(r"\[[^\]]*\]", "", answer.answer))
    return [n for n in NUMBER_RE.findall(body) if n not in known]


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
        })
        if any(r["figures_expected"] for r in answerable):
            out["figure_records"] = (f"{sum(r['figures_returned'] for r in answerable)}/"
                                     f"{sum(r['figures_expected'] for r in answerable)}")
    if unanswerable:
        out.update({"unanswerable": len(unanswerable), "refused_unanswerable": sum(r["refused"] for r in unanswerable)})
    return out


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
    report["dense_floor"] = DENSE_FLOOR
    return report


def calibrate_floor(rows: list[dict]) -> dict:
    """Sweep the dense-similarity floor. An answer is right when the passages hold the answer (hit@5)
    and wrong when they do not (unanswerable items included); a refusal is right exactly when an
    answer would be wrong. Pick the middle of the widest run of floors with the fewest mistakes."""
    table = []
    for step in range(20, 71):
        floor = step / 100
        wrong_answers = refused_answers = 0
        for r in rows:
            refused = bool(r["unknown_identifiers"]) or (r["english"] and r["top_dense"] < floor)
            has_answer = r["answerable"] and r["hit5"]
            wrong_answers += (not refused) and not has_answer
            refused_answers += refused and has_answer
        table.append({"floor": floor, "wrong_answers": wrong_answers, "refused_answers": refused_answers,
                      "mistakes": wrong_answers + refused_answers})
    fewest = min(t["mistakes"] for t in table)
    runs, run = [], []
    for t in table:
        if t["mistakes"] == fewest:
            run.append(t)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    widest = max(runs, key=len)
    best = widest[len(widest) // 2]
    return {"best": best, "range": [widest[0]["floor"], widest[-1]["floor"]], "current": DENSE_FLOOR, "sweep": table}


def format_report(report: dict) -> str:
    lines = ["kind            n  hit@1  hit@5  expect  false-ref  refused-unans  ungrounded-numbers"]

    def row(name, b):
        return (f"{name:14} {b['n']:2}  {_f(b.get('hit@1'))}  {_f(b.get('hit@5'))}  {_f(b.get('expect_coverage'))}"
                f"  {b.get('false_refusals', '-')!s:>9}  "
                + (f"{b['refused_unanswerable']}/{b['unanswerable']}" if "unanswerable" in b else "-").rjust(13)
                + f"  {b['ungrounded_numbers']:>18}")

    for kind, b in report["by_kind"].items():
        lines.append(row(kind, b))
    lines.append(row("ALL", report["overall"]))
    if "figure_records" in report["overall"]:
        lines.append(f"expected figures returned as figure records: {report['overall']['figure_records']}")
    lat = report["latency_ms"]
    lines.append(f"retrieval p50/p95 {lat['retrieve_p50']}/{lat['retrieve_p95']} ms; "
                 f"answer p50/p95 {lat['answer_p50']}/{lat['answer_p95']} ms")
    if "calibration" in report:
        c = report["calibration"]
        lines.append(f"calibration: best dense floor {c['best']['floor']} (best range {c['range'][0]}-{c['range'][1]}: "
                     f"{c['best']['wrong_answers']} answers without the answer in the passages, "
                     f"{c['best']['refused_answers']} refusals with it); current {c['current']}")
    return "\n".join(lines)


def _f(v) -> str:
    return f"{v:5.2f}" if isinstance(v, (int, float)) else "    -"
