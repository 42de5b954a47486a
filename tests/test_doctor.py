"""`fieldkit doctor` on a good install, and on broken ones: each names the broken part (real models,
real library; the broken parts are made for real: a missing model file, another catalog's FAISS file,
a CPU's flags without AVX2)."""

import json
import platform
import shutil

import pytest
from conftest import run_cli


def _doctor(home, *args):
    out = run_cli("doctor", "--json", *args, env_home=home)
    data = json.loads(out.stdout)
    return out.returncode, {c["name"]: c for c in data["checks"]}, data["ok"]


def test_a_good_install_passes_every_check(sample_library, fieldkit_home):
    code, checks, ok = _doctor(fieldkit_home)
    assert code == 0 and ok, checks
    assert {"cpu", "chat model", "embedder", "ocr", "catalog", "vectors", "figures", "disk", "terminal graphics",
            "network"} <= set(checks)
    assert "sha256" in checks["chat model"]["detail"] and "no check opened a socket" in checks["network"]["detail"]


def test_a_missing_model_is_named(sample_library, fieldkit_home):
    code, checks, ok = _doctor(fieldkit_home, "--model", str(fieldkit_home / "models" / "gone.gguf"))
    assert code == 1 and not ok and not checks["chat model"]["ok"] and "gone.gguf" in checks["chat model"]["detail"]
    assert all(c["ok"] for name, c in checks.items() if name != "chat model")


def test_a_faiss_file_from_another_catalog_is_named(sample_library, fieldkit_home, tmp_path, embedder):
    from fieldkit.answering.engine import Engine
    from fieldkit.ingest.pipeline import ingest_paths
    from fieldkit.library.catalog import Library
    from pdfs import text_pdf

    Engine(library=sample_library, embedder=embedder).search("drain plug")  # writes this catalog's FAISS file
    other = Library.open(embedder.id, embedder.dim, root=tmp_path / "other")
    list(ingest_paths(other, embedder, [text_pdf(tmp_path / "one.pdf", [["7-1. PUMP", "Torque to 42 inch-pounds."]])]))
    other.vector_index()
    mine = sorted(sample_library.root.glob("vectors-*.faiss"))[0]
    shutil.copy(sorted(other.root.glob("vectors-*.faiss"))[0], mine)
    code, checks, _ = _doctor(fieldkit_home)
    assert code == 1 and not checks["vectors"]["ok"] and "does not index this catalog" in checks["vectors"]["detail"]
    assert checks["catalog"]["ok"] and checks["chat model"]["ok"]


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the x86-64 wheel's flags")
def test_a_cpu_without_avx2_is_named(sample_library, fieldkit_home, tmp_path):
    flags = [line for line in open("/proc/cpuinfo") if line.startswith("flags")][0]
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\n" + flags.replace(" avx2", "").replace(" fma", ""))
    code, checks, _ = _doctor(fieldkit_home, "--cpuinfo", str(cpuinfo))
    assert code == 1 and not checks["cpu"]["ok"] and "avx2, fma" in checks["cpu"]["detail"]
