"""Past what exact search serves: the library's FAISS index turns approximate (IVF-Flat) from a number
of vectors on, is recorded as such, rebuilt from the catalog after a change or when damaged, and finds
what exact search finds (recall@10 in a range). Real FAISS, real SQLite; the threshold is lowered
through FIELDKIT_APPROX_FROM so a few thousand synthetic vectors cross it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import faiss
import numpy as np
import pytest

from fieldkit.library.catalog import Library
from fieldkit.library.integrity import check_library
from fieldkit.library.records import Chunk, Page
from fieldkit.library.vectors import cache_path, index_kind, nlist_for, nprobe_for, recorded

DIM = 64
PER_DOC = 1000
THRESHOLD = 2500


@pytest.fixture
def approx_env(monkeypatch):
    monkeypatch.setenv("FIELDKIT_APPROX_FROM", str(THRESHOLD))


def clustered(n: int, seed: int) -> np.ndarray:
    """Unit vectors around 40 topics (as chunk embeddings cluster by subject), not uniform noise."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(40, DIM))
    vectors = centers[rng.integers(0, 40, n)] + 0.6 * rng.normal(size=(n, DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def put(library: Library, name: str, vectors: np.ndarray) -> None:
    chunks = [Chunk(i, 1 + i // 10, 1 + i // 10, None, f"{name} section {i // 50}", "para",
                    f"{name} passage {i} torque {i % 97} inch-pounds") for i in range(len(vectors))]
    pages = [Page(p + 1, None, f"{name} page {p + 1}", ()) for p in range(len(vectors) // 10 + 1)]
    library.replace_document(name=name, path=f"/m/{name}", sha256=hashlib.sha256(vectors.tobytes()).hexdigest(),
                             size=1, fmt="pdf", title=name, revision=None, meta={}, pages=pages, chunks=chunks,
                             embeddings=vectors, figures=[])


def catalog_vectors(library: Library) -> tuple[np.ndarray, np.ndarray]:
    """Every chunk's id and embedding as the catalog holds them (the source of truth)."""
    rows = library.db.execute("SELECT id, embedding FROM chunks ORDER BY id").fetchall()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    return ids, np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])


def recall_at_10(library: Library, queries: np.ndarray) -> float:
    """The library's index against brute force over the catalog's own vectors."""
    ids, vectors = catalog_vectors(library)
    index = library.vector_index()
    found = index.search(queries, 10)[1]
    exact = ids[np.argsort(-(queries @ vectors.T), axis=1)[:, :10]]
    return float(np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact)]))


def queries_near(vectors: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    q = vectors[rng.integers(0, len(vectors), n)] + 0.3 * rng.normal(size=(n, DIM))
    return (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)


def test_past_the_threshold_the_index_is_approximate_recorded_and_rebuilt_after_a_change(
        approx_env, fieldkit_home):
    root = fieldkit_home / "library"
    library = Library.open("synthetic", DIM, root=root)
    docs = {f"m{n}.pdf": clustered(PER_DOC, seed=n) for n in range(3)}
    for name, vectors in docs.items():
        put(library, name, vectors)
    index = library.vector_index()
    assert index_kind(index) == "ivf-flat" and library._vectors.kind == "ivf-flat"
    record = recorded(library.db)
    assert record["kind"] == "ivf-flat" and record["count"] == 3 * PER_DOC
    ivf = faiss.extract_index_ivf(index)
    assert ivf.nlist == nlist_for(3 * PER_DOC)
    assert ivf.nprobe == nprobe_for(ivf.nlist) < ivf.nlist  # not a scan of every list
    queries = queries_near(np.vstack(list(docs.values())), 300, seed=99)
    first = recall_at_10(library, queries)
    assert 0.85 <= first <= 1.0, first
    assert check_library(library)[1].ok  # doctor: the file indexes exactly the catalog's chunks
    generation = library.generation()
    library.close()

    # Another process opens it: the recorded file is loaded (checksum, kind), not rebuilt.
    library = Library.open("synthetic", DIM, root=root)
    assert index_kind(library.vector_index()) == "ivf-flat" and library._vectors.rebuilt == 0
    if Path("/proc/self/fd").is_dir():  # mapped, not read: a search pages in only the lists it probes
        invlists = faiss.downcast_InvertedLists(faiss.extract_index_ivf(library.vector_index()).invlists)
        assert isinstance(invlists, faiss.OnDiskInvertedLists)
    assert recall_at_10(library, queries) == pytest.approx(first)

    # A manual replaced: the index is rebuilt from the catalog, the old chunks gone, the new ones found.
    old_ids = set(catalog_vectors(library)[0])
    moved = clustered(PER_DOC, seed=7)
    put(library, "m1.pdf", moved)
    index = library.vector_index()
    assert library._vectors.rebuilt == 1 and library.generation() == generation + 1
    assert index_kind(index) == "ivf-flat" and recorded(library.db)["generation"] == generation + 1
    assert cache_path(root, generation + 1).is_file() and not cache_path(root, generation).exists()
    ids = set(faiss.vector_to_array(index.id_map).tolist())
    assert ids == set(catalog_vectors(library)[0].tolist()) and len(ids - old_ids) == PER_DOC
    assert 0.85 <= recall_at_10(library, queries_near(moved, 200, seed=5)) <= 1.0
    # A BM25-only hit's cosine: reconstruct gives the catalog's exact vector through the IVF's direct map.
    some = sorted(ids - old_ids)[17]
    assert np.array_equal(index.reconstruct(some), library.chunk_embedding(some))

    # Below the threshold again: exact, and recorded so.
    library.remove_document("m2.pdf")
    assert index_kind(library.vector_index()) == "flat" and recorded(library.db)["kind"] == "flat"
    assert recall_at_10(library, queries_near(moved, 50, seed=6)) == 1.0
    library.close()


def test_a_damaged_approximate_index_or_a_moved_threshold_rebuilds_from_the_catalog(
        approx_env, fieldkit_home, monkeypatch):
    root = fieldkit_home / "library"
    library = Library.open("synthetic", DIM, root=root)
    for n in range(3):
        put(library, f"m{n}.pdf", clustered(PER_DOC, seed=n))
    library.vector_index()
    path = cache_path(root, library.generation())
    library.close()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # inside the inverted lists: FAISS would read it without complaint
    path.write_bytes(bytes(data))

    library = Library.open("synthetic", DIM, root=root)
    assert not check_library(library)[1].ok
    assert index_kind(library.vector_index()) == "ivf-flat" and library._vectors.rebuilt == 1
    assert path.read_bytes() != bytes(data) and check_library(library)[1].ok  # written again, recorded
    library.close()

    # The threshold raised past the library: its recorded IVF file is of the wrong kind, built again exact.
    monkeypatch.setenv("FIELDKIT_APPROX_FROM", "50000")
    library = Library.open("synthetic", DIM, root=root)
    assert index_kind(library.vector_index()) == "flat" and library._vectors.rebuilt == 1
    assert recorded(library.db)["kind"] == "flat"
    library.close()
