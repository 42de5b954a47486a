"""The audit trail: every answer is logged in the library's SQLite for the work order.

Each row: time, question, language, answer, refused, citations (with document revision), model,
fieldkit version, session. Export as CSV or JSON; clearing is the shell's job to confirm.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from fieldkit import __version__


def log_answer(library, answer, language: str, session: str | None = None) -> int:
    citations = [p.citation() for p in answer.citations]
    row = {
        "asked_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "question": answer.question,
        "language": language,
        "answer": answer.answer,
        "refused": int(answer.refused),
        "citations": json.dumps(citations, ensure_ascii=False),
        "warnings": json.dumps([w.to_json() for w in answer.warnings], ensure_ascii=False),
        "removed": json.dumps([r.to_json() for r in answer.removed], ensure_ascii=False),
        "model": answer.model,
        "fieldkit_version": __version__,
        "session": session,
    }
    with library.db.atomic():
        return library.db["asks"].insert(row).last_pk


def entries(library) -> list[dict]:
    rows = list(library.db.query("SELECT * FROM asks ORDER BY id"))
    for r in rows:
        r["refused"] = bool(r["refused"])
        for key in ("citations", "warnings", "removed"):
            r[key] = json.loads(r[key] or "[]")
    return rows


def export(library, fmt: str) -> str:
    rows = entries(library)
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    out = io.StringIO()
    fields = ["id", "asked_at", "question", "language", "answer", "refused", "citations", "model",
              "fieldkit_version", "session"]
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow({**r, "citations": "; ".join(_cite(c) for c in r["citations"])})
    return out.getvalue()


def _cite(c: dict) -> str:
    rev = f" rev {c['revision']}" if c.get("revision") else ""
    label = f" ({c['page_label']})" if c.get("page_label") else ""
    return f"{c['doc']}{rev} p.{c['page']}{label} {c.get('section') or ''}".strip()


def clear(library) -> int:
    with library.db.atomic():
        count = library.db.execute("SELECT count(*) FROM asks").fetchone()[0]
        library.db.execute("DELETE FROM asks")
    return count
