"""fieldkit: an offline assistant for repair manuals.

The core (ingest, store, retrieve, answer, models, paths) is a library; the CLI
and later the TUI and kiosk are thin shells over :func:`fieldkit.answering.engine.answer`.
"""

__version__ = "0.1.0"
