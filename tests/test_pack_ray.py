"""`fieldkit pack build --ray local`: the read-OCR-embed stage on Ray Data actors builds the same pack as
the local build (same manuals, chunks, vectors within 1e-5, figures byte for byte, manifest), a manual
that cannot be read fails it with the local build's message, and a missing Ray or a wrong address is a
one-line error. Needs the cluster extra (`pip install -e '.[cluster]'`): without Ray these fail."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, run_cli
from pdfs import scanned_pdf

from fieldkit.library.packs import PackError, generate_key, verify_pack

SCAN_LINES = ["SERVICE BULLETIN SB-7", "Coolant pump mounting bolts:", "torque to 42 inch-pounds.",
              "Release system pressure before removing the pump."]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The repo's sample manuals (a PDF with figures, a Markdown linking images) and a scanned page."""
    tmp = tmp_path_factory.mktemp("ray")
    manuals = tmp / "manuals"
    shutil.copytree(ROOT / "manuals", manuals)
    (manuals / "bulletins").mkdir()
    scanned_pdf(manuals / "bulletins" / "sb-7.pdf", SCAN_LINES)
    generate_key(tmp / "fleet.key")
    return tmp


@pytest.fixture(scope="module")
def ray_local():
    """One private local Ray for the module (started as `--ray local` starts it); the builds given
    `ray_address="local"` find it running and use it (a start costs 10-20 s)."""
    from fieldkit.ingest.ray_stage import start_ray

    ray, started = start_ray("local")
    assert started and ray.cluster_resources()["CPU"] >= 1
    yield ray
    ray.shutdown()


def pack_contents(pack: Path, public_key: Path, staging: Path, embedder) -> dict:
    """Everything a device gets from ``pack``, read through the library's own API after verifying it."""
    from fieldkit.library.catalog import Library

    manifest = verify_pack(pack, public_key, staging)
    library = Library.open(embedder.id, embedder.dim, root=staging / "library", read_only=True)
    try:
        docs = {d.id: d for d in library.documents()}
        chunks = list(library.db.query("SELECT * FROM chunks ORDER BY id"))
        figures = []
        for f in library.db.query("SELECT * FROM figures ORDER BY doc_id, page, label"):
            doc = docs[f["doc_id"]]
            files = [hashlib.sha256((library.root / f[k]).read_bytes()).hexdigest() for k in ("image_path", "thumb_path")]
            figures.append((doc.name, f["page"], f["label"], f["caption"], f["context"],
                            Path(f["image_path"]).relative_to(doc.figures_dir).as_posix(), *files))
        return {
            "documents": [(d.name, d.sha256, d.title, d.pages, d.chunks, d.figures, d.ocr_pages, d.revision, d.format)
                          for d in docs.values()],
            "details": [library.document_details(d.name) for d in docs.values()],
            "chunks": [(c["id"], docs[c["doc_id"]].name, c["ordinal"], c["page"], c["page_end"], c["page_label"],
                        c["section"], c["kind"], c["text"]) for c in chunks],
            "vectors": np.stack([np.frombuffer(c["embedding"], dtype=np.float32) for c in chunks]),
            "pages": list(library.db.query("SELECT doc_id, page, label, ocr, text FROM pages ORDER BY doc_id, page")),
            "callouts": list(library.db.query("SELECT doc_id, page, page_label, kind, text, section FROM callouts "
                                              "ORDER BY doc_id, page, id")),
            "figures": figures,
            "manuals": manifest["manuals"],
            "search": [c for c, _ in library.fts('"pump"', 5)],
        }
    finally:
        library.close()


