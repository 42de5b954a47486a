"""The library folder: a SQLite catalog (sqlite-utils, FTS5), a FAISS index, figure files, a manifest.

SQLite is the source of truth, embeddings included; the FAISS file is a derived index stamped with
the catalog's generation (``vectors.py``). Each document is written in one transaction, so an
interrupted ingest leaves the previous state. Each thread gets its own SQLite connection, so a
library opened on a UI thread answers in a worker; ``read_only`` opens it without writing anything.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import threading
from pathlib import Path

import numpy as np
import sqlite_utils

from fieldkit import paths
from fieldkit.errors import LibraryError
from fieldkit.library import manifest
from fieldkit.library.asklog import AskLog
from fieldkit.library.packs import finish_interrupted
from fieldkit.library.reads import Reads
from fieldkit.library.records import CalloutBlock, Chunk, DocumentInfo, FigureImage, Page
from fieldkit.library.schema import migrate
from fieldkit.library.vectors import VectorIndex
from fieldkit.text.normalize import search_text


class Library(Reads, AskLog):
    """One library folder. Create with :meth:`open`; everything else reads or writes through it."""

    def __init__(self, root: Path, embedder_id: str, dim: int, read_only: bool = False):
        self.root = root
        self.embedder_id = embedder_id
        self.dim = dim
        self.read_only = read_only
        self.figures_root = root / "figures"
        self._vectors = VectorIndex(root, dim, read_only)
        self._ref_cache: dict[tuple[int, str], list[dict]] = {}
        self._local = threading.local()
        self._connections: list[sqlite_utils.Database] = []
        self._connections_lock = threading.Lock()

    @classmethod
    def open(cls, embedder_id: str, dim: int, root: Path | None = None, read_only: bool = False) -> "Library":
        if (root is None or root == paths.library_dir()) and not read_only:
            finish_interrupted(paths.home())  # a pack install cut short between its two renames
        root = root or paths.library_dir()
        if read_only and not (root / "catalog.db").is_file():
            raise LibraryError(f"no library at {root}; ingest manuals first (`fieldkit ingest PATH`)")
        if not read_only:
            root.mkdir(parents=True, exist_ok=True)
        manifest.check(root / "manifest.json", embedder_id, dim)
        lib = cls(root, embedder_id, dim, read_only)
        migrate(lib.db, root, read_only)
        if not read_only:
            manifest.write(root / "manifest.json", embedder_id, dim)
        return lib

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection to the catalog (SQLite connections belong to their thread)."""
        db = getattr(self._local, "db", None)
        if db is None:
            path = self.root / "catalog.db"
            if self.read_only:
                conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            else:
                conn = sqlite3.connect(str(path), check_same_thread=False)
            conn.execute("PRAGMA foreign_keys = ON")
            db = self._local.db = sqlite_utils.Database(conn)
            with self._connections_lock:
                self._connections.append(db)
        return db

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

    def vector_index(self):
        """The FAISS index over all chunk embeddings, loaded or rebuilt for the current generation."""
        return self._vectors.get(self.db, self.generation())

    def document_details(self, name: str) -> dict:
        """A manual's applicability, figures and callouts (for `fieldkit manuals show`)."""
        doc = self.document(name)
        if doc is None:
            return {}
        meta = json.loads(self.db.execute("SELECT meta FROM documents WHERE id = ?", [doc.id]).fetchone()[0] or "{}")
        return {
            "applicability": meta.get("applicability"),
            "figures": list(self.db.query("SELECT page, label, caption FROM figures WHERE doc_id = ? ORDER BY page",
                                          [doc.id])),
            "callouts": list(self.db.query("SELECT kind, page, text FROM callouts WHERE doc_id = ? ORDER BY id",
                                           [doc.id])),
        }

    def close(self) -> None:
        with self._connections_lock:
            for db in self._connections:
                db.close()
            self._connections.clear()
        self._local = threading.local()


def _doc_info(row: dict) -> DocumentInfo:
    return DocumentInfo(
        id=row["id"], name=row["name"], path=row["path"], sha256=row["sha256"], title=row["title"] or "",
        pages=row["pages"], chunks=row["chunks"], figures=row["figures"], ocr_pages=row["ocr_pages"],
        ingested_at=row["ingested_at"], revision=row["revision"], format=row["format"],
    )
