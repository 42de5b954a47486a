"""The read-OCR-embed stage of `fieldkit pack build --ray ADDRESS` on Ray Data (`pip install 'fieldkit[cluster]'`).

Each manual is one row; a pool of actors (a callable class with ``map_batches``) prepares them: every
actor loads the embedder once in ``__init__`` and keeps it, and the OCR models stay loaded in its process
(fieldkit.models.ocr holds them per process). Only the driver writes: it stores the prepared manuals in
the folder's order (the same order, chunk ids and figure folders' contents as a local build) and then
writes the pack as before.

What crosses the wire is plain data (str, int, bytes, lists, dicts) pickled into one bytes column:
figure files come back as bytes and the driver writes them into the library, so workers need no access
to the driver's disk for output. Input: workers read each manual at the path the driver sees (and the
images a Markdown or HTML manual links to next to it), so on a multi-node cluster the folder must be on
a filesystem shared at the same path; a worker that finds another file there (sha256 differs) fails
the build saying so.

``ray`` is imported only here, only when a build asks for it, with usage stats and the dashboard off.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import socket
import tempfile
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

from fieldkit.errors import BadInputError, FieldkitError, UsageError
from fieldkit.ingest.pipeline import (
    PreparedDocument,
    Progress,
    Source,
    as_bad_input,
    check_file,
    one_line,
    prepare_document,
    sha256_file,
    store_document,
)
from fieldkit.library.records import Block, CalloutBlock, Chunk, FigureImage, Page

INSTALL_HINT = "pip install 'fieldkit[cluster]'"
LOCAL = "local"
FORWARDED_ENV = ("FIELDKIT_INGEST_SECONDS",)
CONNECT_TIMEOUT = 5.0  # seconds to reach a cluster's head before giving up (ray.init itself retries for minutes)


# ---- the driver -----------------------------------------------------------------------------------

def ingest_on_ray(library, embedder, sources: list[Source], address: str,
                  progress: Progress | None = None) -> list[BadInputError]:
    """Prepare ``sources`` on Ray at ``address`` (``local``: a private Ray on this machine, one actor
    per CPU, stopped afterwards) and store each in ``library`` in the order given. Returns the manuals that could not be
    read, in that order, with the messages a local build gives; other FieldkitErrors stop the build."""
    report = progress or (lambda *_: None)
    failed: dict[int, BadInputError] = {}
    rows = []
    for index, source in enumerate(sources):  # the same checks, on the driver, as a local ingest
        try:
            check_file(source.path)
            sha = sha256_file(source.path)
        except (BadInputError, OSError) as exc:
            failed[index] = as_bad_input(source.path, exc)
            continue
        rows.append({"index": index, "path": str(source.path), "key": source.key, "sha256": sha})
    if rows:
        ray, started = start_ray(address)
        try:
            pending: dict[int, dict] = {}
            order = iter([row["index"] for row in rows])
            want = next(order, None)
            for blob in _run(ray, rows, embedder.id):
                result = pickle.loads(blob)
                pending[result["index"]] = result
                report(sources[result["index"]].key, "prepared", 1, 1)
                while want is not None and want in pending:
                    result = pending.pop(want)
                    if "error" in result:
                        failed[want] = _driver_error(result)
                    else:
                        _store(library, result, sources[want].key)
                    want = next(order, None)
            if want is not None:
                raise FieldkitError(f"Ray returned no result for {sources[want].path}; build again")
        finally:
            if started:  # a private local Ray stops; a cluster is only disconnected from
                ray.shutdown()
    return [failed[i] for i in sorted(failed)]


def start_ray(address: str):
    """``ray`` initialised for ``address``, and whether this call started it; a one-line FieldkitError
    when Ray is missing or the address unreachable."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"  # before ray is imported: nothing phones home
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise UsageError(f"--ray needs Ray Data, which is not installed ({exc.name or exc}); {INSTALL_HINT}") from None
    for name in ("ray.data", "ray._private.authentication"):  # their notices would break the CLI's progress lines
        logging.getLogger(name).setLevel(logging.ERROR)
    if ray.is_initialized():  # a caller (a notebook, a service) already connected: use that
        return ray, False
    quiet = {"include_dashboard": False, "configure_logging": False, "log_to_driver": False}
    try:
        if address == LOCAL:
            ray.init(num_cpus=os.cpu_count() or 1, **quiet)
        else:
            _reachable(address)
            if address.startswith("ray://"):  # Ray Client: the dashboard and logging are the cluster's business
                ray.init(address=address)
            else:
                ray.init(address=address, **quiet)
    except FieldkitError:
        raise
    except Exception as exc:
        raise UsageError(f"--ray {address}: cannot start or join Ray ({one_line(exc)[:200]}); give `--ray local` "
                         "or the address of a running cluster's head (host:6379 or ray://host:10001)") from None
    return ray, True


def _reachable(address: str) -> None:
    """Fail fast (ray.init waits minutes on a wrong address): the head's port must accept a connection."""
    if address == "auto":
        return  # the cluster this machine's `ray start` joined; ray.init says at once if there is none
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or not port:
        raise UsageError(f"--ray {address}: not an address; give `--ray local`, `--ray auto`, host:port "
                         "(the head's GCS port, 6379 by default) or ray://host:10001")
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise UsageError(f"--ray {address}: no Ray head answers there ({exc.strerror or exc}); start one "
                         "(`ray start --head`) or give `--ray local`") from None


