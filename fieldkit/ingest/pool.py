"""Several manuals read at once: extraction, OCR and embedding in worker processes, storing in this one.

OCR runs one ONNX Runtime thread per model (``models/ocr.py``: on 2 cores a thread pool spinning
against the other core was slower), so a folder of scanned manuals is read by one worker process per
core. Each worker loads the embedder once (and the OCR models when a page needs them) and hands back a
``PreparedDocument``; only this process writes the library, in the folder's order, each manual in one
transaction as a single-process ingest does, so the library ends the same. Workers are started with
``spawn``: a forked child would inherit this process's ONNX Runtime threads and locks.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from fieldkit.errors import BadInputError
from fieldkit.ingest.pipeline import (
    IngestResult,
    Progress,
    Source,
    as_bad_input,
    check_file,
    one_line,
    own_key,
    prepare_document,
    sha256_file,
    store_document,
)

_embedder = None  # the worker's own, loaded once by _start


def default_workers(files: int) -> int:
    """Worker processes for ``files`` manuals: one per core, at most 4 (memory on a 4 GB Pi), none for one file."""
    return max(1, min(os.cpu_count() or 1, 4, files))


def ingest_pooled(library, embedder, sources: list[Source], workers: int, progress: Progress | None = None,
                  force: bool = False, ocr: bool = True) -> Iterator[IngestResult | BadInputError]:
    """Like ``ingest_paths`` (results in the order of ``sources``, a bad file a BadInputError naming it),
    with the reading of up to ``workers`` manuals at a time in worker processes."""
    import multiprocessing

    report = progress or (lambda *_: None)
    plans: list[tuple[Source, float, tuple, Future | None]] = []
    stored = 0  # plans done: the figure folders of the rest are removed if the run stops
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start, initargs=(embedder.id, max(1, (os.cpu_count() or 1) // workers)))
    try:
        for source in sources:  # checks and the unchanged test here: only real work goes to the pool
            start = time.perf_counter()
            try:
                check_file(source.path)
                sha = sha256_file(source.path)
                key, old, notes = own_key(library, source.path, source.key, sha)
            except (BadInputError, OSError) as exc:  # this file's problem: reported, the run goes on
                plans.append((source, start, (as_bad_input(source.path, exc),), None))
                continue
            if old and old.sha256 == sha and not force:
                plans.append((source, start, (IngestResult(key, "unchanged", old, 0.0, notes),), None))
                continue
            folder = library.new_figure_folder()
            report(key, "read", 0, 1)
            plans.append((source, start, (sha, folder), pool.submit(_prepare, str(source.path), str(folder), ocr, sha)))
        for source, start, plan, future in plans:
            result = plan[0] if future is None else _store(library, source, start, plan, future, report)
            stored += 1
            yield result
    except BaseException:  # Ctrl-C, a library error, or the caller stopped reading: stop the workers now
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()  # (Python 3.14's pool.terminate_workers); a worker may be minutes into an OCR
        pool.shutdown(wait=True, cancel_futures=True)
        for _, _, plan, future in plans[stored:]:
            if future is not None:
                shutil.rmtree(plan[1], ignore_errors=True)  # figures of manuals never stored
        raise
    pool.shutdown(wait=True)


def _store(library, source: Source, start: float, plan: tuple, future: Future, report) -> IngestResult | BadInputError:
    sha, folder = plan
    try:
        prepared = future.result()
    except BrokenProcessPool:
        prepared = ("BrokenProcessPool", "a worker process died while reading it (out of memory?); nothing was "
                    "added; try again with --workers 1", True)
    if isinstance(prepared, tuple):  # the worker's report of a failure: (type name, message, is it bad input)
        shutil.rmtree(folder, ignore_errors=True)
        kind, message, bad_input = prepared
        return BadInputError(one_line(source.path), one_line(message)) if bad_input else \
            as_bad_input(source.path, RuntimeError(f"{kind}: {message}"))
    key, old, notes = own_key(library, source.path, source.key, sha)  # again: another file may have it now
    try:
        document = store_document(library, prepared, key)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    report(key, "read", 1, 1)
    return IngestResult(key, "replaced" if old else "added", document, time.perf_counter() - start,
                        notes + prepared.warnings)


def _start(embedder_id: str, ocr_threads: int) -> None:
    """A worker's start: its embedder, and its share of the cores for OCR (the pages of a manual it
    reads are OCRed that many at a time)."""
    global _embedder
    from fieldkit.ingest import ocr
    from fieldkit.models.embedder import load_embedder

    _die_with_parent()
    ocr.threads = ocr_threads

    _embedder = load_embedder(embedder_id)


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the ingest that started it dies (kill -9 included), so no
    orphan keeps OCRing and writing figure files into the library."""
    import ctypes
    import signal
    import sys

    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the line above
            os._exit(1)


def _prepare(path: str, folder: str, ocr: bool, sha: str):
    """In a worker: the prepared manual, or (type, message, is bad input) when it cannot be read
    (exceptions are reported as data: a FieldkitError does not survive pickling)."""
    try:
        return prepare_document(Path(path), Path(folder), _embedder, ocr=ocr, sha=sha)
    except BadInputError as err:
        return ("BadInputError", err.reason, True)
    except MemoryError:
        return ("MemoryError", "too large to read in this device's memory; nothing was added", True)
    except Exception as exc:  # noqa: BLE001
        return (type(exc).__name__, str(exc), False)
