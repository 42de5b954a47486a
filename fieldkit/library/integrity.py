"""Is the library whole? The catalog (SQLite's own check), the FAISS file against the catalog it
claims to index, the figure files the catalog names, the manifest against the embedder."""

from __future__ import annotations

from fieldkit.library.packs import check_installed
from fieldkit.library.records import HealthCheck


def check_library(library) -> list[HealthCheck]:
    """The library's checks, each a HealthCheck (nothing is repaired or written)."""
    checks = []
    problems = [r[0] for r in library.db.execute("PRAGMA quick_check").fetchall() if r[0] != "ok"]
    docs, chunks = (library.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("documents", "chunks"))
    checks.append(HealthCheck("catalog", not problems,
                              f"{library.root / 'catalog.db'}: {docs} manuals, {chunks} chunks" if not problems
                              else f"{library.root / 'catalog.db'} is damaged ({problems[0]}); restore it or re-ingest"))
    checks.append(_vectors(library, chunks))
    rows = library.db.execute("SELECT image_path, thumb_path FROM figures").fetchall()
    missing = [p for row in rows for p in row if not (library.root / p).is_file()]
    checks.append(HealthCheck("figures", not missing, f"{len(rows)} figures, their images present" if not missing
                              else f"{len(missing)} figure files missing (first: {library.root / missing[0]}); "
                                   "re-ingest the manuals they belong to"))
    owned = {r[0] for r in library.db.execute("SELECT figures_dir FROM documents").fetchall()}
    folders = sorted(library.figures_root.iterdir()) if library.figures_root.is_dir() else []
    stray = [f for f in folders if f.relative_to(library.root).as_posix() not in owned]
    if stray:  # left by an ingest cut short (or one running now): no manual names them, nothing reads them
        checks.append(HealthCheck("figure folders", True, f"{len(stray)} figure folders no manual names (first: "
                                  f"{stray[0]}), left by an interrupted ingest; they may be deleted when no "
                                  "ingest is running"))
    return checks + check_installed(library.root)


def _vectors(library, chunks: int) -> HealthCheck:
    """The cached FAISS file of the catalog's generation is the one the catalog recorded (its checksum)
    and indexes exactly the catalog's chunks. A file that is not is never loaded: search rebuilds it."""
    import faiss
    import numpy as np

    from fieldkit.library.vectors import cache_path, recorded, verified

    generation = library.generation()
    path = cache_path(library.root, generation)
    if not path.exists():
        return HealthCheck("vectors", True, f"no cached index for generation {generation}: "
                                            "it is rebuilt from the catalog when first searched")
    if recorded(library.db) is None:
        return HealthCheck("vectors", True, f"{path.name} is not recorded by this catalog (written by an older "
                                            "fieldkit): it is rebuilt from the catalog when first searched")
    index, why = verified(library.db, path, generation, library.dim)
    if index is None:
        return HealthCheck("vectors", False, f"{path} does not index this catalog ({why}): it is not loaded; search "
                                             "rebuilds it from the catalog (or delete it now)")
    ids = np.sort(faiss.vector_to_array(index.id_map)) if hasattr(index, "id_map") else None
    expected = np.array([r[0] for r in library.db.execute("SELECT id FROM chunks ORDER BY id").fetchall()],
                        dtype=np.int64)
    same = index.ntotal == chunks and ids is not None and np.array_equal(ids, expected)
    return HealthCheck("vectors", same, f"{path.name}: {index.ntotal} vectors for {chunks} chunks, as the catalog "
                       "recorded" if same else f"{path} does not index this catalog ({index.ntotal} vectors for "
                       f"{chunks} chunks): it is not loaded; search rebuilds it (or delete it now)")
