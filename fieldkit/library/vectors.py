"""The FAISS index over every chunk's embedding: derived from the catalog (which holds the vectors),
cached as ``vectors-<generation>.faiss`` and rebuilt when the catalog's generation moves on."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from fieldkit.errors import LibraryError


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

    def get(self, db, generation: int):
        """The index for the catalog ``db`` at ``generation``: in memory, from the cache file, or built."""
        import faiss

        with self._lock:
            if self._index is not None and self._generation == generation:
                return self._index
            path = self.root / f"vectors-{generation}.faiss"
            if path.exists():
                index = faiss.read_index(str(path))
            else:
                index = self._build(db)
                if not self.read_only:
                    tmp = path.with_suffix(".tmp")
                    faiss.write_index(index, str(tmp))
                    os.replace(tmp, path)
                    for stale in self.root.glob("vectors-*.faiss"):
                        if stale != path:
                            stale.unlink(missing_ok=True)
            if index.d != self.dim:
                raise LibraryError(f"vector index {path} has dimension {index.d}, expected {self.dim}")
            self._index, self._generation = index, generation
            return index

    def _build(self, db):
        import faiss

        index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        rows = db.execute("SELECT id, embedding FROM chunks ORDER BY id").fetchall()
        if rows:
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), self.dim)
            index.add_with_ids(vectors, ids)
        return index