def test_ray_build_equals_local_build(folder, embedder, tmp_path, ray_local):
    from fieldkit.ingest.pack_build import build_pack

    # Without --ray the three manuals are read by local worker processes (two on two cores, ingest.pool)
    local = build_pack(folder / "manuals", tmp_path / "local.fkpack", "fleet", "1", folder / "fleet.key", embedder)
    stages = []
    on_ray = build_pack(folder / "manuals", tmp_path / "ray.fkpack", "fleet", "1", folder / "fleet.key", embedder,
                        progress=lambda doc, stage, done, total: stages.append((doc, stage)), ray_address="local")
    assert ray_local.is_initialized()  # a Ray the caller started is left running
    # Only "prepared" as each actor's result arrived: no extract/ocr/embed stage ran in this process.
    assert sorted(stages) == [(m["name"], "prepared") for m in on_ray.manuals]
    assert [m["name"] for m in local.manuals] == [m["name"] for m in on_ray.manuals] == [
        "bulletins/sb-7.pdf", "fk200-gpu-maintenance.md", "fk200-gpu-maintenance.pdf"]

    a = pack_contents(tmp_path / "local.fkpack", folder / "fleet.key.pub", tmp_path / "a", embedder)
    b = pack_contents(tmp_path / "ray.fkpack", folder / "fleet.key.pub", tmp_path / "b", embedder)
    assert a.pop("manuals") == b.pop("manuals")
    assert a["documents"] == b["documents"]
    scanned = next(d for d in a["documents"] if d[0] == "bulletins/sb-7.pdf")
    assert scanned[6] == 1  # its page went through OCR (in an actor, on the Ray side)
    assert any("42 inch" in c[-1] for c in b["chunks"] if c[1] == "bulletins/sb-7.pdf")
    assert a["chunks"] == b["chunks"]
    assert a["vectors"].shape == b["vectors"].shape == (len(a["chunks"]), embedder.dim)
    assert np.abs(a.pop("vectors") - b.pop("vectors")).max() <= 1e-5
    assert a["figures"] and a["figures"] == b["figures"]  # captions and the files' bytes
    assert a == b


def test_a_manual_that_cannot_be_read_fails_the_ray_build_as_the_local_one(embedder, tmp_path, ray_local):
    from fieldkit.ingest.pack_build import build_pack

    manuals = tmp_path / "manuals"
    manuals.mkdir()
    shutil.copy(ROOT / "manuals" / "fk200-gpu-maintenance.md", manuals)
    (manuals / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer garbage")
    (manuals / "empty.md").write_bytes(b"")
    generate_key(tmp_path / "fleet.key")
    messages = []
    for name, address in (("local", None), ("ray", "local")):
        with pytest.raises(PackError) as err:
            build_pack(manuals, tmp_path / f"{name}.fkpack", "fleet", "1", tmp_path / "fleet.key", embedder,
                       ray_address=address)
        assert not (tmp_path / f"{name}.fkpack").exists()
        messages.append(err.value.message)
    assert messages[0] == messages[1]
    assert messages[0].startswith(f"2 of 3 manuals could not be read, first {manuals / 'broken.pdf'}: ")
    assert "a pack is built whole" in messages[0]


def test_wrong_address_and_missing_ray_are_one_line_errors(folder, tmp_path):
    args = ["pack", "build", folder / "manuals", "-o", tmp_path / "x.fkpack", "--key", folder / "fleet.key"]
    wrong = run_cli(*args, "--ray", "127.0.0.1:1", env_home=tmp_path / "home", timeout=120)
    assert wrong.returncode == 5, wrong.stderr
    assert wrong.stderr.strip().startswith("error: --ray 127.0.0.1:1: no Ray head answers there")
    assert "\n" not in wrong.stderr.strip()
    nonsense = run_cli(*args, "--ray", "not an address", env_home=tmp_path / "home", timeout=120)
    assert nonsense.returncode == 5 and nonsense.stderr.strip().startswith("error: --ray not an address: not an address")
    # Ray not installed: the import fails as it would in a venv without the cluster extra.
    code = "import sys; sys.modules['ray'] = None; from fieldkit.ui.cli import main; sys.argv[0] = 'fieldkit'; main()"
    missing = subprocess.run([sys.executable, "-c", code, *map(str, args), "--ray", "local"], check=False,
                             capture_output=True,
                             text=True, timeout=120, cwd=ROOT, env={**os.environ, "FIELDKIT_HOME": str(tmp_path / "home")})
    assert missing.returncode == 5, missing.stderr
    assert "pip install 'fieldkit[cluster]'" in missing.stderr and "\n" not in missing.stderr.strip()
    assert not (tmp_path / "x.fkpack").exists()
    # Without --ray nothing imports Ray (its import starts nothing, but it is 2-3 s and 500 MB of code).
    core = "import sys, fieldkit.ingest.pack_build, fieldkit.ui.cli, fieldkit.ui.cli_pack; print('ray' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", core], check=True, capture_output=True, text=True,
                          cwd=ROOT).stdout.strip() == "False"
