"""Shared fixtures: a private FIELDKIT_HOME per test, real models loaded once per session."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_PDF = ROOT / "manuals" / "fk200-gpu-maintenance.pdf"
SAMPLE_MD = ROOT / "manuals" / "fk200-gpu-maintenance.md"
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def fieldkit_home(tmp_path, monkeypatch):
    home = tmp_path / "fkhome"
    monkeypatch.setenv("FIELDKIT_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def embedder():
    from fieldkit.models.embedder import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def llm():
    from fieldkit.models.llm import LocalLLM

    return LocalLLM()


@pytest.fixture(scope="session")
def sample_home(tmp_path_factory, embedder):
    """A library holding the sample manual (PDF and Markdown), built once and copied per use."""
    from fieldkit.ingest.pipeline import ingest_paths
    from fieldkit.library.catalog import Library

    root = tmp_path_factory.mktemp("sample") / "library"
    library = Library.open(embedder.id, embedder.dim, root=root)
    results = list(ingest_paths(library, embedder, [SAMPLE_PDF, SAMPLE_MD]))
    assert [r.status for r in results] == ["added", "added"]
    library.close()
    return root


@pytest.fixture
def sample_library(sample_home, fieldkit_home, embedder):
    from fieldkit.library.catalog import Library

    root = fieldkit_home / "library"
    shutil.copytree(sample_home, root)
    library = Library.open(embedder.id, embedder.dim, root=root)
    yield library
    library.close()


@pytest.fixture
def library(fieldkit_home, embedder):
    """An empty library in this test's FIELDKIT_HOME."""
    from fieldkit.library.catalog import Library

    library = Library.open(embedder.id, embedder.dim)
    yield library
    library.close()


@pytest.fixture
def engine(sample_library, embedder, llm):
    from fieldkit.answering.engine import Engine

    return Engine(library=sample_library, embedder=embedder, llm=llm)


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch):
    """Fail on any socket fieldkit tries to open (AF_UNIX socketpairs used by asyncio are allowed)."""
    attempts = []
    real_socket = socket.socket

    class GuardedSocket(real_socket):
        def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
            if family in (socket.AF_INET, socket.AF_INET6, -1) and fileno is None:
                attempts.append((family, type))
                raise NetworkUsed(f"fieldkit opened a network socket (family={family})")
            super().__init__(family, type, proto, fileno)

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise NetworkUsed(f"fieldkit tried to connect: {args}")

    monkeypatch.setattr(socket, "socket", GuardedSocket)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def run_cli(*args, env_home: Path, input: str | None = None, timeout: int = 600):
    import subprocess
    import sys

    env = dict(os.environ, FIELDKIT_HOME=str(env_home))
    return subprocess.run([sys.executable, "-m", "fieldkit", *map(str, args)], capture_output=True, text=True,
                          env=env, input=input, timeout=timeout, cwd=ROOT)
