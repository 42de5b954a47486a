"""Hostile and damaged inputs through the real CLI (`python -m fieldkit ingest` in a subprocess).

Each case is built here in a tmp dir (fpdf2 PDFs, Pillow images, FIFOs, sockets, device symlinks,
sparse files) and checked for: finishing within ``TIMEOUT`` (the hang detector), no traceback, the
expected exit code, one error line naming each rejected file, warnings naming each skipped page,
figure or image reference, the library byte-identical after rejected files, and nothing written
outside FIELDKIT_HOME and the test's tmp dir (the user's home, the working folder and the manuals'
folders and TMPDIR stay as they were).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import socket
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from conftest import ROOT
from pdfs import FONT, text_pdf

TIMEOUT = 60  # seconds; a hang (a FIFO or /dev/zero read) fails the test instead of stalling it


class Sandbox:
    """FIELDKIT_HOME plus a user home, TMPDIR and working folder that must stay empty."""

    def __init__(self, tmp_path: Path):
        self.root = tmp_path
        self.home = tmp_path / "fkhome"
        self.outside = [tmp_path / "userhome", tmp_path / "cwd"]
        self.tmpdir = tmp_path / "tmpdir"
        for folder in (*self.outside, self.tmpdir):
            folder.mkdir()
        self.corpus = tmp_path / "corpus"
        self.corpus.mkdir()

    def run(self, *args, expect: int) -> subprocess.CompletedProcess:
        env = dict(os.environ, FIELDKIT_HOME=str(self.home), HOME=str(self.outside[0]), TMPDIR=str(self.tmpdir),
                   PYTHONPATH=str(ROOT))
        before = listing(self.corpus)
        r = subprocess.run([sys.executable, "-m", "fieldkit", "ingest", *map(str, args)], capture_output=True,
                           text=True, errors="replace", env=env, timeout=TIMEOUT, cwd=self.outside[1])
        assert "Traceback" not in r.stderr, r.stderr
        assert r.returncode == expect, r.stdout + r.stderr
        assert listing(self.corpus) == before, "ingest wrote into the manuals' folder"
        for folder in self.outside:
            assert listing(folder) == {}, f"ingest wrote outside FIELDKIT_HOME: {listing(folder)}"
        # TMPDIR too: onnxruntime's telemetry wrote its session id (".ses") there until fieldkit turned it off
        assert listing(self.tmpdir) == {}, listing(self.tmpdir)
        return r

    def library(self) -> dict[str, str]:
        return listing(self.home / "library")


def listing(folder: Path) -> dict[str, str]:
    """Every regular file under ``folder`` with its sha256 (special files by kind, links by target)."""
    out = {}
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(dirpath, name)
            rel = str(path.relative_to(folder))
            if path.is_symlink():
                out[rel] = "link:" + os.readlink(path)
            elif path.is_file() and path.stat().st_size > 64 * 1024**2:  # the sparse 3 GB file
                out[rel] = f"{path.stat().st_size}:{path.stat().st_mtime_ns}"
            elif path.is_file():
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                out[rel] = "special"
    return out


def errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


def warnings_of(stdout: str) -> dict[str, list[str]]:
    return {r["doc"]: r["warnings"] for r in map(json.loads, stdout.splitlines()) if r["status"] != "error"}


def png_claiming(path: Path, width: int, height: int) -> Path:
    """A tiny real PNG whose header claims ``width`` x ``height`` (a decompression bomb's signature)."""
    from PIL import Image

    Image.new("L", (1, 1), 255).save(path)
    data = bytearray(path.read_bytes())
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = ihdr[4:12]
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    path.write_bytes(bytes(data))
    return path


def broken_page_pdf(path: Path, pages: int, broken: set[int]) -> Path:
    """A PDF whose pages in ``broken`` (1-based) are damaged objects pdfium cannot load (their /Type is
    garbled, same length, so the rest of the file stays intact)."""
    text_pdf(path, [[f"SECTION {n}", f"Inspect valve {n} for leaks before flight."] for n in range(1, pages + 1)])
    data = path.read_bytes()
    starts = [i for i in range(len(data)) if data.startswith(b"/Type /Page\n", i)]
    for n in broken:
        at = starts[n - 1]
        data = data[:at] + b"/Type /Xxxx\n" + data[at + 12:]
    path.write_bytes(data)
    return path


def figure_trouble_pdf(path: Path) -> Path:
    """Page 1: a figure whose image claims 60000 x 60000 pixels; page 2: a banner-shaped image drawn off
    the page (its crop was once computed outside the page: "Crop exceeds page dimensions")."""
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", fname=FONT)
    pdf.set_font("DejaVu", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "PUMP REMOVAL\nRemove the four bolts from the pump flange.")
    pdf.image(Image.new("L", (100, 100), 255), x=20, y=60, w=120, h=120)
    pdf.set_y(190)
    pdf.multi_cell(0, 6, "Figure 1. Pump flange bolts")
    pdf.add_page()
    pdf.multi_cell(0, 6, "HOSE CHECK\nCheck the hose clamps for cracks before each flight.")
    pdf.image(Image.new("L", (120, 30), 200), x=230, y=40, w=40, h=10)
    pdf.set_y(100)
    pdf.multi_cell(0, 6, "Figure 2. Hose clamp")
    pdf.output(str(path))
    data = path.read_bytes().replace(b"/Width 100", b"/Width 60000").replace(b"/Height 100", b"/Height 60000")
    path.write_bytes(data)
    return path


@pytest.fixture
def box(tmp_path):
    return Sandbox(tmp_path)


def _special_files(folder: Path) -> dict[str, str]:
    """Rejected files: name -> what the one error line must say."""
    good = text_pdf(folder / "good-source.pdf", [["GOOD MANUAL", "Torque the pump bolts to 40 inch-pounds."]])
    data = good.read_bytes()
    os.mkfifo(folder / "fifo.pdf")
    (folder / "zero.pdf").symlink_to("/dev/zero")
    (folder / "fifo-link.md").symlink_to(folder / "fifo.pdf")
    (folder / "dangling.pdf").symlink_to(folder / "nowhere.pdf")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(folder / "socket.html"))
    sock.close()
    with (folder / "huge.pdf").open("wb") as fh:
        fh.truncate(3 * 1024**3)  # sparse: 3 GB on paper, nothing on disk
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 2])
    (folder / "random.pdf").write_bytes(random.Random(1).randbytes(50_000))
    (folder / "garbage-pdf.pdf").write_bytes(b"%PDF-1.4\n" + random.Random(2).randbytes(20_000) + b"\n%%EOF\n")
    text_pdf(folder / "encrypted.pdf", [["SECRET MANUAL", "text"]], encrypt_password="pw")
    broken_page_pdf(folder / "all-pages-broken.pdf", 1, {1})
    (folder / "[red]odd name é 手册.pdf").write_bytes(random.Random(3).randbytes(5_000))
    good.unlink()
    return {
        "fifo.pdf": "FIFO", "zero.pdf": "character device", "fifo-link.md": "FIFO", "dangling.pdf": "not found",
        "socket.html": "socket", "huge.pdf": "over the 2 GB limit", "truncated.pdf": "truncated",
        "random.pdf": "not a PDF", "garbage-pdf.pdf": "cannot be read", "encrypted.pdf": "encrypted",
        "all-pages-broken.pdf": "no page can be read", "[red]odd name é 手册.pdf": "not a PDF",
    }


