"""Fuzzing, bounded for CI (Hypothesis, derandomized so a failure reproduces): any question text goes
through search (FTS5 query building, identifier lookups, the vector search) without an error; any
Markdown, HTML or S1000D text and any mutation of a real PDF either ingests or is refused with a
BadInputError naming the file, and a refused file leaves the library as it was."""

from __future__ import annotations

import random

import pytest
from conftest import SAMPLE_PDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldkit.errors import BadInputError

FUZZ = settings(max_examples=80, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# What a query builder must survive: FTS5 syntax, quotes, identifiers, units, scripts, controls.
SHARDS = ['"', "'", "*", "^", "(", ")", ":", "-", "+", "NEAR", "AND", "OR", "NOT", "NEAR(a b, 2)", "{a b}",
          "col:", "P/N", "MS20995C32", "FK-DP-20", "35 N·m", "½", "-40 °F", "扭矩", "Ölablass", "\x00", "\u200b",
          "\\", "%", "_", "[", "]", "chunks_fts", "rank", "bm25(", ";--", "\n", "   "]
questions = st.lists(st.one_of(st.sampled_from(SHARDS), st.text(max_size=12)), max_size=12).map("".join)


@FUZZ
@given(question=questions)
def test_any_question_text_searches_without_error(sample_library, embedder, question):
    from fieldkit.answering.engine import Engine

    engine = Engine(library=sample_library, embedder=embedder)
    result = engine.search(question)
    assert all(p.doc.startswith("fk200") for p in result.passages)


def _library_files(root):
    """Every file of the library but SQLite's shared-memory index of its WAL (not data; readers write it)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.endswith("-shm")}


def _ingest_or_refuse(library, embedder, path):
    """Ingest ``path``: it is added, or refused with a BadInputError naming it and nothing changed."""
    from fieldkit.ingest.pipeline import ingest_file

    before = _library_files(library.root)
    try:
        result = ingest_file(library, embedder, path)
    except BadInputError as err:
        assert str(path) in err.message or path.name in err.message
        assert _library_files(library.root) == before
        return None
    library.remove_document(result.name)
    return result


MARKUP = st.lists(st.one_of(
    st.sampled_from(["# ", "## ", "\n", "\n\n", "| a | b |\n|---|---|\n| 1 | 2 |\n", "1. ", "- ", "> ", "```",
                     "WARNING: ", "CAUTION: ", "NOTE: ", "![fig](x.png)", "![](../../etc/passwd)", "<img src='//h/x.png'>",
                     "<table><tr><td>", "</td></tr></table>", "<h1>", "</h1>", "<p>", "<script>", "&amp;", "&#0;",
                     "<?xml version='1.0'?>", "<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>", "&e;",
                     "<dmodule>", "</dmodule>", "<para>", "</para>", "<warning>", "<proceduralStep>", "\udcff"]),
    st.text(max_size=20)), max_size=25).map("".join)


@FUZZ
@given(text=MARKUP, suffix=st.sampled_from([".md", ".html", ".xml"]))
def test_any_markup_ingests_or_is_refused_by_name(library, embedder, tmp_path, text, suffix):
    path = tmp_path / f"fuzzed{suffix}"
    path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    result = _ingest_or_refuse(library, embedder, path)
    if result is not None:
        assert result.document.pages >= 1


def _mutations(data: bytes, count: int, seed: int = 7):
    rng = random.Random(seed)
    for i in range(count):
        kind = i % 3
        if kind == 0:  # truncated
            yield data[: rng.randrange(len(data))]
        elif kind == 1:  # bytes flipped
            mutated = bytearray(data)
            for _ in range(rng.randint(1, 40)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            yield bytes(mutated)
        else:  # a block overwritten with another part of the file
            a, b = sorted(rng.sample(range(len(data)), 2))
            start = rng.randrange(len(data) - (b - a))
            yield data[:start] + data[a:b] + data[start + (b - a):]


def test_mutated_pdfs_ingest_or_are_refused_by_name(library, embedder, tmp_path):
    outcomes = {"added": 0, "refused": 0}
    for n, data in enumerate(_mutations(SAMPLE_PDF.read_bytes(), 24)):
        path = tmp_path / f"mutated-{n}.pdf"
        path.write_bytes(data)
        outcomes["refused" if _ingest_or_refuse(library, embedder, path) is None else "added"] += 1
    assert sum(outcomes.values()) == 24
    assert outcomes["refused"] >= 1  # the corpus does reach the refusal path
