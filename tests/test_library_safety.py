"""The library survives what a device does to it: a restored older catalog beside a newer FAISS file, a
damaged FAISS file, searches while another process ingests, kill -9 during ingest, a read-only or
locked catalog. The catalog is the only copy of a technician's library: it must never be lost, mixed
up with another's vectors, or answer with a traceback."""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, SAMPLE_MD, SAMPLE_PDF, SHARED, run_cli
from pdfs import text_pdf

PUMP = [["7-1. HYDRAULIC PUMP", "Torque the pump mounting bolts to 42 inch-pounds.",
         "Safety-wire the bolts in pairs after torquing."]]
RESERVOIR = [["9-4. RESERVOIR SERVICING", "Fill the hydraulic reservoir with MIL-PRF-5606 fluid to the FULL mark.",
              "Bleed the system and check the sight gauge again."]]


def _open(root: Path, embedder, read_only: bool = False):
    from fieldkit.library.catalog import Library

    return Library.open(embedder.id, embedder.dim, root=root, read_only=read_only)


def _ingest(library, embedder, *paths, force: bool = False):
    from fieldkit.ingest.pipeline import ingest_paths

    results = list(ingest_paths(library, embedder, list(paths), force=force))
    assert all(not hasattr(r, "reason") for r in results), [getattr(r, "message", r) for r in results]
    return results


def _search(library, embedder, query: str):
    from fieldkit.answering.engine import Engine

    return Engine(library=library, embedder=embedder).search(query).passages


def _index_matches_catalog(library) -> None:
    """Every vector the loaded index holds is its chunk's embedding in the catalog, and it holds every chunk."""
    index = library.vector_index()
    rows = library.db.execute("SELECT id, embedding FROM chunks ORDER BY id").fetchall()
    assert index.ntotal == len(rows)
    for cid, blob in rows:
        assert np.array_equal(index.reconstruct(cid), np.frombuffer(blob, dtype=np.float32)), cid


def _doctor(library) -> dict:
    from fieldkit.library.integrity import check_library

    return {c.name: c for c in check_library(library)}


# ---- 1. the FAISS file is tied to its catalog --------------------------------------------------------------

def test_a_restored_older_catalog_never_loads_a_newer_vectors_file(sample_home, fieldkit_home, tmp_path, embedder):
    """Restore catalog.db from before an ingest; a different manual then gets the same generation and the
    same chunk ids as the lost one, beside the lost one's vectors-N.faiss: it is rebuilt, not loaded."""
    root = fieldkit_home / "library"
    shutil.copytree(sample_home, root)
    library = _open(root, embedder)
    library.vector_index()
    library.close()
    backup = tmp_path / "catalog.db.bak"
    shutil.copy(root / "catalog.db", backup)

    library = _open(root, embedder)
    _ingest(library, embedder, text_pdf(tmp_path / "pump.pdf", PUMP))
    library.vector_index()
    generation, newer = library.generation(), (root / f"vectors-{library.generation()}.faiss").read_bytes()
    pump_ids = [r[0] for r in library.db.execute("SELECT id FROM chunks WHERE doc_id = "
                                                 "(SELECT id FROM documents WHERE name = 'pump.pdf')")]
    library.close()

    shutil.copy(backup, root / "catalog.db")  # the restore; the newer FAISS file stays
    library = _open(root, embedder)
    _ingest(library, embedder, text_pdf(tmp_path / "reservoir.pdf", RESERVOIR))
    assert library.generation() == generation
    reservoir_ids = [r[0] for r in library.db.execute("SELECT id FROM chunks WHERE doc_id = "
                                                      "(SELECT id FROM documents WHERE name = 'reservoir.pdf')")]
    assert reservoir_ids == pump_ids  # the same ids now name other chunks
    library.close()
    (root / f"vectors-{generation}.faiss").write_bytes(newer)  # as if restored after the newer file was written

    library = _open(root, embedder)
    assert not _doctor(library)["vectors"].ok and "does not index this catalog" in _doctor(library)["vectors"].detail
    hits = _search(library, embedder, "how do I fill the hydraulic reservoir fluid")
    assert hits[0].doc == "reservoir.pdf" and "FULL mark" in hits[0].text
    assert library._vectors.rebuilt == 1
    _index_matches_catalog(library)
    assert _doctor(library)["vectors"].ok  # the rebuilt file is written and recorded
    library.close()


