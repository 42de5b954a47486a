"""Ingest manuals into the library: extract, chunk along structure, embed, store atomically."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from fieldkit.errors import BadInputError, FieldkitError
from fieldkit.ingest.chunking import chunk_pages
from fieldkit.ingest.structure import applicability_of, revision_of
from fieldkit.library.records import DocumentInfo

PDF_SUFFIXES = {".pdf"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
XML_SUFFIXES = {".xml"}
HTML_SUFFIXES = {".html", ".htm"}
SUPPORTED = PDF_SUFFIXES | MARKDOWN_SUFFIXES | XML_SUFFIXES | HTML_SUFFIXES
EMBED_GROUP = 128  # chunks embedded between progress reports (the embedder batches them by 32)
MAX_FILE_BYTES = 2 * 1024**3  # no repair manual is this big; a bigger "file" is a mistake or an attack

# progress(document name, stage, done, total)
Progress = Callable[[str, str, int, int], None]


@dataclass(frozen=True)
class IngestResult:
    name: str  # the document's key in the library
    status: str  # added | replaced | unchanged
    document: DocumentInfo | None
    seconds: float
    warnings: tuple[str, ...] = ()  # parts left out (unreadable pages, figures, image links), one line each


@dataclass(frozen=True)
class Source:
    """A file to ingest and its key: its path relative to the folder it was found in (a file given by
    itself: its name). Two ``manual.pdf`` in different folders are two documents."""

    path: Path
    key: str


@dataclass(frozen=True)
class PreparedDocument:
    """One manual read and embedded, not yet stored: what a worker (local or a Ray actor) hands the one
    process that writes the library."""

    path: Path
    sha256: str
    size: int
    format: str
    title: str
    meta: dict
    pages: list
    chunks: list
    callouts: list
    figures: list
    embeddings: object  # float32 array, one row per chunk
    figures_dir: Path
    warnings: tuple[str, ...] = ()


def expand_sources(items: Iterable[str | Path]) -> list[Source]:
    """Files to ingest: files as given, folders walked for supported types (sorted). Folder entries
    that are not regular files (FIFOs, devices, sockets, symlinks) are kept so ``check_file`` can
    name them; symlinked folders are not followed (no loops)."""
    out: list[Source] = []
    for item in items:
        path = Path(item).expanduser()
        if path.is_dir():
            found = []
            for folder, dirs, files in os.walk(path):
                names = files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]
                found += [Path(folder, n) for n in names if Path(n).suffix.lower() in SUPPORTED]
            out.extend(Source(f, f.relative_to(path).as_posix()) for f in sorted(found))
        else:
            out.append(Source(path, path.name))
    return out


def sha256_file(path: Path) -> str:
    """Hash of a regular file, opened without blocking (a FIFO swapped in after ``check_file`` is
    refused, not waited on)."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise BadInputError(path, "not a regular file; give a manual file")
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _kind_of(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return "a special file"


def check_file(path: Path) -> None:
    """Only an existing regular file of a supported type, not empty and under ``MAX_FILE_BYTES``, is
    read; a symlink is judged by its target. Nothing here opens the file (a FIFO would block)."""
    try:
        info = os.stat(path)  # follows symlinks
    except FileNotFoundError:
        what = "symlink target not found" if os.path.islink(path) else "file not found"
        raise BadInputError(path, f"{what}; check the path") from None
    except OSError as exc:
        raise BadInputError(path, f"cannot be read ({exc.strerror}); check the path and permissions") from None
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8 in a name from an old USB stick or archive
        raise BadInputError(path, "file name is not valid UTF-8 text; rename the file and ingest it again") from None
    if path.suffix.lower() not in SUPPORTED:
        raise BadInputError(path, f"unsupported file type {path.suffix or '(none)'!r}; give .pdf, .md, .html or S1000D .xml files")
    if not stat.S_ISREG(info.st_mode):
        via = f" (symlink to {os.path.realpath(path)})" if os.path.islink(path) else ""
        raise BadInputError(path, f"is {_kind_of(info.st_mode)}{via}, not a regular file; give a manual file")
    if info.st_size == 0:
        raise BadInputError(path, "file is empty (0 bytes); copy it again from the source")
    if info.st_size > MAX_FILE_BYTES:
        raise BadInputError(path, f"file is {info.st_size / 1024**3:.1f} GB, over the {MAX_FILE_BYTES // 1024**3} GB "
                                  "limit for a manual; split it or check it is the right file")


def ingest_file(library, embedder, path: Path, progress: Progress | None = None, force: bool = False,
                ocr: bool = True, key: str | None = None) -> IngestResult:
    """Read, embed and store one manual under ``key`` (default: its file name), replacing the document
    of that key when it is this file again (same place or same content); another file that happens to
    have the key gets one of its own (``own_key``) and a warning."""
    start = time.perf_counter()
    path = Path(path).expanduser()
    check_file(path)
    sha = sha256_file(path)
    key, old, notes = own_key(library, path, key or path.name, sha)
    if old and old.sha256 == sha and not force:
        return IngestResult(key, "unchanged", old, time.perf_counter() - start, notes)
    prepared = prepare_document(path, library.new_figure_folder(), embedder,
                                lambda stage, done, total: (progress or _quiet)(key, stage, done, total), ocr, sha)
    try:
        document = store_document(library, prepared, key)
    except BaseException:
        shutil.rmtree(prepared.figures_dir, ignore_errors=True)
        raise
    return IngestResult(key, "replaced" if old else "added", document, time.perf_counter() - start,
                        notes + prepared.warnings)


def _quiet(*_args) -> None:
    return None


def own_key(library, path: Path, key: str, sha: str) -> tuple[str, DocumentInfo | None, tuple[str, ...]]:
    """The key this file is stored under and the document it replaces. A document of the same key from
    another place with other content is another manual: this one is keyed by its path with as many
    parent folders as tell them apart, and told so (a new revision from a new place is a new document
    until the old one is removed: nothing is replaced by a guess)."""
    here = str(path.resolve())
    old = library.document(key)
    if old is None or old.path == here or old.sha256 == sha:
        return key, old, ()
    parents, theirs = Path(here).parts[1:-len(Path(key).parts)], Path(old.path).parts
    for n in range(1, len(parents) + 1):
        candidate = "/".join((*parents[-n:], key))
        if "/".join(theirs[-len(Path(candidate).parts):]) == candidate:
            continue  # the folders that tell the two apart: "heater/docs/manual.md", not "docs/manual.md"
        other = library.document(candidate)
        if other is None or other.path == here or other.sha256 == sha:
            break
    else:
        candidate, other = f"{key} ({sha[:12]})", library.document(f"{key} ({sha[:12]})")
    return candidate, other, (f"the library already has a manual {key!r} from {old.path}; this file is {candidate!r} "
                              f"(if it replaces that manual, run `fieldkit manuals remove {key}`)",)


def prepare_document(path: Path, figures_dir: Path, embedder, progress: Callable[[str, int, int], None] | None = None,
                     ocr: bool = True, sha: str | None = None) -> PreparedDocument:
    """Extract (OCR where a page needs it), chunk along structure and embed one manual; figure files go
    to ``figures_dir``, removed again if this fails. Nothing is written to the library."""
    budget, started, tell = reading_budget(), time.monotonic(), progress or _quiet

    def report(stage: str, done: int, total: int) -> None:
        if time.monotonic() - started > budget:  # checked at every page OCRed and every embedding batch
            where = f" ({stage} {done} of {total})" if total > 1 else ""
            raise BadInputError(path, f"reading took over {budget:g} s{where}, far longer than a manual should; "
                                      "the file may be malformed (FIELDKIT_INGEST_SECONDS allows longer); "
                                      "nothing was added")
        tell(stage, done, total)

    warnings: list[str] = []
    try:
        report("extract", 0, 1)
        if path.suffix.lower() in PDF_SUFFIXES:
            from fieldkit.ingest.pdf import extract_pdf

            pages, figures, meta = extract_pdf(path, figures_dir, progress=report, ocr=ocr, warnings=warnings)
            fmt = "pdf"
        elif path.suffix.lower() in HTML_SUFFIXES:
            from fieldkit.ingest.html import extract_html

            pages, figures, meta = extract_html(path, figures_dir, warnings=warnings)
            fmt = "html"
        elif path.suffix.lower() in XML_SUFFIXES:
            from fieldkit.ingest.s1000d import extract_s1000d

            pages, figures, meta = extract_s1000d(path, figures_dir, warnings=warnings)
            fmt = "s1000d"
        else:
            from fieldkit.ingest.markdown import extract_markdown

            pages, figures, meta = extract_markdown(path, figures_dir, warnings=warnings)
            fmt = "markdown"
        report("extract", 1, 1)
        chunks, callouts = chunk_pages(pages)
        if not chunks:
            raise BadInputError(path, "no text found (a scanned file without OCR?); nothing was added")
        import numpy as np

        texts = [f"{c.section}\n{c.text}" if c.section else c.text for c in chunks]
        vectors = np.zeros((len(texts), embedder.dim), dtype=np.float32)
        # Shortest first across the whole manual, so each batch pads to a length close to its texts'
        # (slices in page order padded short chunks to long ones: 1.27x the time on 640 shared chunks).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for i in range(0, len(order), EMBED_GROUP):
            group = order[i : i + EMBED_GROUP]
            vectors[group] = embedder.embed([texts[j] for j in group])
            report("embed", min(i + EMBED_GROUP, len(texts)), len(texts))
        if warnings:
            meta["ingest_warnings"] = len(warnings)
        title = _title(meta.get("Title"), pages, path)
        front = "\n".join(p.text for p in pages[:3])
        meta.setdefault("revision", revision_of(front))
        meta.setdefault("applicability", applicability_of(front))
    except BaseException:
        shutil.rmtree(figures_dir, ignore_errors=True)
        raise
    return PreparedDocument(path, sha or sha256_file(path), path.stat().st_size, fmt, title, meta, pages, chunks,
                            callouts, figures, vectors, figures_dir, tuple(one_line(w) for w in warnings))


def reading_budget() -> float:
    """Seconds one manual may take to read and embed (FIELDKIT_INGEST_SECONDS, default an hour: a
    1,000-page scan OCRs in about 20 minutes on 2 cores); past it the file is refused, not waited on."""
    try:
        return max(0.0, float(os.environ.get("FIELDKIT_INGEST_SECONDS", "3600")))
    except ValueError:
        return 3600.0


def store_document(library, prepared: PreparedDocument, key: str) -> DocumentInfo:
    """Write a prepared manual under ``key`` in one transaction (replacing the document of that key)."""
    p = prepared
    return library.replace_document(
        name=key, path=str(p.path.resolve()), sha256=p.sha256, size=p.size, fmt=p.format, title=p.title,
        revision=p.meta.get("revision"), meta=p.meta, pages=p.pages, chunks=p.chunks, embeddings=p.embeddings,
        figures=p.figures, callouts=p.callouts, figures_dir=p.figures_dir)


def one_line(text: str) -> str:
    """A message on one line: control characters (newlines in a reader's error, or in a file name) as spaces."""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", str(text)).strip()


def ingest_paths(library, embedder, items: Iterable[str | Path], progress: Progress | None = None,
                 force: bool = False, ocr: bool = True, workers: int = 1) -> Iterator[IngestResult | BadInputError]:
    """Ingest each file in turn; a file that fails for any reason yields a BadInputError naming it and
    the rest go on. Errors about the library or models (other FieldkitErrors) and Ctrl-C stop the run.
    ``workers`` > 1 reads several files at once in worker processes (``pool.py``; 0: one per core);
    results keep the order."""
    sources = expand_sources(items)
    if workers == 0:
        from fieldkit.ingest.pool import default_workers

        workers = default_workers(len(sources))
    if workers > 1 and len(sources) > 1:
        from fieldkit.ingest.pool import ingest_pooled

        yield from ingest_pooled(library, embedder, sources, workers, progress, force, ocr)
        return
    for source in sources:
        try:
            yield ingest_file(library, embedder, source.path, progress, force, ocr, key=source.key)
        except BadInputError as err:
            yield as_bad_input(source.path, err)
        except FieldkitError:
            raise
        except Exception as exc:  # a reader's unexpected failure is this file's problem, not the run's
            yield as_bad_input(source.path, exc)


def as_bad_input(path: Path, exc: BaseException) -> BadInputError:
    """A file's failure as one line naming it (a reader's error may span lines or name a type)."""
    if isinstance(exc, BadInputError):
        return BadInputError(one_line(exc.path), one_line(exc.reason))
    if isinstance(exc, MemoryError):
        return BadInputError(one_line(path), "too large to read in this device's memory; nothing was added")
    reason = one_line(f"{type(exc).__name__}: {exc}")[:300]
    return BadInputError(one_line(path), f"cannot be read ({reason}); the file may be damaged, nothing was added")


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