def test_special_and_damaged_files_are_refused_in_one_line_and_leave_the_library_as_it_was(box):
    box.run(text_pdf(box.root / "base.pdf", [["BASE MANUAL", "Drain the sump before removing the filter."]]), expect=0)
    before = box.library()
    assert any(name.endswith("catalog.db") for name in before)
    expected = _special_files(box.corpus)
    r = box.run(*(box.corpus / name for name in expected), expect=2)
    lines = errors(r.stderr)
    assert len(lines) == len(expected), r.stderr
    for line, (name, reason) in zip(lines, expected.items()):
        assert line.startswith(f"error: {box.corpus / name}: "), line
        assert reason in line, line
    assert f"{len(expected)} of {len(expected)} files could not be read" in r.stderr
    assert box.library() == before
    for name in ("fifo.pdf", "zero.pdf"):  # the two that used to hang: alone, exactly one line
        r = box.run(box.corpus / name, expect=2)
        assert r.stderr.strip().count("\n") == 0 and str(box.corpus / name) in r.stderr, r.stderr
        assert box.library() == before


def test_folder_ingest_goes_on_past_every_failure_and_sums_up(box):
    folder = box.corpus
    text_pdf(folder / "a-good.pdf", [["PUMP MANUAL", "Torque the pump bolts to 40 inch-pounds."]])
    (folder / "sub").mkdir()
    text_pdf(folder / "sub" / "z-nested.pdf", [["HOSE MANUAL", "Replace hoses with cracks deeper than 1 mm."]])
    (folder / "notes.md").write_text("# Notes\n\nCheck the oil level every 50 hours.\n", encoding="utf-8")
    (folder / "readme.txt").write_text("not a manual type: ignored by the folder walk")
    os.mkfifo(folder / "pipe.pdf")
    (folder / "zero.md").symlink_to("/dev/zero")
    (folder / "loop.md").symlink_to(folder)  # a symlinked folder with a manual's suffix
    good = (folder / "a-good.pdf").read_bytes()
    (folder / "truncated.pdf").write_bytes(good[: len(good) // 3])
    flipped = bytearray(good)
    rng = random.Random(7)
    for at in rng.sample(range(200, len(flipped) - 200), 40):
        flipped[at] ^= 1 << rng.randrange(8)
    (folder / "bitflipped.pdf").write_bytes(bytes(flipped))
    with open(os.fsencode(folder) + b"/latin1-name-\xe9.md", "wb") as fh:  # a name that is not UTF-8
        fh.write(b"# Pump\n\nTorque the pump bolts to 40 inch-pounds.\n")
    (folder / "steps.html").write_text("<h1>FILTER</h1><ol start='abc'><li>Drain the bowl.</li></ol>")
    r = box.run(folder, "--json", expect=2)
    results = {Path(o.get("path") or o["doc"]).name: o for o in map(json.loads, r.stdout.splitlines())}
    assert sorted(results) == sorted(["a-good.pdf", "bitflipped.pdf", "latin1-name-\ufffd.md", "loop.md", "notes.md",
                                      "pipe.pdf", "steps.html", "truncated.pdf", "z-nested.pdf", "zero.md"])
    for name in ("a-good.pdf", "notes.md", "steps.html", "z-nested.pdf"):
        assert results[name]["status"] == "added", results[name]
    failed = [n for n, o in results.items() if o["status"] == "error"]
    assert {"pipe.pdf", "zero.md", "loop.md", "truncated.pdf", "latin1-name-\ufffd.md"} <= set(failed)
    assert results["loop.md"]["error"].startswith("is a folder")
    assert results["latin1-name-\ufffd.md"]["error"].startswith("file name is not valid UTF-8")
    for name in failed:
        stem = name.split("\ufffd")[0]
        assert sum(line.startswith(f"error: {folder}") and stem in line for line in errors(r.stderr)) == 1, name
    assert f"{len(failed)} of 10 files could not be read" in r.stderr
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == len(failed) + 1 + sum(len(o.get("warnings", ())) for o in results.values()), r.stderr


def test_pdf_pages_and_figures_that_cannot_be_read_are_skipped_with_a_warning(box):
    damaged = broken_page_pdf(box.corpus / "damaged.pdf", 3, {2})
    figures = figure_trouble_pdf(box.corpus / "figures.pdf")
    r = box.run(damaged, figures, "--json", expect=0)
    out = {o["doc"]: o for o in map(json.loads, r.stdout.splitlines())}
    assert out["damaged.pdf"]["status"] == "added" and out["damaged.pdf"]["pages"] == 2
    assert out["damaged.pdf"]["warnings"] == ["page 2 skipped: cannot be read (Failed to load page.)"]
    assert out["figures.pdf"]["status"] == "added" and out["figures.pdf"]["pages"] == 2
    assert out["figures.pdf"]["figures"] == 1  # page 2's figure; page 1's would decode 3600 megapixels
    [warning] = out["figures.pdf"]["warnings"]
    assert warning.startswith("page 1: figure skipped") and "megapixel" in warning
    assert "warning: damaged.pdf: page 2 skipped" in r.stderr
    assert "warning: figures.pdf: page 1: figure skipped" in r.stderr


def _image_corpus(folder: Path, outside: Path) -> dict[str, str]:
    """A manual folder with good images (percent-encoded names) and every kind of bad reference;
    returns bad reference -> what its warning says."""
    from PIL import Image

    outside.mkdir()
    Image.new("RGB", (77, 33), (255, 0, 0)).save(outside / "secret.png")
    Image.new("RGB", (40, 30), (0, 128, 0)).save(folder / "good pic é.png")
    (folder / "sub").mkdir()
    Image.new("RGB", (50, 20), (0, 0, 255)).save(folder / "sub" / "fig 2.png")
    (folder / "notes.png").write_text("this is text, not a picture\n")
    png_claiming(folder / "bomb.png", 100_000, 100_000)  # Pillow: DecompressionBombError
    png_claiming(folder / "big.png", 10_000, 10_000)  # over Pillow's limit, under its error threshold
    (folder / "escape.png").symlink_to(outside / "secret.png")
    (folder / "zero.png").symlink_to("/dev/zero")
    os.mkfifo(folder / "pipe.png")
    with (folder / "huge-file.png").open("wb") as fh:
        fh.truncate(51 * 1024**2)  # sparse, over the 50 MB bound for a linked image
    return {
        "../outside/secret.png": "outside the manual's folder",
        "%2E%2E/outside/secret.png": "outside the manual's folder",
        str(outside / "secret.png"): "absolute path",
        "C:/Windows/x.png": "not a local file",  # (markdown-it itself drops file: links; HTML's are below)
        "http://example.com/x.png": "not a local file",
        "//example.com/x.png": "not a local file",
        "": "empty image reference",
        "notes.png": "not a readable image",
        "missing.png": "file not found",
        "bomb.png": "not a readable image",
        "big.png": "too large",
        "escape.png": "outside the manual's folder",
        "zero.png": "outside the manual's folder",
        "pipe.png": "not a regular file",
        "huge-file.png": "over 50 MB",
    }


def test_image_references_are_confined_to_the_manuals_folder(box):
    from PIL import Image

    folder = box.corpus
    bad = _image_corpus(folder, box.root / "outside")
    refs = "\n\n".join(f"![Figure {n}. Bad {n}]({src})" for n, src in enumerate(bad, start=10))
    md = folder / "manual é 手册 (copy).md"
    md.write_text("# PUMP SERVICE\n\nTorque the pump bolts to 40 inch-pounds.\n\n"
                  "![Figure 1. Pump](good%20pic%20%C3%A9.png)\n\n![Figure 2. Flange](sub/fig%202.png)\n\n"
                  f"{refs}\n", encoding="utf-8")
    html = folder / "valve.html"
    html.write_text("<html><body><h1>VALVE SERVICE</h1><p>Close the valve before removal.</p>"
                    "<figure><img src='good%20pic%20%C3%A9.png'><figcaption>Figure 1. Valve</figcaption></figure>"
                    "<img src='../outside/secret.png'><img src='file:///etc/passwd'><img src=''><img>"
                    "<img src='data:image/png;base64,iVBORw0KGgo='><img src='javascript:alert(1)'>"
                    "<img src='bomb.png'></body></html>", encoding="utf-8")
    r = box.run(md, html, "--json", expect=0)
    out = {o["doc"]: o for o in map(json.loads, r.stdout.splitlines())}
    assert out[md.name]["status"] == "added" and out[md.name]["figures"] == 2
    warned = out[md.name]["warnings"]
    assert len(warned) == len(bad), "\n".join(warned)
    for (src, reason), warning in zip(bad.items(), warned):
        assert warning.startswith(f"image {src!r} skipped: ") and reason in warning, (src, warning)
    assert out["valve.html"]["status"] == "added" and out["valve.html"]["figures"] == 1
    assert len(out["valve.html"]["warnings"]) == 7
    assert all(w.startswith("image ") and " skipped: " in w for w in out["valve.html"]["warnings"])
    sizes = sorted(Image.open(p).size for p in (box.home / "library" / "figures").rglob("*.png") if ".thumb" not in p.name)
    assert sizes == [(40, 30), (40, 30), (50, 20)], "only the images inside the manual's folder are copied"


def test_invalid_utf8_text_is_read_with_a_warning(box):
    md = box.corpus / "latin1.md"
    md.write_bytes("# BRAKE SERVICE\n\nBleed the brakes until no bubbles show. Température 20 °C.\n".encode("latin-1"))
    r = box.run(md, "--json", expect=0)
    [result] = map(json.loads, r.stdout.splitlines())
    assert result["status"] == "added" and result["chunks"] >= 1
    [warning] = result["warnings"]
    assert "not all valid UTF-8" in warning and "2 character(s)" in warning


def test_s1000d_graphics_are_confined_and_a_bad_one_is_only_a_warning(box):
    import shutil

    from PIL import Image

    data = ROOT / "tests" / "data" / "s1000d"
    module = data / "DMC-FK200-A-32-41-00-00A-520A-A.xml"
    icn = "ICN-FK200-A-324100-A-00001-A-001-01"
    Image.new("RGB", (77, 33), (255, 0, 0)).save(box.root / "secret.png")
    cases = {"escape": "outside the manual's folder", "bomb": "not a readable image", "missing": "file not found"}
    for case in cases:
        (box.corpus / case).mkdir()
        shutil.copy(module, box.corpus / case / f"{case}.xml")
    (box.corpus / "escape" / f"{icn}.png").symlink_to(box.root / "secret.png")
    png_claiming(box.corpus / "bomb" / f"{icn}.png", 100_000, 100_000)
    r = box.run(*(box.corpus / case / f"{case}.xml" for case in cases), "--json", expect=0)
    out = {o["doc"]: o for o in map(json.loads, r.stdout.splitlines())}
    for case, reason in cases.items():
        result = out[f"{case}.xml"]
        assert result["status"] == "added" and result["figures"] == 0, result
        [warning] = result["warnings"]
        assert warning.startswith(f"graphic {icn!r} skipped: ") and reason in warning, warning
    assert not list((box.home / "library" / "figures").rglob("*.png"))
