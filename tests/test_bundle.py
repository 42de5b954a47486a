"""The offline bundle: `make bundle` builds it; unpacked in a new folder and installed with no network
(`unshare -n`: a network namespace with no route out), it ingests the sample manual and answers."""

import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fieldkit import __version__

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the bundle is for Linux")

NO_ROUTE = """
import socket
try:
    socket.create_connection(("151.101.0.223", 443), timeout=3)
except OSError as exc:
    print("no route:", exc)
else:
    print("NETWORK REACHABLE")
"""


def test_bundle_installs_and_answers_with_no_network(tmp_path):
    built = subprocess.run(["make", "bundle"], cwd=ROOT, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    archive = ROOT / "dist" / f"fieldkit-{__version__}-linux-{platform.machine()}.tar.gz"
    prefix, home, unpacked = tmp_path / "prefix", tmp_path / "home", tmp_path / "unpacked"
    unpacked.mkdir()
    fieldkit = prefix / "bin" / "fieldkit"
    script = f"""set -e
python3 -c '{NO_ROUTE}'
tar xzf {archive} -C {unpacked}
cd {unpacked}/fieldkit-{__version__}-linux-{platform.machine()}
./install.sh {prefix}
export FIELDKIT_HOME={home}
{fieldkit} ingest {prefix}/share/fieldkit/sample/fk200-gpu-maintenance.pdf
{fieldkit} ask --json "What torque for the oil drain plug?" > {tmp_path}/answer.json
"""
    # A machine with only what the bundle brings: no pip config pointing at local wheel folders.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PIP_CONFIG_FILE": os.devnull, "LANG": "C.UTF-8"}
    done = subprocess.run(["unshare", "-n", "sh", "-c", script], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "no route:" in done.stdout
    assert os.path.realpath(fieldkit).startswith(str(prefix / ".venv"))
    answer = json.loads((tmp_path / "answer.json").read_text())
    assert not answer["refused"]
    assert any("35 N·m" in q["text"] for q in answer["quotes"])
    assert any(c["doc"].startswith("fk200") for c in answer["citations"])
    # The llama-cpp-python wheel in it is portable: manylinux-tagged, libgomp inside, one copy of each library.
    (llama,) = (unpacked / f"fieldkit-{__version__}-linux-{platform.machine()}" / "wheelhouse").glob("llama_cpp_python-*.whl")
    assert "manylinux" in llama.name
    listing = subprocess.run([sys.executable, "-m", "zipfile", "-l", str(llama)], capture_output=True, text=True).stdout
    assert "libgomp" in listing and listing.count("libggml-base") == 1
    shutil.rmtree(unpacked)
