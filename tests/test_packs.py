"""Signed manual packs: built once, verified whole before anything is replaced, switched atomically,
rolled back; a tampered, unsigned or foreign-signed pack is refused and the installed library stays
byte-identical; an install killed at any step leaves a library that opens and searches."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE_MD, SAMPLE_PDF, run_cli
from fieldkit.errors import FieldkitError
from fieldkit.library.packs import PackError, generate_key, install_pack, rollback


@pytest.fixture(scope="module")
def built(tmp_path_factory, embedder):
    """A pack of the sample PDF (fleet-a rev 3), its key pair, and another key pair."""
    from fieldkit.ingest.pack_build import build_pack

    tmp = tmp_path_factory.mktemp("pack")
    (tmp / "manuals").mkdir()
    shutil.copy(SAMPLE_PDF, tmp / "manuals")
    key_pub = generate_key(tmp / "fleet.key")
    other_pub = generate_key(tmp / "other.key")
    info = build_pack(tmp / "manuals", tmp / "fleet-a.fkpack", "fleet-a", "3", tmp / "fleet.key", embedder)
    return tmp / "fleet-a.fkpack", key_pub, other_pub, info


@pytest.fixture
def device(fieldkit_home, embedder):
    """A device whose library was built on it (the sample Markdown manual), with one logged answer."""
    from fieldkit.ingest.pipeline import ingest_paths
    from fieldkit.library.catalog import Library

    library = Library.open(embedder.id, embedder.dim)
    assert [r.status for r in ingest_paths(library, embedder, [SAMPLE_MD])] == ["added"]
    library.log_ask({"question": "drain plug torque?", "refused": 0, "answer": "35 N·m", "asked_at": "2026-11-30"})
    library.close()
    return fieldkit_home


def snapshot(home: Path) -> dict:
    """Every file the library link leads to, with its sha256, and where the link points."""
    lib = home / "library"
    files = {p.relative_to(lib).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(lib.rglob("*")) if p.is_file()}
    return {"target": lib.resolve(), "files": files}


def documents(home: Path, embedder) -> list[str]:
    from fieldkit.library.catalog import Library

    library = Library.open(embedder.id, embedder.dim)
    try:
        return [d.name for d in library.documents()]
    finally:
        library.close()


def test_build_install_answer_as_of_and_rollback(built, device, embedder):
    from fieldkit.answering.engine import Engine
    from fieldkit.ui.render import answer_text

    pack, key_pub, _, info = built
    assert [m["name"] for m in info.manuals] == ["fk200-gpu-maintenance.pdf"]
    manual = info.manuals[0]
    assert manual["sha256"] == hashlib.sha256(SAMPLE_PDF.read_bytes()).hexdigest()
    assert manual["revision"] and manual["effectivity"]  # the manual's own revision and serial-number effectivity
    installed = install_pack(pack, key_pub, device)
    assert installed.as_of().startswith("manuals as of 20") and installed.as_of().endswith("pack fleet-a 3")
    assert documents(device, embedder) == ["fk200-gpu-maintenance.pdf"]
    engine = Engine(embedder=embedder)
    assert engine.manuals_as_of == installed.as_of()
    assert [r["question"] for r in engine.library.asks()] == ["drain plug torque?"]  # the device's log went along
    hits = engine.search("oil drain plug torque").passages
    assert hits and hits[0].doc == "fk200-gpu-maintenance.pdf"
    refused = [e for e in engine.answer("What is the tyre pressure of the Boeing 747 nose gear?")][-1].answer
    assert refused.refused and refused.manuals_as_of == installed.as_of()
    assert answer_text(refused).endswith(f"({installed.as_of()})")
    assert refused.to_json()["manuals_as_of"] == installed.as_of()
    engine.library.close()

    assert rollback(device) is None  # back to the library built on this device
    assert documents(device, embedder) == ["fk200-gpu-maintenance.md"]
    assert rollback(device).name == "fleet-a"  # and forward again
    assert documents(device, embedder) == ["fk200-gpu-maintenance.pdf"]


def _rewritten(pack: Path, out: Path, change) -> Path:
    """A copy of ``pack`` with ``change(name, data) -> data | None`` applied to each member (None drops it)."""
    with tarfile.open(pack) as src, tarfile.open(out, "w") as dst:
        for member in src:
            data = change(member.name, src.extractfile(member).read())
            if data is None:
                continue
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return out


def _flip(offset_from_end: int):
    def flip(data: bytes) -> bytes:
        i = len(data) - offset_from_end
        return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:]
    return flip


@pytest.mark.parametrize("member,why", [
    ("manuals/fk200-gpu-maintenance.pdf", "does not match its sha256"),
    ("library/catalog.db", "does not match its sha256"),
    ("pack.json", "signature does not verify"),
])
def test_one_byte_changed_is_refused_and_nothing_changes(built, device, tmp_path, member, why):
    pack, key_pub, _, _ = built
    flip = _flip(200 if member != "pack.json" else 40)
    tampered = _rewritten(pack, tmp_path / "t.fkpack", lambda name, data: flip(data) if name == member else data)
    before = snapshot(device)
    with pytest.raises(PackError, match=why):
        install_pack(tampered, key_pub, device)
    assert snapshot(device) == before
    assert not any(p.name.startswith(".staging") for p in (device / "libraries").iterdir())


def test_other_key_unsigned_and_hostile_packs_are_refused(built, device, tmp_path):
    pack, key_pub, other_pub, _ = built
    before = snapshot(device)
    with pytest.raises(PackError, match="signature does not verify"):
        install_pack(pack, other_pub, device)
    unsigned = _rewritten(pack, tmp_path / "u.fkpack", lambda name, data: None if name == "pack.sig" else data)
    with pytest.raises(PackError, match="unsigned"):
        install_pack(unsigned, key_pub, device)
    extra = tmp_path / "x.fkpack"
    shutil.copy(pack, extra)
    with tarfile.open(extra, "a") as tar:
        evil = tarfile.TarInfo("../../outside.txt")
        evil.size = 4
        tar.addfile(evil, io.BytesIO(b"evil"))
    with pytest.raises(PackError, match="not a plain file inside the pack"):
        install_pack(extra, key_pub, device)
    assert not (tmp_path.parent / "outside.txt").exists()
    (tmp_path / "junk.fkpack").write_bytes(b"not a tar at all")
    with pytest.raises(PackError, match="not a readable pack"):
        install_pack(tmp_path / "junk.fkpack", key_pub, device)
    with pytest.raises(PackError, match="not a readable Ed25519 public key"):
        install_pack(pack, SAMPLE_PDF, device)
    assert snapshot(device) == before


KILLER = """
import os, sys
from pathlib import Path
from fieldkit.library import packs
calls = {"n": 0}
stop_at = int(sys.argv[4])
def crashing(real):
    def call(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == stop_at:
            os._exit(9)  # as kill -9 would: no cleanup, no finally
        return real(*args, **kwargs)
    return call
os.replace = crashing(os.replace)
os.symlink = crashing(os.symlink)
packs.install_pack(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
print("completed")
"""


def test_install_killed_at_every_step_leaves_a_working_library(built, device, embedder):
    pack, key_pub, _, _ = built
    outcomes = set()
    for stop_at in range(1, 12):
        done = subprocess.run([sys.executable, "-c", KILLER, pack, key_pub, device, str(stop_at)],
                              capture_output=True, text=True, cwd=ROOT)
        docs = documents(device, embedder)  # opens (finishing a cut-short switch), lists
        assert docs in (["fk200-gpu-maintenance.md"], ["fk200-gpu-maintenance.pdf"]), (stop_at, done.stderr)
        outcomes.add((done.returncode, docs[0]))
        if done.returncode == 0:
            break
    assert (9, "fk200-gpu-maintenance.md") in outcomes  # killed before the switch: the old library
    assert (0, "fk200-gpu-maintenance.pdf") in outcomes  # the run that got through
    install_pack(pack, key_pub, device)  # and a final install completes
    assert documents(device, embedder) == ["fk200-gpu-maintenance.pdf"]


def test_cli_pack_commands_and_doctor_names_a_changed_file(built, tmp_path):
    pack, key_pub, _, _ = built
    home = tmp_path / "home"
    done = run_cli("pack", "install", pack, "--key", key_pub, env_home=home)
    assert done.returncode == 0, done.stderr
    assert "pack fleet-a 3" in done.stderr
    status = json.loads(run_cli("pack", "status", "--json", env_home=home).stdout)
    assert status["pack"]["name"] == "fleet-a" and status["pack"]["manuals"][0]["name"] == "fk200-gpu-maintenance.pdf"
    doctor = json.loads(run_cli("doctor", "--json", env_home=home).stdout)
    (check,) = [c for c in doctor["checks"] if c["name"] == "pack"]
    assert check["ok"], check
    figure = next((home / "library" / "figures").rglob("*.png"))
    figure.write_bytes(figure.read_bytes() + b"x")
    doctor = run_cli("doctor", "--json", env_home=home)
    (check,) = [c for c in json.loads(doctor.stdout)["checks"] if c["name"] == "pack"]
    assert doctor.returncode == 1 and not check["ok"] and "changed since install" in check["detail"]
    refused = run_cli("pack", "install", pack, "--key", SAMPLE_PDF, env_home=home)
    assert refused.returncode == PackError.exit_code and refused.stderr.startswith("error: ")
    assert len(refused.stderr.strip().splitlines()) == 1
    assert issubclass(PackError, FieldkitError)
