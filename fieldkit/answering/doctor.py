"""`fieldkit doctor`: is this install able to answer, offline? One HealthCheck per part: the CPU against
what the llama.cpp wheel was built for, each model present and loadable (with its sha256), the library
whole, free disk, how the terminal can draw figures, and that none of it opened a network socket."""

from __future__ import annotations

import os
import platform
import shutil
import socket
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from fieldkit import paths
from fieldkit.errors import FieldkitError
from fieldkit.library.packs import sha256
from fieldkit.library.records import HealthCheck

# What scripts/build_llama_wheel.sh builds for (GGML_NATIVE=OFF and these), by machine, as the kernel
# names the flags in /proc/cpuinfo.
# aarch64: armv8.2-a+dotprod+fp16 (scripts/build_llama_wheel_aarch64.sh), as "asimddp" and "fphp"/"asimdhp".
WHEEL_CPU_FLAGS = {"x86_64": ("avx2", "fma", "f16c"), "aarch64": ("asimd", "asimddp", "fphp", "asimdhp")}
FREE_DISK_MIN = 1 << 30


def run_checks(model: str | None = None, cpuinfo: Path = Path("/proc/cpuinfo")) -> list[HealthCheck]:
    """Every check, in order; nothing is repaired or written (the library is opened read-only)."""
    checks, sockets = [], []
    with _no_network(sockets):
        checks.append(cpu(cpuinfo))
        checks.append(_guarded("chat model", lambda: chat_model(model)))
        checks.append(_guarded("embedder", embedder))
        checks.append(_guarded("ocr", ocr))
        checks.extend(_library())
    checks.append(disk())
    checks.append(terminal_graphics())
    checks.append(HealthCheck("network", not sockets, "not needed: no check opened a socket" if not sockets
                              else f"{len(sockets)} network socket(s) were attempted: {sockets[0]}"))
    return checks


def cpu(cpuinfo: Path) -> HealthCheck:
    machine = platform.machine()
    needed = WHEEL_CPU_FLAGS.get(machine)
    if needed is None:
        return HealthCheck("cpu", False, f"{machine}: no llama.cpp wheel is built for this machine")
    try:
        text = cpuinfo.read_text()
    except OSError as exc:
        return HealthCheck("cpu", False, f"cannot read {cpuinfo} ({exc})")
    flags = set()
    for line in text.splitlines():
        if line.split(":")[0].strip() in ("flags", "Features"):
            flags |= set(line.split(":", 1)[1].split())
    missing = [f for f in needed if f not in flags]
    if missing:
        return HealthCheck("cpu", False, f"this CPU lacks {', '.join(missing)}, which the llama.cpp wheel needs "
                                         "(it would stop with an illegal instruction): rebuild it for this CPU "
                                         "(scripts/build_llama_wheel.sh with GGML_NATIVE=ON)")
    return HealthCheck("cpu", True, f"{machine} with {', '.join(needed)} (what the llama.cpp wheel is built for)")


def chat_model(model: str | None) -> HealthCheck:
    from fieldkit.models.llm import LocalLLM
    from fieldkit.models.weights import resolve_llm

    path = resolve_llm(model)
    llm = LocalLLM(path, n_ctx=256)
    tokens = len(llm.llama.tokenize(b"Torque the drain plug."))
    llm.close()
    return HealthCheck("chat model", tokens > 0, f"{path.name} loads (sha256 {sha256(path)[:16]}...)")


def embedder() -> HealthCheck:
    from fieldkit.answering.engine import library_embedder

    model = library_embedder()
    vector = model.embed_one("Torque the drain plug.")
    return HealthCheck("embedder", vector.shape == (model.dim,), f"{model.id} embeds ({model.dim} dimensions)")


def ocr() -> HealthCheck:
    from PIL import Image, ImageDraw, ImageFont

    from fieldkit.models.ocr import OCR

    image = Image.new("RGB", (640, 120), "white")
    ImageDraw.Draw(image).text((30, 30), "E-204 FAULT", fill="black", font=ImageFont.load_default(size=40))
    read = " ".join(OCR.lines(image))
    return HealthCheck("ocr", "E-204" in read, f"PP-OCR reads a test line: {read!r}")


def _library() -> list[HealthCheck]:
    from fieldkit.answering.engine import open_library
    from fieldkit.library.integrity import check_library

    if not (paths.library_dir() / "catalog.db").is_file():
        return [HealthCheck("library", False, f"no library at {paths.library_dir()}: `fieldkit ingest PATH` first")]
    try:
        library = open_library(read_only=True)
    except FieldkitError as exc:
        return [HealthCheck("library", False, exc.message)]
    try:
        return check_library(library)
    finally:
        library.close()


def disk() -> HealthCheck:
    folder = paths.home()
    while not folder.exists():
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    return HealthCheck("disk", free >= FREE_DISK_MIN, f"{free / (1 << 30):.1f} GB free at {folder}"
                       + ("" if free >= FREE_DISK_MIN else "; ingest and answer logs need at least 1 GB"))


def terminal_graphics() -> HealthCheck:
    """How figures will be drawn (information: every terminal can show them one way)."""
    from importlib.util import find_spec

    term = os.environ.get("TERM", "")
    native = "kitty" in term or "KITTY_WINDOW_ID" in os.environ or "WEZTERM_PANE" in os.environ
    if find_spec("textual_image") is None:
        how = "half-cell blocks (rich-pixels); install the `images` extra for Kitty/Sixel pictures"
    elif native:
        how = "pictures (textual-image: Kitty/Sixel)"
    else:
        how = "textual-image pictures where the terminal speaks Kitty or Sixel graphics, blocks otherwise"
    return HealthCheck("terminal graphics", True, f"TERM={term or '(unset)'}: figures as {how}")


def _guarded(name: str, check: Callable[[], HealthCheck]) -> HealthCheck:
    try:
        return check()
    except FieldkitError as exc:
        return HealthCheck(name, False, exc.message)


@contextmanager
def _no_network(attempts: list):
    """Refuse (and count) any internet socket opened while the checks run."""
    real = socket.socket

    class Guarded(real):
        def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
            if family in (socket.AF_INET, socket.AF_INET6) and fileno is None:
                attempts.append(f"family {family}")
                raise OSError("fieldkit doctor: no network socket expected")
            super().__init__(family, type, proto, fileno)

    socket.socket = Guarded
    try:
        yield
    finally:
        socket.socket = real
