"""The FAISS index over every chunk's embedding: derived from the catalog (which holds the vectors),
cached as ``vectors-<generation>.faiss`` and rebuilt when the catalog's generation moves on.

Its kind follows the number of vectors: exact (flat inner product) below :data:`APPROX_FROM`, an
inverted file (IVF-Flat: the vectors themselves, searched in the ``nprobe`` lists nearest the query)
from there on, where a flat scan would grow with the fleet's library (recall@10 against exact is
measured by ``scripts/bench_scale.py``). Both sit in an ``IndexIDMap2`` (chunk ids, and
``reconstruct`` of a chunk's exact vector). ``FIELDKIT_APPROX_FROM`` moves the threshold (tests).

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

META_KEY = "vectors"  # the catalog's record of its cache file: {"file", "generation", "count", "sha256", "kind"}
# Vectors from which the index is approximate (IVF-Flat). Measured (scripts/bench_scale.py, one thread,
# 2 busy cores): exact takes ~0.55 ms a query per 1000 vectors (56 ms at 10^5), IVF 4.5 ms at 10^5 with
# recall@10 0.997 against exact (1.0 at 10^4); from 20000 exact would pass a fifth of search's 50 ms,
# and keep all its vectors in memory.
APPROX_FROM = 20_000
NPROBE = 32  # inverted lists searched a query (at least)
ENV_APPROX_FROM = "FIELDKIT_APPROX_FROM"
_READ_BLOCK = 1 << 20
_CACHE = re.compile(r"vectors-(\d+)\.faiss")
_TEMP = re.compile(r"\.vectors-\d+\.(\d+)\.[0-9a-f]+\.tmp")


class VectorIndex:
    """Inner product over unit vectors: exact, or IVF-Flat past :func:`approx_from` vectors.
    ``read_only``: a missing or stale cache file is rebuilt in memory and never written (a kiosk on a
    read-only filesystem)."""

    def __init__(self, root: Path, dim: int, read_only: bool = False):
        self.root = root
        self.dim = dim
        self.read_only = read_only
        self._index = None
        self._generation = None
        self._lock = threading.Lock()
        self.rebuilt = 0  # how many times this process built the index from the catalog (tests, doctor)
        self.build_seconds = None  # how long the last build from the catalog took (benchmarks)

    def get(self, db, generation: int):
        """The index for the catalog ``db`` at ``generation``: in memory, from the cache file when the
        catalog's record vouches for it (and it is of the kind its size calls for), or built from the
        catalog (and cached unless read-only)."""
        with self._lock:
            if self._index is not None and self._generation == generation:
                return self._index
            path = cache_path(self.root, generation)
            index, _ = verified(db, path, generation, self.dim)
            if index is not None and index_kind(index) != kind_for(index.ntotal):
                index = None  # the threshold moved (FIELDKIT_APPROX_FROM): built again, of the kind it calls for
            if index is None:
                import time

                start = time.perf_counter()
                index, generation = self._build(db)
                self.build_seconds = time.perf_counter() - start
                self.rebuilt += 1
                if not self.read_only:
                    self._write(db, index, generation)
            self._index, self._generation = index, generation
            return index

    @property
    def kind(self) -> str | None:
        """The kind of the index in memory ("flat", "ivf-flat"), None before one is loaded."""
        return index_kind(self._index) if self._index is not None else None

    def _build(self, db):
        """The index of every chunk in the catalog, and the generation it is of (read in one snapshot,
        in blocks straight into one array: no second copy of the embeddings)."""
        with _snapshot(db):
            generation = int(db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
            count = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
            ids = np.empty(count, dtype=np.int64)
            vectors = np.empty((count, self.dim), dtype=np.float32)
            cursor = db.execute("SELECT id, embedding FROM chunks ORDER BY id")
            row = 0
            while rows := cursor.fetchmany(4096):
                for chunk_id, blob in rows:
                    if len(blob) != self.dim * 4:
                        raise LibraryError(
                            f"catalog {self.root / 'catalog.db'} holds embeddings of another dimension than "
                            f"{self.dim}; re-ingest the manuals into a new library (set FIELDKIT_HOME)")
                    ids[row] = chunk_id
                    vectors[row] = np.frombuffer(blob, dtype=np.float32)
                    row += 1
        return build_index(vectors[:row], ids[:row], self.dim), generation

    def _write(self, db, index, generation: int) -> None:
        """Cache ``index`` as the file of ``generation`` and record it in the catalog. A cache that
        cannot be written (disk full, read-only folder) leaves the index in memory: it is derived."""
        import faiss
        import sqlite3

        path = cache_path(self.root, generation)
        tmp = self.root / f".{path.stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        digest = hashlib.sha256()
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "wb") as f:
                def write(data: bytes) -> None:  # streamed: no serialized copy of the index in memory
                    digest.update(data)
                    f.write(data)

                writer = faiss.PyCallbackIOWriter(write, _READ_BLOCK)
                faiss.write_index(index, writer)
                del writer
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            fsync_dir(self.root)
            record = {"file": path.name, "generation": generation, "count": int(index.ntotal),
                      "sha256": digest.hexdigest(), "kind": index_kind(index)}
            with db.conn:  # only while the catalog is still at that generation
                db.execute("INSERT INTO meta (key, value) SELECT ?, ? WHERE (SELECT value FROM meta WHERE key = "
                           "'generation') = ? ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           [META_KEY, json.dumps(record), str(generation)])
        except (OSError, RuntimeError, sqlite3.Error):
            return
        finally:
            tmp.unlink(missing_ok=True)
        _remove_stale(self.root, generation)


def approx_from() -> int:
    """How many vectors make the index approximate (``FIELDKIT_APPROX_FROM``, default APPROX_FROM)."""
    try:
        return max(1, int(os.environ.get(ENV_APPROX_FROM, APPROX_FROM)))
    except ValueError:
        return APPROX_FROM


def kind_for(count: int) -> str:
    return "ivf-flat" if count >= approx_from() else "flat"


def nlist_for(count: int) -> int:
    """Inverted lists for ``count`` vectors: about 2 sqrt(n) (n = 10^5: 632 lists of ~160 vectors; 4 sqrt(n)
    took 3x as long to train for the same recall and time at the same share of lists searched), at least
    39 vectors a list (k-means wants as many to train on)."""
    return max(1, min(int(2 * count ** 0.5), count // 39))


def nprobe_for(nlist: int) -> int:
    """Lists searched a query: NPROBE (5% of the lists at 10^5 chunks), a twentieth of them past that."""
    return min(nlist, max(NPROBE, nlist // 20))


def build_index(vectors: np.ndarray, ids: np.ndarray, dim: int, kind: str | None = None):
    """An index of ``kind`` (default: the one ``len(vectors)`` calls for) over unit ``vectors`` named by
    ``ids``, built on every core (a search uses one: retrieve.py)."""
    import faiss

    kind = kind or kind_for(len(vectors))
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        if kind == "flat":
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
            index.add_with_ids(vectors, ids)
            return index
        nlist = nlist_for(len(vectors))
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        # k-means on 40 vectors a list, spread evenly over the catalog (all of them cost minutes at 10^5)
        ivf.train(vectors[np.linspace(0, len(vectors) - 1, min(len(vectors), nlist * 40)).astype(np.int64)])
        index = faiss.IndexIDMap2(ivf)
        index.add_with_ids(vectors, ids)
        ivf.make_direct_map()  # reconstruct(chunk id): a BM25-only hit's exact vector
        return tuned(index)
    finally:
        faiss.omp_set_num_threads(threads)


def index_kind(index) -> str:
    import faiss

    inner = faiss.downcast_index(index.index) if hasattr(index, "id_map") else faiss.downcast_index(index)
    return {"IndexFlatIP": "flat", "IndexFlat": "flat", "IndexIVFFlat": "ivf-flat"}.get(type(inner).__name__,
                                                                                       type(inner).__name__)


def tuned(index):
    """Search-time parameters of an approximate index (not all survive a file)."""
    import faiss

    if index_kind(index) == "ivf-flat":
        ivf = faiss.extract_index_ivf(index)
        ivf.nprobe = nprobe_for(ivf.nlist)
    return index


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
    else (None, why not). Never raises for a bad file. The file is checked (streamed through sha256)
    before FAISS reads a byte of it, then read (or mapped: ``_read``) from the same open file, with no
    second copy of it in memory."""
    import faiss

    if not path.is_file():
        return None, "absent"
    record = recorded(db)
    if record is None or record["file"] != path.name or int(record["generation"]) != generation:
        return None, "not the file this catalog recorded"
    try:
        with path.open("rb") as f:
            digest = hashlib.sha256()
            while block := f.read(_READ_BLOCK):
                digest.update(block)
            if digest.hexdigest() != record["sha256"]:
                return None, "its checksum differs from the one this catalog recorded"
            f.seek(0)
            try:
                index = _read(f, record.get("kind", "flat"))
            except (RuntimeError, ValueError) as exc:
                return None, f"FAISS cannot read it ({str(exc).splitlines()[0] if str(exc) else exc})"
    except OSError as exc:
        return None, f"unreadable ({exc})"
    if index.d != dim or index.ntotal != int(record["count"]):
        return None, f"{index.ntotal} vectors of dimension {index.d}, the catalog recorded {record['count']} of {dim}"
    if record.get("kind", "flat") != index_kind(index):
        return None, f"a {index_kind(index)} index, the catalog recorded {record.get('kind', 'flat')}"
    return tuned(index), ""


def _read(f, kind: str):
    """The index in the open file ``f`` (already checked). An approximate index is mapped, not read
    (Linux): a search touches only the lists it probes (5% at 10^5 chunks), so a process asking one
    question does not hold the whole index, and the pages are the page cache's, shared by every
    process and given back under memory pressure. Mapped through /proc/self/fd: the very file that
    was checked, even if another process renamed a new one over its name since."""
    import faiss

    own = Path(f"/proc/self/fd/{f.fileno()}")
    if kind == "ivf-flat" and own.exists():
        return faiss.read_index(str(own), faiss.IO_FLAG_MMAP)
    return faiss.read_index(faiss.PyCallbackIOReader(f.read, _READ_BLOCK))


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
