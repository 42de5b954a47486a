"""Nothing opens a network socket during ingest, search and ask."""

import socket

import pytest
from conftest import SAMPLE_MD, SAMPLE_PDF, NetworkUsed


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
