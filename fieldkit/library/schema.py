"""The catalog's schema: its tables and FTS5 indexes, created and upgraded by numbered migrations
(``PRAGMA user_version``)."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from fieldkit.errors import LibraryError

SCHEMA_VERSION = 6
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"


def _migration_1(db: sqlite_utils.Database) -> None:
    db["documents"].create(
        {"id": int, "name": str, "path": str, "sha256": str, "size": int, "format": str, "title": str,
         "revision": str, "pages": int, "chunks": int, "figures": int, "ocr_pages": int,
         "ingested_at": str, "meta": str},
        pk="id", not_null={"name", "sha256"},
    )
    db["documents"].create_index(["name"], unique=True)
    db["pages"].create(
        {"doc_id": int, "page": int, "label": str, "ocr": int, "text": str},
        pk=("doc_id", "page"), foreign_keys=[("doc_id", "documents", "id")],
    )
    db["chunks"].create(
        {"id": int, "doc_id": int, "ordinal": int, "page": int, "page_end": int, "page_label": str,
         "section": str, "kind": str, "text": str, "search_text": str, "title": str, "embedding": bytes},
        pk="id", foreign_keys=[("doc_id", "documents", "id")],
    )
    db["chunks"].create_index(["doc_id", "page"])
    db["chunks"].enable_fts(["search_text", "section", "title"], tokenize=FTS_TOKENIZE, create_triggers=True)
    db["figures"].create(
        {"id": int, "doc_id": int, "page": int, "label": str, "caption": str, "image_path": str,
         "thumb_path": str, "context": str},
        pk="id", foreign_keys=[("doc_id", "documents", "id")],
    )
    db["figures"].create_index(["doc_id", "page"])
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["meta"].insert({"key": "generation", "value": "0"})


def _migration_2(db: sqlite_utils.Database) -> None:
    db["callouts"].create(
        {"id": int, "doc_id": int, "page": int, "page_label": str, "kind": str, "text": str, "section": str},
        pk="id", foreign_keys=[("doc_id", "documents", "id")],
    )
    db["callouts"].create_index(["doc_id", "section"])


def _migration_3(db: sqlite_utils.Database) -> None:
    db["asks"].create(
        {"id": int, "asked_at": str, "question": str, "language": str, "answer": str, "refused": int,
         "citations": str, "warnings": str, "removed": str, "model": str, "fieldkit_version": str, "session": str},
        pk="id",
    )


def _migration_4(db: sqlite_utils.Database) -> None:
    """Character trigrams of every chunk (FTS5 trigram tokenizer): finds cognates across languages
    ("neutralizante" ~ "neutralizing") and CJK words without a word segmenter."""
    db.execute("CREATE VIRTUAL TABLE chunks_tri USING fts5(text, tokenize='trigram')")
    db.execute("INSERT INTO chunks_tri(rowid, text) SELECT id, lower(text) FROM chunks")
    db.execute("CREATE TRIGGER chunks_tri_ai AFTER INSERT ON chunks BEGIN "
               "INSERT INTO chunks_tri(rowid, text) VALUES (new.id, lower(new.text)); END")
    db.execute("CREATE TRIGGER chunks_tri_ad AFTER DELETE ON chunks BEGIN "
               "DELETE FROM chunks_tri WHERE rowid = old.id; END")


def _migration_5(db: sqlite_utils.Database) -> None:
    """The ask log records how an answer ended (answered, refused, cancelled, failed), the model's
    guarded words and the verbatim quotes, as data: the shells render them."""
    db["asks"].add_column("status", str)
    db["asks"].add_column("generated", str)
    db["asks"].add_column("quotes", str)
    db["asks"].add_column("reason", str)
    db.execute("UPDATE asks SET status = CASE refused WHEN 1 THEN 'refused' ELSE 'answered' END")


def _migration_6(db: sqlite_utils.Database) -> None:
    """Each document owns its figure folder (named at ingest, recorded here): two manuals with the same
    content no longer share one, so removing one leaves the other's figures. Older documents keep the
    folder named by their content hash."""
    db["documents"].add_column("figures_dir", str)
    db.execute("UPDATE documents SET figures_dir = 'figures/' || substr(sha256, 1, 16)")


MIGRATIONS = {1: _migration_1, 2: _migration_2, 3: _migration_3, 4: _migration_4, 5: _migration_5,
              6: _migration_6}


def migrate(db: sqlite_utils.Database, root: Path, read_only: bool = False) -> None:
    """Bring the catalog's schema up to :data:`SCHEMA_VERSION` (``read_only``: only check it is)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise LibraryError(
            f"library {root} was written by a newer fieldkit (schema {version}, this one "
            f"reads up to {SCHEMA_VERSION}); upgrade fieldkit or use another FIELDKIT_HOME"
        )
    if version < SCHEMA_VERSION and read_only:
        raise LibraryError(f"library {root} has schema {version} and needs an upgrade to {SCHEMA_VERSION}; "
                           "open it once with write access (run `fieldkit manuals`), then read-only")
    for target in range(version + 1, SCHEMA_VERSION + 1):
        with db.atomic():
            MIGRATIONS[target](db)
            db.execute(f"PRAGMA user_version = {target}")
