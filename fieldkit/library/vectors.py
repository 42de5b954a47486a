"""The FAISS index over every chunk's embedding: derived from the catalog (which holds the vectors),
cached as ``vectors-<generation>.faiss`` and rebuilt when the catalog's generation moves on.

The cache file is tied to its catalog: writing it records, in the catalog's ``meta`` table, its name,
generation, vector count and sha256 (so the record travels with ``catalog.db``, into a pack too). A
file whose record is missing or does not match (an older catalog restored under a newer file, a file
copied from another library, a truncated or damaged file, one FAISS cannot read) is never loaded: the
index is rebuilt from the catalog. The file is written under a unique temporary name, fsynced,
renamed over, and the folder fsynced."""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
from pathlib import Path

import numpy as np

from fieldkit.errors import LibraryError

META_KEY = "vectors"  # the catalog's record of its cache file: {"file", "generation", "count", "sha256"}
_CACHE = re.compile(r"vectors-(\d+)\.faiss")
_TEMP = re.compile(r"\.vectors-\d+\.(\d+)\.[0-9a-f]+\.tmp")


class VectorIndex:
    """Inner product over unit vectors, exact. ``read_only``: a missing or stale cache file is rebuilt
    in memory and never written (a kiosk on a read-only filesystem)."""

    def __init__(self, root: Path, dim: int, read_only: bool = False):
        self.root = root
        self.dim = dim
        self.read_only = read_only
        self._index = None
        self._generation = None
        self._lock = threading.Lock()
        self.rebuilt = 0  # how many times this process built the index from the catalog (tests, doctor)

    def get(self, db, generation: int):
        """The index for the catalog ``db`` at ``generation``: in memory, from the cache file when the
        catalog's record vouches for it, or built from the catalog (and cached unless read-only)."""
        with self._lock:
            if self._index is not None and self._generation == generation:
                return self._index
            path = cache_path(self.root, generation)
            index, _ = verified(db, path, generation, self.dim)
            if index is None:
                index, generation = self._build(db)
                self.rebuilt += 1
                if not self.read_only:
                    self._write(db, index, generation)
            self._index, self._generation = index, generation
            return index

    def _build(self, db):
        """The index of every chunk in the catalog, and the generation it is of (read in one snapshot)."""
        import faiss

        index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        with _snapshot(db):
            generation = int(db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
            rows = db.execute("SELECT id, embedding FROM chunks ORDER BY id").fetchall()
        if rows:
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            blob = b"".join(r[1] for r in rows)
            if len(blob) != len(rows) * self.dim * 4:
                raise LibraryError(f"catalog {self.root / 'catalog.db'} holds embeddings of another dimension than "
                                   f"{self.dim}; re-ingest the manuals into a new library (set FIELDKIT_HOME)")
            index.add_with_ids(np.frombuffer(blob, dtype=np.float32).reshape(len(rows), self.dim), ids)
        return index, generation

    def _write(self, db, index, generation: int) -> None:
        """Cache ``index`` as the file of ``generation`` and record it in the catalog. A cache that
        cannot be written (disk full, read-only folder) leaves the index in memory: it is derived."""
        import faiss
        import sqlite3

        path = cache_path(self.root, generation)
        data = faiss.serialize_index(index).tobytes()
        tmp = self.root / f".{path.stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            fsync_dir(self.root)
            record = {"file": path.name, "generation": generation, "count": int(index.ntotal),
                      "sha256": hashlib.sha256(data).hexdigest()}
            with db.conn:  # only while the catalog is still at that generation
                db.execute("INSERT INTO meta (key, value) SELECT ?, ? WHERE (SELECT value FROM meta WHERE key = "
                           "'generation') = ? ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           [META_KEY, json.dumps(record), str(generation)])
        except (OSError, sqlite3.Error):
            return
        finally:
            tmp.unlink(missing_ok=True)
        _remove_stale(self.root, generation)


def cache_path(root: Path, generation: int) -> Path:
    return root / f"vectors-{generation}.faiss"


def recorded(db) -> dict | None:
    """The catalog's record of its cache file, or None (never written, or by a fieldkit before records)."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [META_KEY]).fetchone()
    try:
        record = json.loads(row[0]) if row else None
        return record if isinstance(record, dict) and {"file", "generation", "count", "sha256"} <= set(record) else None
    except ValueError:
        return None


def verified(db, path: Path, generation: int, dim: int):
    """(index, "") when ``path`` is the file the catalog ``db`` recorded for ``generation``, bytes and all;
    else (None, why not). Never raises for a bad file."""
    import faiss

    if not path.is_file():
        return None, "absent"
    record = recorded(db)
    if record is None or record["file"] != path.name or int(record["generation"]) != generation:
        return None, "not the file this catalog recorded"
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, f"unreadable ({exc})"
    if hashlib.sha256(data).hexdigest() != record["sha256"]:
        return None, "its checksum differs from the one this catalog recorded"
    try:
        index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
    except (RuntimeError, ValueError) as exc:
        return None, f"FAISS cannot read it ({str(exc).splitlines()[0] if str(exc) else exc})"
    if index.d != dim or index.ntotal != int(record["count"]):
        return None, f"{index.ntotal} vectors of dimension {index.d}, the catalog recorded {record['count']} of {dim}"
    return index, ""


class _snapshot:
    """A read transaction: the statements inside see one state of the catalog (WAL snapshot)."""

    def __init__(self, db):
        self.conn = db.conn
        self.began = False

    def __enter__(self):
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN")
            self.began = True

    def __exit__(self, *exc):
        if self.began and self.conn.in_transaction:
            self.conn.execute("COMMIT")


def _remove_stale(root: Path, generation: int) -> None:
    """Cache files of older generations, and temporary files of processes that died writing one."""
    for path in root.iterdir():
        cache, temp = _CACHE.fullmatch(path.name), _TEMP.fullmatch(path.name)
        if (cache and int(cache[1]) < generation) or (temp and not _alive(int(temp[1]))):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
