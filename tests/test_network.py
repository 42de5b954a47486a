"""Nothing opens a network socket during ingest, search and ask: in Python (socket patched) and in the
whole process, native libraries included (strace in a namespace with no network)."""

import os
import re
import socket
import subprocess
import sys

import pytest
from conftest import ROOT, SAMPLE_MD, SAMPLE_PDF, NetworkUsed


def test_the_guard_itself_catches_a_socket(no_network):
    with pytest.raises(NetworkUsed):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(NetworkUsed):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def test_ingest_search_ask_open_no_socket(no_network, embedder, llm):
    from fieldkit.answering.engine import Engine
    from fieldkit.answering.events import Done
    from fieldkit.ingest.pipeline import ingest_paths
    from fieldkit.library.catalog import Library

    library = Library.open(embedder.id, embedder.dim)
    assert [r.status for r in ingest_paths(library, embedder, [SAMPLE_PDF, SAMPLE_MD])] == ["added", "added"]
    engine = Engine(library=library, embedder=embedder, llm=llm)
    assert engine.search("drain plug torque").passages
    done = [e for e in engine.answer("What torque for the oil drain plug?") if isinstance(e, Done)][0]
    assert not done.answer.refused
    assert no_network == []


# The whole process, native code included (llama.cpp, onnxruntime, pdfium): every socket(2) and
# connect(2) any thread makes is seen by strace, in a network namespace with no route out.
TRACED = ["unshare", "-n", "strace", "-f", "-qq", "-e", "trace=socket,connect"]


def _inet_syscalls(tmp_path, script: str) -> tuple[list[str], subprocess.CompletedProcess]:
    trace = tmp_path / "trace.txt"
    env = dict(os.environ, FIELDKIT_HOME=str(tmp_path / "home"))
    done = subprocess.run([*TRACED, "-o", str(trace), "sh", "-c", script], capture_output=True, text=True,
                          env=env, timeout=900, cwd=ROOT)
    lines = trace.read_text().splitlines() if trace.exists() else []
    return [line for line in lines if re.search(r"AF_INET6?\b", line)], done


def test_tracing_sees_a_native_socket(tmp_path):
    seen, done = _inet_syscalls(tmp_path, f"{sys.executable} -c 'import socket; socket.socket()'")
    assert done.returncode == 0, done.stderr
    assert seen, "strace did not see a socket the process opened: the test below would prove nothing"


def test_ingest_and_ask_processes_open_no_inet_socket(tmp_path):
    fk = f"{sys.executable} -m fieldkit"
    script = (f"{fk} ingest {SAMPLE_PDF} && {fk} search --json 'oil drain plug' >/dev/null && "
              f"{fk} ask --json 'What torque for the oil drain plug?' > {tmp_path / 'answer.json'}")
    seen, done = _inet_syscalls(tmp_path, script)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "35 N·m" in (tmp_path / "answer.json").read_text()
    assert seen == []
