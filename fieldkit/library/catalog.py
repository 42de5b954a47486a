"""The library folder: a SQLite catalog (sqlite-utils, FTS5), a FAISS index, figure files, a manifest.

SQLite is the source of truth, embeddings included; the FAISS file is a derived index the catalog
vouches for (``vectors.py``). Each document is written in one transaction, so an interrupted ingest
leaves the previous state. The catalog is in WAL mode: readers see the last committed state while one
writer writes; writers take the folder's ``lock`` file (``fcntl.flock``) so two ingests take turns,
and wait up to ``FIELDKIT_BUSY_TIMEOUT`` seconds (default 30) for SQLite's own locks. Chunk ids are
never reused, so an id the FAISS index holds names one chunk or none. Each thread gets its own SQLite
connection, so a library opened on a UI thread answers in a worker; ``read_only`` opens it without
writing anything. A locked, read-only or damaged catalog is a LibraryError saying what to do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import sqlite_utils

from fieldkit import paths
from fieldkit.errors import LibraryError
from fieldkit.library import manifest
from fieldkit.library.asklog import AskLog
from fieldkit.library.packs import finish_interrupted
from fieldkit.library.reads import SCRIPT_KEY, Reads, script_of
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
    def open(cls, embedder_id: str, dim: int, root: Path | None = None, read_only: bool | None = False) -> "Library":
        """``read_only``: True opens without writing anything; None (reading commands: search, manuals)
        opens read-only only when the library may not be written (a kiosk's, a mounted pack)."""
        if read_only is None:
            where = root or paths.library_dir()
            read_only = (where / "catalog.db").is_file() and not (_writable(where) and _writable(where / "catalog.db"))
        if (root is None or root == paths.library_dir()) and not read_only:
            finish_interrupted(paths.home())  # a pack install cut short between its two renames
        root = root or paths.library_dir()
        if read_only and not (root / "catalog.db").is_file():
            raise LibraryError(f"no library at {root}; ingest manuals first (`fieldkit ingest PATH`)")
        if not read_only:
            root.mkdir(parents=True, exist_ok=True)
        manifest.check(root / "manifest.json", embedder_id, dim)
        catalog = root / "catalog.db"
        if not read_only and (not _writable(root) or (catalog.exists() and not _writable(catalog))):
            raise LibraryError(f"library {root} is read-only (no write permission on {catalog if _writable(root) else root});"
                               " give write access, or open it read-only (`fieldkit ask --read-only`, the kiosk)")
        lib = cls(root, embedder_id, dim, read_only)
        try:
            with lib.sql_errors():
                migrate(lib.db, root, read_only)
                if not read_only:
                    manifest.write(root / "manifest.json", embedder_id, dim)
        except BaseException:
            lib.close()
            raise
        return lib

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection to the catalog (SQLite connections belong to their thread)."""
        db = getattr(self._local, "db", None)
        if db is None:
            path, timeout = self.root / "catalog.db", busy_timeout()
            with self.sql_errors():
                if self.read_only:
                    wal = path.with_name("catalog.db-wal")
                    # A folder nobody may write (kiosk): SQLite could not make WAL side files (and must not).
                    frozen = not _writable(self.root) and not (wal.exists() and wal.stat().st_size)
                    uri = f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if frozen else "")
                    conn = sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False)
                else:
                    conn = sqlite3.connect(str(path), timeout=timeout, check_same_thread=False)
                    conn.execute("PRAGMA journal_mode = WAL")
                    conn.execute("PRAGMA synchronous = FULL")
                conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
                conn.execute("PRAGMA foreign_keys = ON")
            # No sqlite-utils plugins: a plugin installed beside fieldkit could change the catalog's
            # connection, and finding them reads every installed package's metadata (70 ms a process).
            db = self._local.db = sqlite_utils.Database(conn, execute_plugins=False)
            with self._connections_lock:
                self._connections.append(db)
        return db

    # -- documents ------------------------------------------------------------------------------

    def documents(self) -> list[DocumentInfo]:
        return [_doc_info(r) for r in self.db["documents"].rows_where(select=_DOC_COLUMNS, order_by="name")]

    def document(self, name: str) -> DocumentInfo | None:
        """The document whose key is ``name`` (its path relative to the folder it was ingested from)."""
        rows = list(self.db["documents"].rows_where("name = ?", [name], select=_DOC_COLUMNS))
        return _doc_info(rows[0]) if rows else None

    def find_documents(self, ref: str) -> list[DocumentInfo]:
        """What a user means by ``ref``: the document with that key, else those whose key ends with it
        ("manual.pdf" finds "a/manual.pdf" and "b/manual.pdf": the caller says which are meant)."""
        exact = self.document(ref)
        if exact:
            return [exact]
        ref = ref.strip("/")
        return [_doc_info(r) for r in self.db["documents"].rows_where(
            "substr(name, -?) = ?", [len(ref) + 1, "/" + ref], select=_DOC_COLUMNS, order_by="name")] if ref else []

    def generation(self) -> int:
        # Plain SQL: sqlite-utils' table.get reads the table's schema on every call (searches ask often).
        return int(self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])

    def new_figure_folder(self) -> Path:
        """A fresh folder for one ingest's figures: each document owns its own, so replacing or removing
        one never touches another's (even one with the same content) and a failed ingest only its own."""
        return self.figures_root / secrets.token_hex(8)

    def replace_document(
        self, *, name: str, path: str, sha256: str, size: int, fmt: str, title: str, revision: str | None,
        meta: dict, pages: list[Page], chunks: list[Chunk], embeddings: np.ndarray,
        figures: list[FigureImage], callouts: list[CalloutBlock] = (), figures_dir: Path | None = None,
    ) -> DocumentInfo:
        """Insert a document, replacing the one with the same key, in one transaction (under the writer
        lock). ``figures_dir`` is the folder its figure files were written to (``new_figure_folder``)."""
        with self.writing():
            return self._replace_document(
                name=name, path=path, sha256=sha256, size=size, fmt=fmt, title=title, revision=revision, meta=meta,
                pages=pages, chunks=chunks, embeddings=embeddings, figures=figures, callouts=callouts,
                figures_dir=figures_dir)

    def _replace_document(self, *, name, path, sha256, size, fmt, title, revision, meta, pages, chunks, embeddings,
                          figures, callouts, figures_dir) -> DocumentInfo:
        old = self.document(name)
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        owned = os.path.relpath(figures_dir, self.root) if figures_dir else None
        with self._immediate():
            if old:
                self._delete_rows(old.id)
            first = self._next_chunk_id(len(chunks))
            doc_id = self.db["documents"].insert({
                "name": name, "path": path, "sha256": sha256, "size": size, "format": fmt, "title": title,
                "revision": revision, "pages": len(pages), "chunks": len(chunks), "figures": len(figures),
                "ocr_pages": sum(p.ocr for p in pages), "ingested_at": now,
                "meta": json.dumps({**meta, SCRIPT_KEY: script_of(c.text for c in chunks)}, ensure_ascii=False),
                "figures_dir": owned,
            }).last_pk
            self.db["pages"].insert_all(
                {"doc_id": doc_id, "page": p.number, "label": p.label, "ocr": int(p.ocr), "text": p.text}
                for p in pages
            )
            self.db["chunks"].insert_all(
                {"id": first + i, "doc_id": doc_id, "ordinal": c.ordinal, "page": c.page, "page_end": c.page_end,
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
        if old:
            self._drop_figure_folder(old)
        return self.document(name)

    def remove_document(self, name: str) -> bool:
        with self.writing():
            old = self.document(name)
            if not old:
                return False
            with self._immediate():
                self._delete_rows(old.id)
                self._bump_generation()
        self._drop_figure_folder(old)
        return True

    def _drop_figure_folder(self, old: DocumentInfo) -> None:
        """Delete a document's figure folder, unless another document still names it (two documents of
        one content ingested before folders were per document share one)."""
        if not old.figures_dir or self.db.execute("SELECT 1 FROM documents WHERE figures_dir = ?",
                                                  [old.figures_dir]).fetchone():
            return
        folder = (self.root / old.figures_dir).resolve()
        if folder.parent == self.figures_root.resolve():  # never outside the library's figures/
            shutil.rmtree(folder, ignore_errors=True)

    def _delete_rows(self, doc_id: int) -> None:
        for table in ("chunks", "figures", "pages", "callouts"):
            self.db.execute(f"DELETE FROM {table} WHERE doc_id = ?", [doc_id])
        self.db.execute("DELETE FROM documents WHERE id = ?", [doc_id])

    def _next_chunk_id(self, count: int) -> int:
        """The first of ``count`` fresh chunk ids: past every id this catalog ever gave (recorded in meta),
        so a FAISS index loaded before a change never maps an id to another manual's chunk."""
        high = self.db.execute("SELECT max(coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = "
                               "'chunk_id_high'), 0), coalesce((SELECT max(id) FROM chunks), 0))").fetchone()[0]
        self.db.execute("INSERT INTO meta (key, value) VALUES ('chunk_id_high', ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [str(high + count)])
        return high + 1

    def _bump_generation(self) -> None:
        self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")

    def vector_index(self):
        """The FAISS index over all chunk embeddings, loaded or rebuilt for the current generation."""
        with self.sql_errors():
            return self._vectors.get(self.db, self.generation())

    def log_ask(self, row: dict) -> int:
        with self.sql_errors():
            return super().log_ask(row)

    @contextlib.contextmanager
    def writing(self):
        """The library's one writer: an exclusive ``flock`` on ``lock`` in its folder (another ingest
        waits its turn, up to the busy timeout), SQLite errors as LibraryError."""
        if self.read_only:
            raise LibraryError(f"library {self.root} is open read-only; open it with write access to change it")
        with self.sql_errors():
            fd = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + busy_timeout()
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LibraryError(_BUSY.format(root=self.root, seconds=busy_timeout())) from None
                    time.sleep(0.05)
            with self.sql_errors():
                yield
        finally:
            os.close(fd)  # releases the lock

    @contextlib.contextmanager
    def _immediate(self):
        """A write transaction holding SQLite's write lock from its start (BEGIN IMMEDIATE): a deferred one
        that reads first fails at once when another connection commits in between (busy snapshot)."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise

    @contextlib.contextmanager
    def sql_errors(self):
        """SQLite's operational errors as one-line LibraryErrors saying what to do."""
        try:
            yield
        except sqlite3.Error as exc:
            text, path = str(exc), self.root / "catalog.db"
            if "locked" in text or "busy" in text:
                message = _BUSY.format(root=self.root, seconds=busy_timeout())
            elif "readonly" in text or "read-only" in text:
                message = (f"library {self.root} cannot be written ({text}); give write access to the folder "
                           "and catalog.db, or open it read-only (`fieldkit ask --read-only`, the kiosk)")
            elif "unable to open" in text:
                message = f"cannot open the catalog {path} ({text}); check the folder exists and is readable"
            elif "full" in text:
                message = f"the disk holding {path} is full ({text}); free space and try again"
            else:
                message = (f"the catalog {path} is damaged or unreadable ({text}); run `fieldkit doctor`, "
                           "then restore it from a backup or re-ingest the manuals into a new library")
            raise LibraryError(message) from exc

    def document_details(self, name: str) -> dict:
        """A manual's applicability, figures and callouts (for `fieldkit manuals show`)."""
        doc = self.document(name)
        if doc is None:
            return {}
        meta = json.loads(self.db.execute("SELECT meta FROM documents WHERE id = ?", [doc.id]).fetchone()[0] or "{}")
        return {
            "applicability": meta.get("applicability"),
            "skipped_pages": meta.get("skipped_pages", []),
            "figures": list(self.db.query("SELECT page, label, caption FROM figures WHERE doc_id = ? ORDER BY page",
                                          [doc.id])),
            "callouts": list(self.db.query("SELECT kind, page, text FROM callouts WHERE doc_id = ? ORDER BY id",
                                           [doc.id])),
        }

    def close(self) -> None:
        """Close every connection, the WAL checkpointed into catalog.db first (so copying the folder,
        as a pack build does, copies everything)."""
        with self._connections_lock:
            if self._connections and not self.read_only:
                with contextlib.suppress(sqlite3.Error):
                    self._connections[0].execute("PRAGMA wal_checkpoint(TRUNCATE)")
            for db in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    db.close()
            self._connections.clear()
        self._local = threading.local()


_BUSY = ("library {root} is busy: another fieldkit process held it for over {seconds:g} s; let it finish "
         "(or close it) and try again (FIELDKIT_BUSY_TIMEOUT sets the wait)")


def busy_timeout() -> float:
    """Seconds a writer waits for another (FIELDKIT_BUSY_TIMEOUT, default 30)."""
    try:
        return max(0.0, float(os.environ.get("FIELDKIT_BUSY_TIMEOUT", "30")))
    except ValueError:
        return 30.0


def _writable(path: Path) -> bool:
    """May anyone write ``path``? Its permission bits say so (read-only to root too) and the OS agrees."""
    try:
        return bool(path.stat().st_mode & 0o222) and os.access(path, os.W_OK)
    except OSError:
        return False


# Everything DocumentInfo holds, the skipped pages counted by SQLite: retrieval lists the documents on
# every query, and decoding each one's meta JSON in Python there would grow with the fleet.
_DOC_COLUMNS = ("id, name, path, sha256, title, pages, chunks, figures, ocr_pages, ingested_at, revision, format, "
                "figures_dir, coalesce(json_array_length(meta, '$.skipped_pages'), 0) AS skipped_pages")


def _doc_info(row: dict) -> DocumentInfo:
    return DocumentInfo(
        id=row["id"], name=row["name"], path=row["path"], sha256=row["sha256"], title=row["title"] or "",
        pages=row["pages"], chunks=row["chunks"], figures=row["figures"], ocr_pages=row["ocr_pages"],
        ingested_at=row["ingested_at"], revision=row["revision"], format=row["format"],
        figures_dir=row.get("figures_dir") or "",
        skipped_pages=row["skipped_pages"],
    )
