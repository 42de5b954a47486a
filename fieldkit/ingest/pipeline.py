"""Ingest manuals into the library: extract, chunk along structure, embed, store atomically."""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fieldkit.errors import BadInputError
from fieldkit.ingest.chunking import chunk_pages
from fieldkit.ingest.structure import applicability_of, revision_of
from fieldkit.library.records import DocumentInfo

PDF_SUFFIXES = {".pdf"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
XML_SUFFIXES = {".xml"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED = PDF_SUFFIXES | MARKDOWN_SUFFIXES | XML_SUFFIXES | HTML_SUFFIXES

# progress(document name, stage, done, total)
Progress = Callable[[str, str, int, int], None]


@dataclass(frozen=True)
class IngestResult:
    name: str
    status: str  # added | replaced | unchanged
    document: DocumentInfo | None
    seconds: float


def expand_paths(items: Iterable[str | Path]) -> list[Path]:
    """Files to ingest: files as given, folders walked for supported types (sorted)."""
    out: list[Path] = []
    for item in items:
        path = Path(item).expanduser()
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED))
        else:
            out.append(path)
    return out


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_file(path: Path) -> None:
    if not path.exists():
        raise BadInputError(path, "file not found; check the path")
    if path.suffix.lower() not in SUPPORTED:
        raise BadInputError(path, f"unsupported file type {path.suffix or '(none)'!r}; give .pdf, .md, .html or S1000D .xml files")
    if path.is_file() and path.stat().st_size == 0:
        raise BadInputError(path, "file is empty (0 bytes); copy it again from the source")


def ingest_file(library, embedder, path: Path, progress: Progress | None = None, force: bool = False,
                ocr: bool = True) -> IngestResult:
    start = time.perf_counter()
    path = Path(path).expanduser()
    check_file(path)
    name = path.name
    sha = sha256_file(path)
    old = library.document(name)
    if old and old.sha256 == sha and not force:
        return IngestResult(name, "unchanged", old, time.perf_counter() - start)

    report = progress or (lambda *a: None)
    folder = library.figure_folder(sha)
    reused_folder = old is not None and old.sha256 == sha
    try:
        report(name, "extract", 0, 1)
        if path.suffix.lower() in PDF_SUFFIXES:
            from fieldkit.ingest.pdf import extract_pdf

            pages, figures, meta = extract_pdf(
                path, folder, progress=lambda stage, done, total: report(name, stage, done, total), ocr=ocr)
            fmt = "pdf"
        elif path.suffix.lower() in HTML_SUFFIXES:
            from fieldkit.ingest.html import extract_html

            pages, figures, meta = extract_html(path, folder)
            fmt = "html"
        elif path.suffix.lower() in XML_SUFFIXES:
            from fieldkit.ingest.s1000d import extract_s1000d

            pages, figures, meta = extract_s1000d(path, folder)
            fmt = "s1000d"
        else:
            from fieldkit.ingest.markdown import extract_markdown

            pages, figures, meta = extract_markdown(path, folder)
            fmt = "markdown"
        report(name, "extract", 1, 1)
        chunks, callouts = chunk_pages(pages)
        if not chunks:
            raise BadInputError(path, "no text found (a scanned file without OCR?); nothing was added")
        texts = [f"{c.section}\n{c.text}" if c.section else c.text for c in chunks]
        embeddings = []
        batch = 32
        for i in range(0, len(texts), batch):
            embeddings.append(embedder.embed(texts[i : i + batch]))
            report(name, "embed", min(i + batch, len(texts)), len(texts))
        import numpy as np

        vectors = np.concatenate(embeddings) if embeddings else np.zeros((0, embedder.dim), dtype=np.float32)
        title = _title(meta.get("Title"), pages, path)
        front = "\n".join(p.text for p in pages[:3])
        meta.setdefault("revision", revision_of(front))
        meta.setdefault("applicability", applicability_of(front))
        document = library.replace_document(
            name=name, path=str(path.resolve()), sha256=sha, size=path.stat().st_size, fmt=fmt, title=title,
            revision=meta.get("revision"), meta=meta, pages=pages, chunks=chunks, embeddings=vectors,
            figures=figures, callouts=callouts,
        )
    except BaseException:
        if not reused_folder:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return IngestResult(name, "replaced" if old else "added", document, time.perf_counter() - start)


def ingest_paths(library, embedder, items: Iterable[str | Path], progress: Progress | None = None,
                 force: bool = False, ocr: bool = True) -> Iterator[IngestResult | BadInputError]:
    """Ingest each file in turn; a bad file yields its error and the rest go on."""
    for path in expand_paths(items):
        try:
            yield ingest_file(library, embedder, path, progress, force, ocr)
        except BadInputError as err:
            yield err


def _title(metadata_title: str | None, pages, path: Path) -> str:
    """The PDF's own title unless it is a tool's placeholder ("Microsoft Word - x.docx"), else the
    first heading, else the file name."""
    if metadata_title and not re.match(r"^(Microsoft Word - |untitled|DATE\b)", metadata_title, re.I):
        return metadata_title
    for page in pages[:2]:
        for block in page.blocks:
            if block.kind == "heading":
                return block.text
    return path.stem