def test_a_copied_library_loads_its_vectors_file_without_rebuilding(sample_home, tmp_path, embedder):
    """The record travels inside catalog.db: a copied folder (as a pack installs it) loads the file."""
    root = tmp_path / "device"
    shutil.copytree(sample_home, root)
    library = _open(root, embedder)
    library.vector_index()
    assert library._vectors.rebuilt == 1  # sample_home was built before any search
    library.close()
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    assert not list(copy.glob("catalog.db-*"))  # closing checkpointed the WAL into catalog.db
    library = _open(copy, embedder, read_only=True)
    assert _search(library, embedder, "oil drain plug torque")
    assert library._vectors.rebuilt == 0
    library.close()


@pytest.mark.parametrize("damage", ["truncated", "bit flip", "garbage", "empty"])
def test_a_damaged_vectors_file_is_rebuilt(sample_library, embedder, damage):
    sample_library.vector_index()
    path = sample_library.root / f"vectors-{sample_library.generation()}.faiss"
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "bit flip":
        data[len(data) - 7] ^= 0x10  # inside a vector: FAISS itself would read it fine
    elif damage == "garbage":
        data = bytearray(os.urandom(len(data)))
    else:
        data = bytearray()
    path.write_bytes(bytes(data))

    fresh = _open(sample_library.root, embedder, read_only=True)  # a kiosk: rebuilt in memory, nothing written
    assert "does not index this catalog" in _doctor(fresh)["vectors"].detail
    assert _search(fresh, embedder, "oil drain plug torque")[0].doc.startswith("fk200-gpu-maintenance")
    assert fresh._vectors.rebuilt == 1 and path.read_bytes() == bytes(data)
    fresh.close()

    fresh = _open(sample_library.root, embedder)
    hits = _search(fresh, embedder, "oil drain plug torque")
    assert hits and fresh._vectors.rebuilt == 1
    _index_matches_catalog(fresh)
    assert _doctor(fresh)["vectors"].ok and path.read_bytes() != bytes(data)
    assert not [p.name for p in fresh.root.iterdir() if p.name.endswith(".tmp")]
    fresh.close()


def test_a_damaged_vectors_file_via_the_cli_answers_without_a_traceback(sample_library, fieldkit_home):
    sample_library.vector_index()
    path = sample_library.root / f"vectors-{sample_library.generation()}.faiss"
    path.write_bytes(path.read_bytes()[:100])
    sample_library.close()
    result = run_cli("search", "oil drain plug torque", "--json", env_home=fieldkit_home)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "fk200-gpu-maintenance" in result.stdout


# ---- 2. readers while another process writes --------------------------------------------------------------

def test_a_search_skips_chunks_removed_while_it_runs(sample_home, fieldkit_home, embedder):
    """Another writer removes a manual between the FAISS search and the id -> chunk lookup (made
    deterministic: the removal runs, through a second real Library, when the lookup starts)."""
    from fieldkit.library.catalog import Library

    root = fieldkit_home / "library"
    shutil.copytree(sample_home, root)
    other = _open(root, embedder)

    class Raced(Library):
        race = True

        def chunk_rows(self, ids):
            if self.race and ids:
                self.race = False
                assert other.remove_document(SAMPLE_MD.name)
            return super().chunk_rows(ids)

    library = Raced.open(embedder.id, embedder.dim, root=root)
    hits = _search(library, embedder, "oil drain plug torque")
    assert not library.race and hits and {h.doc for h in hits} == {SAMPLE_PDF.name}
    assert _search(library, embedder, "oil drain plug torque")[0].doc == SAMPLE_PDF.name
    library.close()
    other.close()


WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from fieldkit.models.embedder import Embedder
    from fieldkit.library.catalog import Library
    from fieldkit.ingest.pipeline import ingest_paths
    root, seconds, pump, md = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
    embedder = Embedder()
    library = Library.open(embedder.id, embedder.dim, root=root)
    cycles, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        for result in ingest_paths(library, embedder, [pump], force=True):
            assert not hasattr(result, "reason"), result.message
        assert library.remove_document(Path(pump).name)
        for result in ingest_paths(library, embedder, [md], force=True):
            assert not hasattr(result, "reason"), result.message
        cycles += 1
    library.close()
    print(cycles)
""")


@pytest.mark.stress
def test_searches_while_another_process_ingests_and_removes_for_a_minute(sample_home, fieldkit_home, tmp_path, embedder):
    root = fieldkit_home / "library"
    shutil.copytree(sample_home, root)
    pump = text_pdf(tmp_path / "pump.pdf", PUMP)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(root), "60", str(pump), str(SAMPLE_MD)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    kept, kiosk = _open(root, embedder), _open(root, embedder, read_only=True)
    queries = ["pump mounting bolts torque inch-pounds", "oil drain plug torque", "safety-wire the bolts"]
    searches, generations = 0, set()
    try:
        while writer.poll() is None:
            for library in (kept, kiosk):
                hits = _search(library, embedder, queries[searches % len(queries)])
                assert hits and {h.doc for h in hits} <= {"pump.pdf", SAMPLE_MD.name, SAMPLE_PDF.name}
                generations.add(library.generation())
                searches += 1
            fresh = _open(root, embedder)
            assert _search(fresh, embedder, "drain plug")
            fresh.close()
    finally:
        out, err = writer.communicate(timeout=120)
        kept.close()
        kiosk.close()
    assert writer.returncode == 0, err[-2000:]
    assert int(out.split()[-1]) >= 2 and len(generations) >= 3 and searches >= 20, (out, generations, searches)


# ---- 3. kill -9 during ingest -----------------------------------------------------------------------------

WORDS = ("torque fitting seal inspect replace hydraulic valve actuator bolt nut washer gasket filter pump "
         "reservoir pressure gauge wire harness connector bracket clamp hose line fluid leak crack corrosion "
         "rotor blade hub bearing shaft gearbox oil drain plug sump magnetic chip detector cowling panel").split()


def _manuals(folder: Path) -> list[Path]:
    folder.mkdir()
    files = [shutil.copy(SAMPLE_PDF, folder), shutil.copy(SAMPLE_MD, folder)]
    rng = random.Random(7)
    for n in range(3):  # pages of distinct text (lines repeated on every page are dropped as running heads)
        pages = [[f"{n}-{p}. {' '.join(rng.sample(WORDS, 3)).upper()}",
                  *(" ".join(rng.sample(WORDS, 12)).capitalize() + "." for _ in range(10))] for p in range(12)]
        files.append(text_pdf(folder / f"generated-{n}.pdf", pages))
    shared = sorted((SHARED / "manuals").glob("*.pdf"), key=lambda p: p.stat().st_size)[:1] \
        if (SHARED / "manuals").is_dir() else []
    files += [shutil.copy(p, folder / f"zz-{p.name}") for p in shared if p.stat().st_size < 400_000]  # ingested last
    return [Path(f) for f in files]


def _library_is_whole(root: Path, embedder) -> list[str]:
    library = _open(root, embedder)
    try:
        docs = library.documents()
        for doc in docs:
            assert library.db.execute("SELECT count(*) FROM chunks WHERE doc_id = ?", [doc.id]).fetchone()[0] == doc.chunks
        if docs:
            assert _search(library, embedder, "torque the fitting")
        checks = _doctor(library)
        assert all(checks[name].ok for name in ("catalog", "vectors", "figures")), {n: c.detail for n, c in checks.items()}
        return sorted(d.name for d in docs)
    finally:
        library.close()


def test_kill_9_during_ingest_leaves_a_library_that_opens(fieldkit_home, tmp_path, embedder):
    files = _manuals(tmp_path / "manuals")
    seed = int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    env = dict(os.environ, FIELDKIT_HOME=str(fieldkit_home))
    root = fieldkit_home / "library"
    for attempt in range(8):
        proc = subprocess.Popen([sys.executable, "-m", "fieldkit", "ingest", str(tmp_path / "manuals")], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(2.0, 4.0 + 1.5 * attempt))  # later kills land further into the run
        proc.kill()
        _, err = proc.communicate()
        assert b"Traceback" not in err, (seed, attempt, err.decode()[-2000:])
        if (root / "catalog.db").exists():
            _library_is_whole(root, embedder)
    result = run_cli("ingest", tmp_path / "manuals", env_home=fieldkit_home)
    assert result.returncode == 0, (seed, result.stderr[-2000:])
    assert _library_is_whole(root, embedder) == sorted(f.name for f in files), seed


# ---- 4. a read-only, locked or damaged catalog is a one-line LibraryError ---------------------------------

def _one_line_error(result, *words: str) -> str:
    assert result.returncode == 3, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    return result.stderr


def test_a_read_only_catalog_file_is_a_library_error(sample_home, fieldkit_home):
    root = fieldkit_home / "library"
    shutil.copytree(sample_home, root)
    (root / "catalog.db").chmod(0o444)
    before = (root / "catalog.db").read_bytes()
    _one_line_error(run_cli("manuals", "remove", SAMPLE_MD.name, env_home=fieldkit_home), "read-only", "--read-only")
    _one_line_error(run_cli("ingest", SAMPLE_PDF, "--force", env_home=fieldkit_home), "read-only")
    assert (root / "catalog.db").read_bytes() == before


def test_commands_that_only_read_work_on_a_library_nobody_may_write(sample_home, fieldkit_home):
    """A mounted pack or a kiosk's library: search, manuals and the log read it, nothing is written."""
    root = fieldkit_home / "library"
    shutil.copytree(sample_home, root)
    for path in (*root.rglob("*"), root):
        path.chmod(0o555 if path.is_dir() else 0o444)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    try:
        found = run_cli("search", "oil drain plug torque", "--json", env_home=fieldkit_home)
        assert found.returncode == 0 and "35 N·m" in found.stdout, found.stderr
        listed = run_cli("manuals", "--json", env_home=fieldkit_home)
        assert listed.returncode == 0 and SAMPLE_PDF.name in listed.stdout, listed.stderr
        shown = run_cli("manuals", "show", SAMPLE_PDF.name, env_home=fieldkit_home)
        assert shown.returncode == 0 and "Callouts" in shown.stdout, shown.stderr
        _one_line_error(run_cli("ingest", SAMPLE_MD, "--force", env_home=fieldkit_home), "read-only")
        assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    finally:
        for path in (root, *root.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_a_locked_catalog_is_a_library_error(sample_home, fieldkit_home, monkeypatch):
    root = fieldkit_home / "library"
    shutil.copytree(sample_home, root)
    monkeypatch.setenv("FIELDKIT_BUSY_TIMEOUT", "1")
    holder = sqlite3.connect(root / "catalog.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program holding SQLite's write lock
    try:
        _one_line_error(run_cli("manuals", "remove", SAMPLE_MD.name, env_home=fieldkit_home), "busy", "try again")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with open(root / "lock", "w") as lock:  # another fieldkit writing: its writer lock
        fcntl.flock(lock, fcntl.LOCK_EX)
        _one_line_error(run_cli("manuals", "remove", SAMPLE_MD.name, env_home=fieldkit_home), "busy")
    result = run_cli("manuals", "remove", SAMPLE_MD.name, env_home=fieldkit_home)
    assert result.returncode == 0, result.stderr


def test_a_damaged_catalog_is_a_library_error(sample_home, fieldkit_home):
    root = fieldkit_home / "library"
    shutil.copytree(sample_home, root)
    (root / "catalog.db").write_bytes(b"not a database" * 500)
    _one_line_error(run_cli("manuals", env_home=fieldkit_home), "damaged", "fieldkit doctor")
