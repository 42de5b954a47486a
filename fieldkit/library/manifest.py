"""The library's manifest: which embedder (and dimension) built its vectors; a library built with
another embedder is refused, never mixed."""

from __future__ import annotations

import json
import os
from pathlib import Path

from fieldkit import __version__
from fieldkit.errors import LibraryError
from fieldkit.library.schema import SCHEMA_VERSION


def recorded_embedder(path: Path) -> tuple[str, int] | None:
    """(embedder id, dimension) the library whose manifest is at ``path`` was built with; None for
    no library yet."""
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text())
        return str(manifest["embedder"]), int(manifest["dim"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LibraryError(f"library manifest {path} is unreadable ({exc}); restore it or use a new FIELDKIT_HOME") from exc


def check(path: Path, embedder_id: str, dim: int) -> None:
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


def write(path: Path, embedder_id: str, dim: int) -> None:
    manifest = {"embedder": embedder_id, "dim": dim, "schema_version": SCHEMA_VERSION, "fieldkit": __version__}
    if path.exists() and json.loads(path.read_text()) == manifest:
        return
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(tmp, path)
