"""The library folder: a SQLite catalog (sqlite-utils, FTS5), a FAISS index, figure files, a manifest.

SQLite is the source of truth, embeddings included; the FAISS file is a derived index
stamped with the catalog's generation and rebuilt when the stamp does not match. Each
document is written in one transaction, so an interrupted ingest leaves the previous state.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import threading
from pathlib import Path

import numpy as np
import sqlite_utils

from fieldkit import __version__, paths
from fieldkit.errors import LibraryError
from fieldkit.records import CalloutBlock, Chunk, DocumentInfo, Figure, FigureImage, Page
from fieldkit.textnorm import search_text

SCHEMA_VERSION = 4
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


MIGRATIONS = {1: _migration_1, 2: _migration_2, 3: _migration_3, 4: _migration_4}


class Library:
    """One library folder. Create with :meth:`open`; everything else reads or writes through it."""

    def __init__(self, root: Path, embedder_id: str, dim: int):
        self.root = root
        self.embedder_id = embedder_id
        self.dim = dim
        self.figures_root = root / "figures"
        self.db = sqlite_utils.Database(root / "catalog.db")
        self.db.conn.execute("PRAGMA foreign_keys = ON")
        self._index = None
        self._index_generation = None
        self._ref_cache: dict[tuple[int, str], list[dict]] = {}
        self._lock = threading.Lock()

    @classmethod
    def open(cls, embedder_id: str, dim: int, root: Path | None = None) -> "Library":
        root = root or paths.library_dir()
        root.mkdir(parents=True, exist_ok=True)
        _check_manifest(root / "manifest.json", embedder_id, dim)
        lib = cls(root, embedder_id, dim)
        lib._migrate()
        _write_manifest(root / "manifest.json", embedder_id, dim)
        return lib

    # -- schema -------------------------------------------------------------------------------

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LibraryError(
                f"library {self.root} was written by a newer fieldkit (schema {version}, this one "
                f"reads up to {SCHEMA_VERSION}); upgrade fieldkit or use another FIELDKIT_HOME"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.db.atomic():
                MIGRATIONS[target](self.db)
                self.db.execute(f"PRAGMA user_version = {target}")

    # -- documents ------------------------------------------------------------------------------

    def documents(self) -> list[DocumentInfo]:
        return [_doc_info(r) for r in self.db["documents"].rows_where(order_by="name")]

    def document(self, name: str) -> DocumentInfo | None:
        rows = list(self.db["documents"].rows_where("name = ?", [name]))
        return _doc_info(rows[0]) if rows else None

    def generation(self) -> int:
        return int(self.db["meta"].get("generation")["value"])

    def replace_document(
        self, *, name: str, path: str, sha256: str, size: int, fmt: str, title: str, revision: str | None,
        meta: dict, pages: list[Page], chunks: list[Chunk], embeddings: np.ndarray,
        figures: list[FigureImage], callouts: list[CalloutBlock] = (),
    ) -> DocumentInfo:
        """Insert a document, replacing one of the same name, in one transaction."""
        old = self.document(name)
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        with self.db.atomic():
            if old:
                self._delete_rows(old.id)
            doc_id = self.db["documents"].insert({
                "name": name, "path": path, "sha256": sha256, "size": size, "format": fmt, "title": title,
                "revision": revision, "pages": len(pages), "chunks": len(chunks), "figures": len(figures),
                "ocr_pages": sum(p.ocr for p in pages), "ingested_at": now,
                "meta": json.dumps(meta, ensure_ascii=False),
            }).last_pk
            self.db["pages"].insert_all(
                {"doc_id": doc_id, "page": p.number, "label": p.label, "ocr": int(p.ocr), "text": p.text}
                for p in pages
            )
            self.db["chunks"].insert_all(
                {"doc_id": doc_id, "ordinal": c.ordinal, "page": c.page, "page_end": c.page_end,
                 "page_label": c.page_label, "section": c.section, "kind": c.kind, "text": c.text,
                 "search_text": search_text(c.text), "title": title,
                 "embedding": embeddings[i].astype(np.float32).tobytes()}
                for i, c in enumerate(chunks)
            )
            self.db["figures"].insert_all(
                {"doc_id": doc_id, "page": f.page, "label": f.label, "caption": f.caption,
                 "image_path": os.path.relpath(f.image_path, self.root),
                 "thumb_path": os.path.relpath(f.thumb_path, self.root), "context": f.context}
                for f in figures
            )
            self.db["callouts"].insert_all(
                {"doc_id": doc_id, "page": c.page, "page_label": c.page_label, "kind": c.kind, "text": c.text,
                 "section": c.section}
                for c in callouts
            )
            self._bump_generation()
        if old and old.sha256 != sha256:
            shutil.rmtree(self.figure_folder(old.sha256), ignore_errors=True)
        return self.document(name)

    def remove_document(self, name: str) -> bool:
        old = self.document(name)
        if not old:
            return False
        with self.db.atomic():
            self._delete_rows(old.id)
            self._bump_generation()
        shutil.rmtree(self.figure_folder(old.sha256), ignore_errors=True)
        return True

    def figure_folder(self, sha256: str) -> Path:
        return self.figures_root / sha256[:16]

    def _delete_rows(self, doc_id: int) -> None:
        for table in ("chunks", "figures", "pages", "callouts"):
            self.db.execute(f"DELETE FROM {table} WHERE doc_id = ?", [doc_id])
        self.db.execute("DELETE FROM documents WHERE id = ?", [doc_id])

    def _bump_generation(self) -> None:
        self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")

    # -- reads for retrieval ----------------------------------------------------------------

    def chunk_rows(self, ids: list[int]) -> dict[int, dict]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        sql = (
            "SELECT chunks.id, chunks.doc_id, documents.name AS doc, documents.revision, chunks.page, chunks.page_end, "
            "chunks.page_label, chunks.section, chunks.kind, chunks.text FROM chunks "
            f"JOIN documents ON documents.id = chunks.doc_id WHERE chunks.id IN ({marks})"
        )
        return {row["id"]: row for row in self.db.query(sql, ids)}

    def fts(self, match: str, limit: int, docs: frozenset[str] | None = None) -> list[tuple[int, float]]:
        """(chunk id, bm25 score; higher is better) for an FTS5 MATCH expression, within ``docs``."""
        return self._match("chunks_fts", "bm25(chunks_fts, 1.0, 0.6, 0.3)", match, limit, docs)

    def trigram_search(self, grams: list[str], limit: int, docs: frozenset[str] | None = None
                       ) -> list[tuple[int, float]]:
        """(chunk id, bm25 score) over character trigrams."""
        if not grams:
            return []
        match = " OR ".join(f'"{g}"' for g in grams)
        return self._match("chunks_tri", "bm25(chunks_tri)", match, limit, docs)

    def _match(self, table: str, rank: str, match: str, limit: int, docs: frozenset[str] | None):
        where, params = f"{table} MATCH ?", [match]
        if docs is not None:
            where += f" AND documents.name IN ({','.join('?' * len(docs))})"
            params += sorted(docs)
        sql = (
            f"SELECT {table}.rowid, {rank} AS rank FROM {table} "
            f"JOIN chunks ON chunks.id = {table}.rowid JOIN documents ON documents.id = chunks.doc_id "
            f"WHERE {where} ORDER BY rank LIMIT ?"
        )
        return [(row[0], -row[1]) for row in self.db.execute(sql, params + [limit]).fetchall()]

    def applicable_documents(self, text: str) -> frozenset[str]:
        """Manuals whose applicability/effectivity statement or title mentions ``text``."""
        needle = text.lower()
        rows = self.db.query("SELECT name, title, json_extract(meta, '$.applicability') AS applicability FROM documents")
        return frozenset(r["name"] for r in rows
                         if needle in (r["applicability"] or "").lower() or needle in (r["title"] or "").lower())

    def outline(self, name: str) -> list[dict]:
        """The document's heading tree as (level, heading, first page, printed label), in reading order."""
        doc = self.document(name)
        if doc is None:
            return []
        out, previous = [], []
        for row in self.db.query("SELECT section, page, page_label FROM chunks WHERE doc_id = ? ORDER BY ordinal", [doc.id]):
            path = [p for p in (row["section"] or "").split(" > ") if p]
            common = 0
            while common < min(len(path), len(previous)) and path[common] == previous[common]:
                common += 1
            for depth in range(common, len(path)):
                out.append({"level": depth + 1, "heading": path[depth], "page": row["page"], "page_label": row["page_label"]})
            previous = path
        return out

    def callouts_in_section(self, doc: str, section: str) -> list[dict]:
        """The callouts that govern a section of a manual, in document order."""
        sql = (
            "SELECT callouts.*, documents.name AS doc FROM callouts JOIN documents ON documents.id = callouts.doc_id "
            "WHERE documents.name = ? AND callouts.section = ? ORDER BY callouts.id"
        )
        return list(self.db.query(sql, [doc, section]))

    def referenced_callouts(self, doc: str) -> list[dict]:
        """Callouts of the warning modules (S1000D info code 012) that ``doc`` references by DMC."""
        key = (self.generation(), doc)
        if key not in self._ref_cache:
            self._ref_cache = {k: v for k, v in self._ref_cache.items() if k[0] == key[0]}
            self._ref_cache[key] = self._referenced_callouts(doc)
        return self._ref_cache[key]

    def _referenced_callouts(self, doc: str) -> list[dict]:
        sql = (
            "SELECT callouts.*, documents.name AS doc FROM callouts JOIN documents ON documents.id = callouts.doc_id "
            "WHERE json_extract(documents.meta, '$.dmc') IN (SELECT value FROM json_each(("
            "SELECT json_extract(meta, '$.warning_refs') FROM documents WHERE name = ?))) ORDER BY callouts.id"
        )
        return list(self.db.query(sql, [doc]))

    def term_count(self, token: str) -> int:
        """How many chunks contain ``token`` (as FTS5 indexes it)."""
        from fieldkit.textnorm import query_terms

        terms = query_terms(token)
        if not terms:
            return 0
        sql = "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?"
        return self.db.execute(sql, [" AND ".join(terms)]).fetchone()[0]

    def page_text(self, doc: str, page: int) -> str | None:
        """The text of one page of a manual as ingested, or None when it has no such page."""
        row = self.db.execute("SELECT pages.text FROM pages JOIN documents ON documents.id = pages.doc_id "
                              "WHERE documents.name = ? AND pages.page = ?", [doc, page]).fetchone()
        return row[0] if row else None

    def mentions_identifier(self, ident: str) -> bool:
        """Does any chunk name ``ident``, however its manual separates the parts ("PD-680" ~ "P-D-680",
        "MS20995C32" ~ "MS 20995 C32"), as a whole token ("UH-1" is not "UH-1M")?"""
        if self.term_count(ident):
            return True
        chars = [c for c in ident.lower() if c.isalnum()]
        groups = re.findall(r"\d+", ident)
        if not chars or not groups:
            return False
        pattern = re.compile(r"(?<![\w])" + r"[-\s./]?".join(map(re.escape, chars)) + r"(?![\w])", re.IGNORECASE)
        longest = max(groups, key=len)
        rows = self.db.execute("SELECT chunks.text FROM chunks_fts JOIN chunks ON chunks.id = chunks_fts.rowid "
                               "WHERE chunks_fts MATCH ? LIMIT 500", [f'"{longest}"']).fetchall()
        return any(pattern.search(row[0]) for row in rows)

    def written_in_cjk(self, doc: str) -> bool:
        """Is manual ``doc`` written mostly in Chinese or Japanese characters (judged on its first chunks)?"""
        from fieldkit.textnorm import mostly_cjk

        rows = self.db.execute("SELECT chunks.text FROM chunks JOIN documents ON documents.id = chunks.doc_id "
                               "WHERE documents.name = ? ORDER BY chunks.ordinal LIMIT 30", [doc]).fetchall()
        return mostly_cjk("".join(row[0] for row in rows))

    def following_text(self, chunk_id: int) -> str:
        """The text of the chunk after ``chunk_id`` in its manual when it continues the same section
        (a procedure's next steps), else ""."""
        row = self.db.execute(
            "SELECT b.text FROM chunks a JOIN chunks b ON b.doc_id = a.doc_id AND b.ordinal = a.ordinal + 1 "
            "AND b.section = a.section WHERE a.id = ?", [chunk_id]).fetchone()
        return row[0] if row else ""

    def chunk_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]

    def word_count(self, word: str) -> int:
        """How many chunks use ``word``: as FTS5 indexes it (porter stems: "bonded" ~ "bonding"), else
        as the start of a word ("trans" ~ "transmission"), else split into the words it glues together
        ("runup" ~ "run-up", "layup" ~ "lay up")."""
        import wordninja

        count = self.term_count(word)
        if count or not word.isalpha():
            return count
        sql = "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?"
        if len(word) >= 3:
            count = self.db.execute(sql, [f'"{word.lower()}"*']).fetchone()[0]
        pieces = wordninja.split(word)
        if not count and len(pieces) > 1:
            count = self.db.execute(sql, ['"' + " ".join(pieces).lower() + '"']).fetchone()[0]
        return count

    def figures_of(self, doc: str, pages: set[int], text: str) -> list[Figure]:
        """The figures of a passage: those on its ``pages``; in a document without pages (Markdown,
        HTML, S1000D are one page) those whose label its ``text`` names."""
        if not pages:
            return []
        marks = ",".join("?" * len(pages))
        sql = (
            "SELECT documents.name AS doc, documents.format AS format, figures.* FROM figures "
            "JOIN documents ON documents.id = figures.doc_id "
            f"WHERE documents.name = ? AND figures.page IN ({marks}) ORDER BY figures.page, figures.id"
        )
        return [
            Figure(r["doc"], r["page"], r["label"], r["caption"], str(self.root / r["image_path"]),
                   str(self.root / r["thumb_path"]))
            for r in self.db.query(sql, [doc, *sorted(pages)])
            if r["format"] == "pdf" or re.search(rf"{re.escape(r['label'])}(?![\w.-]*\d)", text, re.IGNORECASE)
        ]

    def vector_index(self):
        """The FAISS index over all chunk embeddings, loaded or rebuilt for the current generation."""
        import faiss

        with self._lock:
            generation = self.generation()
            if self._index is not None and self._index_generation == generation:
                return self._index
            path = self.root / f"vectors-{generation}.faiss"
            if path.exists():
                index = faiss.read_index(str(path))
            else:
                index = self._build_index()
                tmp = path.with_suffix(".tmp")
                faiss.write_index(index, str(tmp))
                os.replace(tmp, path)
                for stale in self.root.glob("vectors-*.faiss"):
                    if stale != path:
                        stale.unlink(missing_ok=True)
            if index.d != self.dim:
                raise LibraryError(f"vector index {path} has dimension {index.d}, expected {self.dim}")
            self._index, self._index_generation = index, generation
            return index

    def _build_index(self):
        import faiss

        index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        rows = self.db.execute("SELECT id, embedding FROM chunks ORDER BY id").fetchall()
        if rows:
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), self.dim)
            index.add_with_ids(vectors, ids)
        return index

    def close(self) -> None:
        self.db.close()


