"""The ask log's rows: every answer as data (question, how it ended, the model's guarded words, the
verbatim quotes, citations, callouts), for the audit trail of a work order."""

from __future__ import annotations

import json

JSON_COLUMNS = ("citations", "warnings", "removed", "quotes")


class AskLog:
    """Ask-log queries of a :class:`~fieldkit.library.catalog.Library`."""

    def log_ask(self, row: dict) -> int:
        """Append one answer (JSON columns given as Python lists)."""
        row = {k: json.dumps(v, ensure_ascii=False) if k in JSON_COLUMNS else v for k, v in row.items()}
        with self.db.atomic():
            return self.db["asks"].insert(row).last_pk

    def asks(self) -> list[dict]:
        rows = list(self.db.query("SELECT * FROM asks ORDER BY id"))
        for r in rows:
            r["refused"] = bool(r["refused"])
            for key in JSON_COLUMNS:
                r[key] = json.loads(r[key] or "[]")
        return rows

    def clear_asks(self) -> int:
        with self.db.atomic():
            count = self.db.execute("SELECT count(*) FROM asks").fetchone()[0]
            self.db.execute("DELETE FROM asks")
        return count
