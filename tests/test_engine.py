"""The engine as a screen needs it (real model, real library): answers on a worker thread, cancel
within one token, every answer recorded however its stream ends, quotes before the first generated
word, model loading and failure as events, and a read-only library that is never written."""

import shutil
import sqlite3
import threading

import pytest

from fieldkit.answering.events import (Citations, Done, Failed, ModelLoading, ModelReady, Removed, Retrieved, Token,
                                       WarningFound)

QUESTION = "What torque for the oil drain plug?"


def _run(engine, question=QUESTION, **kw):
    events = list(engine.answer(question, **kw))
    assert isinstance(events[-1], Done)
    return events, events[-1].answer


def test_an_engine_made_on_one_thread_answers_in_others(engine):
    results, errors = {}, []

    def work(name, question):
        try:
            results[name] = _run(engine, question)[1]
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n, q)) for n, q in
               (("plug", QUESTION), ("lug", "What torque for the wheel lug nut?"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert "35 N·m (26 lb-ft)" in " ".join(q.text for q in results["plug"].quotes)
    assert "110 N·m (81 lb-ft)" in " ".join(q.text for q in results["lug"].quotes)


def test_each_thread_has_its_own_catalog_connection(sample_library):
    seen = []
    thread = threading.Thread(target=lambda: seen.append(sample_library.db))
    thread.start()
    thread.join()
    assert seen[0] is not sample_library.db
    assert seen[0].execute("SELECT count(*) FROM chunks").fetchone()[0] > 0


def test_quotes_and_callouts_arrive_before_the_first_generated_word(engine):
    events, answer = _run(engine, "How long must the engine cool before I remove the oil drain plug?")
    kinds = [type(e) for e in events]
    model_words = [i for i, k in enumerate(kinds) if k in (Token, Removed)]
    assert model_words, "the model wrote nothing: the order cannot be checked"
    assert kinds[0] is Retrieved
    assert kinds.index(WarningFound) < kinds.index(Citations) < model_words[0]
    assert answer.status == "answered" and answer.quotes


def test_cancel_stops_generation_within_one_token_and_is_recorded(engine, llm, monkeypatch):
    from fieldkit.answering import audit

    cancel, first_piece = threading.Event(), threading.Event()
    after_cancel = []
    real = llm.stream_chat

    def observed(messages, **kw):
        for piece in real(messages, **kw):
            if cancel.is_set():
                after_cancel.append(piece)
            first_piece.set()
            yield piece

    monkeypatch.setattr(llm, "stream_chat", observed)
    canceller = threading.Thread(target=lambda: first_piece.wait(60) and cancel.set())
    canceller.start()
    events, answer = _run(engine, "List five torque values with their tolerances for the FK-200.", cancel=cancel)
    canceller.join()
    assert first_piece.is_set() and cancel.is_set()
    assert len(after_cancel) <= 1, after_cancel
    assert answer.status == "cancelled" and answer.quotes  # the manual's words are still the answer
    last = audit.entries(engine.library)[-1]
    assert last["question"] == answer.question and last["status"] == "cancelled"
    # The model is free again at once.
    monkeypatch.setattr(llm, "stream_chat", real)
    assert _run(engine)[1].status == "answered"


def test_a_stream_dropped_before_its_end_is_recorded(engine):
    from fieldkit.answering import audit

    before = len(audit.entries(engine.library))
    stream = engine.answer("What torque for the wheel lug nut?")
    for event in stream:
        if isinstance(event, Citations):
            break
    stream.close()
    rows = audit.entries(engine.library)
    assert len(rows) == before + 1
    assert rows[-1]["status"] == "abandoned" and rows[-1]["quotes"]


def test_model_loading_is_announced_once(sample_library, embedder):
    from fieldkit.answering.engine import Engine

    engine = Engine(library=sample_library, embedder=embedder)
    events, answer = _run(engine)
    kinds = [type(e) for e in events]
    assert kinds.index(Citations) < kinds.index(ModelLoading) < kinds.index(ModelReady)
    ready = next(e for e in events if isinstance(e, ModelReady))
    assert ready.name == answer.model == "SmolLM2-135M-Instruct.Q4_1.gguf" and ready.seconds > 0
    assert ModelLoading not in [type(e) for e in _run(engine)[0]]
    engine.llm.close()


def test_a_model_that_cannot_load_leaves_a_retrieval_only_answer(sample_library, embedder, tmp_path):
    from fieldkit.answering.engine import Engine

    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF not really")
    events, answer = _run(Engine(library=sample_library, embedder=embedder, model=str(broken)))
    (failed,) = [e for e in events if isinstance(e, Failed)]
    assert "broken.gguf" in failed.message
    assert not answer.refused and answer.generated == "" and answer.error == failed.message
    assert "35 N·m (26 lb-ft)" in " ".join(q.text for q in answer.quotes)


@pytest.fixture
def read_only_root(sample_home, tmp_path):
    """A copy of the sample library without its FAISS cache, write permission removed."""
    root = tmp_path / "ro-library"
    shutil.copytree(sample_home, root)
    for cache in root.glob("vectors-*.faiss"):
        cache.unlink()
    paths = [root, *root.rglob("*")]
    modes = {p: p.stat().st_mode for p in paths}
    for p in sorted(paths, reverse=True):
        p.chmod(p.stat().st_mode & ~0o222)
    yield root
    for p, mode in modes.items():
        p.chmod(mode)


def _snapshot(root):
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


def test_a_read_only_library_answers_without_writing(read_only_root, embedder, llm):
    from fieldkit.answering.engine import Engine
    from fieldkit.library.catalog import Library

    before = _snapshot(read_only_root)
    library = Library.open(embedder.id, embedder.dim, root=read_only_root, read_only=True)
    engine = Engine(library=library, embedder=embedder, llm=llm)
    _, answer = _run(engine)
    assert not answer.refused and "35 N·m (26 lb-ft)" in " ".join(q.text for q in answer.quotes)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        library.db.execute("DELETE FROM asks")  # the connection cannot write at all (even as root)
    library.close()
    assert _snapshot(read_only_root) == before  # no cache, no log, no manifest written