def _doc_info(row: dict) -> DocumentInfo:
    return DocumentInfo(
        id=row["id"], name=row["name"], path=row["path"], sha256=row["sha256"], title=row["title"] or "",
        pages=row["pages"], chunks=row["chunks"], figures=row["figures"], ocr_pages=row["ocr_pages"],
        ingested_at=row["ingested_at"], revision=row["revision"], format=row["format"],
    )


def _check_manifest(path: Path, embedder_id: str, dim: int) -> None:
    if not path.exists():
        return
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise LibraryError(f"library manifest {path} is unreadable ({exc}); restore it or use a new FIELDKIT_HOME") from exc
    if manifest.get("embedder") != embedder_id or manifest.get("dim") != dim:
        raise LibraryError(
            f"library {path.parent} was built with embedder {manifest.get('embedder')!r} "
            f"(dim {manifest.get('dim')}), but this fieldkit embeds with {embedder_id!r} (dim {dim}); "
            "vectors cannot be mixed: ingest into a new library (set FIELDKIT_HOME) or remove this one"
        )


def _write_manifest(path: Path, embedder_id: str, dim: int) -> None:
    manifest = {"embedder": embedder_id, "dim": dim, "schema_version": SCHEMA_VERSION, "fieldkit": __version__}
    if path.exists() and json.loads(path.read_text()) == manifest:
        return
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(tmp, path)
