"""The audit trail: every answer is logged in the library for the work order, however it ended.

Each row: time, question, language, status (answered, refused, cancelled, abandoned), the model's
guarded words, the verbatim quotes, the refusal reason, citations (with document revision), callouts
shown, model, fieldkit version, session. Export as CSV or JSON; clearing is the shell's job to confirm.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from fieldkit import __version__


def log_answer(library, answer, language: str, session: str | None = None) -> int:
    return library.log_ask({
        "asked_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "question": answer.asked(),
        "language": language,
        "status": answer.status,
        "answer": answer.generated,
        "generated": answer.generated,
        "quotes": [{"text": q.text, "doc": q.passage.doc, "page": q.passage.page} for q in answer.quotes],
        "reason": answer.reason,
        "refused": int(answer.refused),
        "citations": [p.citation() for p in answer.citations],
        "warnings": [w.to_json() for w in answer.warnings],
        "removed": [r.to_json() for r in answer.removed],
        "model": answer.model,
        "fieldkit_version": __version__,
        "session": session,
    })


def entries(library) -> list[dict]:
    return library.asks()


def export(library, fmt: str) -> str:
    rows = entries(library)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    fields = ["id", "asked_at", "question", "language", "status", "reason", "generated", "quotes", "citations",
              "model", "fieldkit_version", "session"]
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow({**r, "citations": "; ".join(_cite(c) for c in r["citations"]),
                         "quotes": " | ".join(f"\"{q['text']}\" ({q['doc']} p.{q['page']})" for q in r["quotes"])})
    return out.getvalue()


def _cite(c: dict) -> str:
    rev = f" rev {c['revision']}" if c.get("revision") else ""
    label = f" ({c['page_label']})" if c.get("page_label") else ""
    return f"{c['doc']}{rev} p.{c['page']}{label} {c.get('section') or ''}".strip()


def clear(library) -> int:
    return library.clear_asks()
