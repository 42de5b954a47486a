"""fieldkit: an offline assistant for repair manuals.

The core (``text``, ``models``, ``library``, ``ingest``, ``answering``) is a library; the shells in
``ui`` (the CLI, later the TUI and the kiosk) render one event stream, :func:`fieldkit.answering.engine.answer`.
"""

__version__ = "0.1.0"
