"""Documents are keyed by their path relative to where they were ingested from, never by bare file name;
each owns its figure folder, so replacing or removing one never touches another's."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from conftest import run_cli

from fieldkit.errors import UsageError


def _manual(folder: Path, torque: str, picture=(255, 0, 0)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (240, 160), picture).save(folder / "pump.png")
    path = folder / "manual.md"
    path.write_text(f"# PUMP MANUAL\n\n## 3-1. Pump mounting\n\nTorque the pump mounting bolts to {torque}.\n\n"
                    "![Figure 3-1. Pump mounting bolts](pump.png)\n", encoding="utf-8")
    return path


def _figure_files(library, doc) -> list[Path]:
    rows = library.db.execute("SELECT image_path FROM figures WHERE doc_id = ?", [doc.id]).fetchall()
    return [library.root / r[0] for r in rows]


def test_two_manuals_of_one_name_in_a_folder_are_two_documents(tmp_path, library, embedder):
    from fieldkit.answering.retrieve import Retriever
    from fieldkit.ingest.pipeline import ingest_paths

    _manual(tmp_path / "fleet" / "a", "40 N·m")
    _manual(tmp_path / "fleet" / "b", "55 N·m", picture=(0, 0, 255))
    results = list(ingest_paths(library, embedder, [tmp_path / "fleet"]))
    assert [(r.name, r.status) for r in results] == [("a/manual.md", "added"), ("b/manual.md", "added")]
    assert [d.name for d in library.documents()] == ["a/manual.md", "b/manual.md"]
    a, b = library.documents()
    assert a.figures_dir != b.figures_dir and all(p.is_file() for p in _figure_files(library, a) + _figure_files(library, b))

    hits = Retriever(library, embedder).search("pump mounting bolt torque", k=5, doc="manual.md").passages
    assert {p.doc for p in hits} == {"a/manual.md", "b/manual.md"}  # the bare file name means both
    only_b = Retriever(library, embedder).search("pump mounting bolt torque", k=5, doc="b/manual.md").passages
    assert only_b and {p.doc for p in only_b} == {"b/manual.md"} and "55 N·m" in only_b[0].text

    # The same folder again: nothing changes; one manual edited: only it is replaced.
    generation = library.generation()
    assert [r.status for r in ingest_paths(library, embedder, [tmp_path / "fleet"])] == ["unchanged", "unchanged"]
    assert library.generation() == generation
    _manual(tmp_path / "fleet" / "a", "42 N·m")
    old_a_figures = library.root / a.figures_dir
    assert [r.status for r in ingest_paths(library, embedder, [tmp_path / "fleet"])] == ["replaced", "unchanged"]
    assert not old_a_figures.exists() and (library.root / b.figures_dir).is_dir()
    assert {d.name: d.sha256 for d in library.documents()}["b/manual.md"] == b.sha256


def test_files_given_one_by_one_with_one_name_do_not_replace_each_other(tmp_path, library, embedder):
    from fieldkit.ingest.pipeline import ingest_file

    first = ingest_file(library, embedder, _manual(tmp_path / "gpu" / "docs", "40 N·m"))
    second = ingest_file(library, embedder, _manual(tmp_path / "heater" / "docs", "55 N·m"))
    assert (first.name, first.status) == ("manual.md", "added")
    assert (second.name, second.status) == ("heater/docs/manual.md", "added")
    assert any("already has a manual 'manual.md'" in w and "heater/docs/manual.md" in w for w in second.warnings)
    assert sorted(d.name for d in library.documents()) == ["heater/docs/manual.md", "manual.md"]
    # Each file again finds its own document.
    assert ingest_file(library, embedder, tmp_path / "gpu" / "docs" / "manual.md").status == "unchanged"
    again = ingest_file(library, embedder, tmp_path / "heater" / "docs" / "manual.md")
    assert (again.name, again.status) == ("heater/docs/manual.md", "unchanged")
    # The first one edited in place is replaced, the other left alone.
    _manual(tmp_path / "gpu" / "docs", "45 N·m")
    edited = ingest_file(library, embedder, tmp_path / "gpu" / "docs" / "manual.md")
    assert (edited.name, edited.status) == ("manual.md", "replaced") and len(library.documents()) == 2


def test_same_content_twice_owns_two_figure_folders_and_removal_keeps_the_other(tmp_path, library, embedder):
    from fieldkit.ingest.pipeline import ingest_paths
    from fieldkit.library.integrity import check_library

    _manual(tmp_path / "lib" / "copy1", "40 N·m")
    _manual(tmp_path / "lib" / "copy2", "40 N·m")
    list(ingest_paths(library, embedder, [tmp_path / "lib"]))
    one, two = library.documents()
    assert one.sha256 == two.sha256 and one.figures_dir != two.figures_dir
    assert library.remove_document(one.name)
    assert not (library.root / one.figures_dir).exists()
    assert _figure_files(library, two) and all(p.is_file() for p in _figure_files(library, two))
    assert all(c.ok for c in check_library(library) if c.name == "figures")
    assert sorted(os.listdir(library.figures_root)) == [Path(two.figures_dir).name]
    (library.figures_root / "0123456789abcdef").mkdir()  # an ingest killed after writing its figures
    stray = [c for c in check_library(library) if c.name == "figure folders"]
    assert stray and "1 figure folders no manual names" in stray[0].detail and "0123456789abcdef" in stray[0].detail


def test_catalog_from_before_per_document_figure_folders_is_upgraded(tmp_path, library, embedder):
    """A library written by schema 5 (figures/<first 16 of sha256>) opens; its folders are recorded."""
    from fieldkit.ingest.pipeline import ingest_file
    from fieldkit.library.catalog import Library

    doc = ingest_file(library, embedder, _manual(tmp_path / "m", "40 N·m")).document
    legacy = library.figures_root / doc.sha256[:16]
    (library.root / doc.figures_dir).rename(legacy)
    library.db.execute("UPDATE figures SET image_path = replace(image_path, ?, ?), thumb_path = replace(thumb_path, ?, ?)",
                       [doc.figures_dir, f"figures/{doc.sha256[:16]}"] * 2)
    library.db.execute("ALTER TABLE documents DROP COLUMN figures_dir")
    library.db.execute("PRAGMA user_version = 5")
    library.db.conn.commit()
    library.close()
    reopened = Library.open(embedder.id, embedder.dim, root=library.root)
    try:
        (upgraded,) = reopened.documents()
        assert upgraded.figures_dir == f"figures/{doc.sha256[:16]}"
        assert reopened.remove_document(upgraded.name) and not legacy.exists()
    finally:
        reopened.close()


def test_cli_names_a_manual_by_its_key_and_refuses_an_ambiguous_name(tmp_path, fieldkit_home):
    _manual(tmp_path / "fleet" / "a", "40 N·m")
    _manual(tmp_path / "fleet" / "b", "55 N·m")
    assert run_cli("ingest", tmp_path / "fleet", env_home=fieldkit_home).returncode == 0
    ambiguous = run_cli("manuals", "remove", "manual.md", env_home=fieldkit_home)
    assert ambiguous.returncode == UsageError.exit_code and "a/manual.md, b/manual.md" in ambiguous.stderr
    assert "\n" not in ambiguous.stderr.strip()
    removed = run_cli("manuals", "remove", "a/manual.md", env_home=fieldkit_home)
    assert removed.returncode == 0 and "removed a/manual.md" in removed.stderr
    shown = run_cli("manuals", "show", "manual.md", "--json", env_home=fieldkit_home)  # one left: no ambiguity
    assert shown.returncode == 0 and '"name": "b/manual.md"' in shown.stdout
