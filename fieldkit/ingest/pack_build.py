"""`fieldkit pack build`: ingest a folder of manuals into a fresh library and write it as a signed pack.

Built whole or not at all: a manual that cannot be read stops the build (a fleet's pack must not
silently lack a manual), and the pack file appears only once complete. With ``ray_address`` the
reading, OCR and embedding run on Ray Data (fieldkit.ingest.ray_stage, `fieldkit[cluster]`), else
in local worker processes (fieldkit.ingest.pool); this process alone writes the library, in the same
order, so the pack holds the same manuals, chunks and vectors either way.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from fieldkit.errors import BadInputError
from fieldkit.ingest.pipeline import Progress, expand_sources, ingest_paths
from fieldkit.library.catalog import Library
from fieldkit.library.packs import PackError, PackInfo, write_pack


def build_pack(folder: Path, out: Path, name: str, revision: str, key: Path, embedder,
               progress: Progress | None = None, ray_address: str | None = None, workers: int = 0) -> PackInfo:
    """``workers``: manuals read at once in local worker processes (0: one per core, up to 4); with
    ``ray_address`` the Ray cluster reads them instead."""
    folder, out = Path(folder), Path(out)
    sources = expand_sources([folder])
    if not folder.is_dir() or not sources:
        raise PackError(f"{folder}: no manuals to pack (give a folder of .pdf, .md, .html or S1000D .xml files)")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fieldkit-pack-", dir=out.parent) as tmp:
        root = Path(tmp) / "library"
        library = Library.open(embedder.id, embedder.dim, root=root)
        try:
            if ray_address is None:
                failed = [r for r in ingest_paths(library, embedder, [folder], progress=progress, workers=workers)
                          if isinstance(r, BadInputError)]
            else:
                from fieldkit.ingest.ray_stage import ingest_on_ray

                failed = ingest_on_ray(library, embedder, sources, ray_address, progress=progress)
            if failed:
                raise PackError(f"{len(failed)} of {len(sources)} manuals could not be read, first {failed[0].message}; "
                                "fix or remove them and build again (a pack is built whole)")
            library.vector_index()  # the FAISS file goes into the pack: devices load it, never rebuild
            documents = []
            for doc in library.documents():
                details = library.document_details(doc.name)
                documents.append({"name": doc.name, "sha256": doc.sha256, "revision": doc.revision,
                                  "effectivity": details["applicability"], "pages": doc.pages, "title": doc.title,
                                  "source": doc.path})
        finally:
            library.close()
        return write_pack(root, documents, out, name, revision, key)