def _run(ray, rows: list[dict], embedder_id: str):
    """The prepared manuals as pickled bytes, in the order they finish."""
    from ray.data import ActorPoolStrategy, DataContext

    context = DataContext.get_current()
    context.enable_progress_bars = False
    cpus = int(ray.cluster_resources().get("CPU", 1))
    actors = max(1, min(len(rows), cpus))
    forwarded = {k: v for k, v in os.environ.items() if k in FORWARDED_ENV}  # the same limits on every node
    dataset = ray.data.from_items(rows, override_num_blocks=len(rows))
    prepared = dataset.map_batches(
        PrepareActor, fn_constructor_kwargs={"embedder_id": embedder_id, "env": forwarded}, batch_size=1,
        compute=ActorPoolStrategy(size=actors), num_cpus=1)
    try:
        for row in prepared.iter_rows():
            yield row["result"]
    except Exception as exc:
        cause = _fieldkit_cause(exc)
        if cause is not None:
            raise cause from None
        raise FieldkitError(f"the Ray build failed ({one_line(exc)[:300]}); nothing was written") from None


def _fieldkit_cause(exc: BaseException) -> FieldkitError | None:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, FieldkitError):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _driver_error(result: dict) -> BadInputError:
    if "fatal" in result:  # the models or the library, not this manual: stop as a local build does
        raise pickle.loads(result["fatal"])
    return BadInputError(result["error"][0], result["error"][1])


def _store(library, result: dict, key: str) -> None:
    """Write the figure files a worker returned into a fresh figure folder, then the manual, in one go."""
    folder = library.new_figure_folder()
    try:
        for rel, data in result["files"].items():
            target = folder / rel
            if not target.resolve().is_relative_to(folder.resolve()):
                raise FieldkitError(f"a Ray worker returned a figure file outside its folder ({rel!r}); refused")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        store_document(library, from_plain(result["document"], folder), key)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


# ---- the workers ----------------------------------------------------------------------------------

class PrepareActor:
    """One Ray actor: the embedder loaded once, then one manual per call (``batch_size=1``)."""

    def __init__(self, embedder_id: str, env: dict | None = None):
        from fieldkit.ingest import ocr
        from fieldkit.models.embedder import load_embedder

        os.environ.update(env or {})
        ocr.threads = 1  # an actor has one CPU (num_cpus=1): its manual's pages are OCRed one at a time
        self.embedder = load_embedder(embedder_id)

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        out = [prepare_row(int(i), str(p), str(s), self.embedder)
               for i, p, s in zip(batch["index"], batch["path"], batch["sha256"])]
        return {"result": np.array(out, dtype=object)}


def prepare_row(index: int, path: str, sha: str, embedder) -> bytes:
    """Prepare one manual into a private temporary folder and return it, figure files included, as
    pickled plain data; a failure comes back as the message a local build gives."""
    with tempfile.TemporaryDirectory(prefix="fieldkit-ray-") as tmp:
        figures_dir = Path(tmp) / "figures"
        try:
            if sha256_file(Path(path)) != sha:
                raise BadInputError(path, "is another file on this Ray worker than on the machine building the pack "
                                          "(sha256 differs): put the folder on a filesystem shared at the same path")
            prepared = prepare_document(Path(path), figures_dir, embedder, None, True, sha)
            files = {f.relative_to(figures_dir).as_posix(): f.read_bytes()
                     for f in sorted(figures_dir.rglob("*")) if f.is_file()}
            result = {"index": index, "document": to_plain(prepared), "files": files}
        except BadInputError as err:
            result = {"index": index, "error": (one_line(err.path), one_line(err.reason))}
        except FieldkitError as err:
            result = {"index": index, "fatal": pickle.dumps(err)}
        except Exception as exc:  # MemoryError included: this manual's problem, not the build's
            bad = as_bad_input(Path(path), exc)
            result = {"index": index, "error": (bad.path, bad.reason)}
    return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


# ---- PreparedDocument <-> plain data --------------------------------------------------------------

def to_plain(p: PreparedDocument) -> dict:
    """Only str, int, float, bool, None, bytes, lists and dicts: figure paths relative to its folder,
    the embeddings as float32 bytes with their shape."""
    import numpy as np

    vectors = np.ascontiguousarray(p.embeddings, dtype=np.float32)

    def rel(path) -> str:
        return Path(path).relative_to(p.figures_dir).as_posix()

    return {
        "path": str(p.path), "sha256": p.sha256, "size": p.size, "format": p.format, "title": p.title,
        "meta": p.meta, "pages": [asdict(page) for page in p.pages], "chunks": [asdict(c) for c in p.chunks],
        "callouts": [asdict(c) for c in p.callouts],
        "figures": [asdict(f) | {"image_path": rel(f.image_path), "thumb_path": rel(f.thumb_path)} for f in p.figures],
        "embeddings": vectors.tobytes(), "shape": list(vectors.shape), "warnings": list(p.warnings),
    }


def from_plain(d: dict, figures_dir: Path) -> PreparedDocument:
    """The PreparedDocument ``to_plain`` describes, its figure files in ``figures_dir``."""
    import numpy as np

    pages = [Page(**(page | {"blocks": tuple(Block(**b) for b in page["blocks"])})) for page in d["pages"]]
    figures = [FigureImage(**(f | {"image_path": str(figures_dir / f["image_path"]),
                                   "thumb_path": str(figures_dir / f["thumb_path"])})) for f in d["figures"]]
    vectors = np.frombuffer(d["embeddings"], dtype=np.float32).reshape(d["shape"]).copy()
    return PreparedDocument(
        path=Path(d["path"]), sha256=d["sha256"], size=d["size"], format=d["format"], title=d["title"],
        meta=d["meta"], pages=pages, chunks=[Chunk(**c) for c in d["chunks"]],
        callouts=[CalloutBlock(**c) for c in d["callouts"]], figures=figures, embeddings=vectors,
        figures_dir=figures_dir, warnings=tuple(d["warnings"]))

