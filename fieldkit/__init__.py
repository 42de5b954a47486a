"""fieldkit: an offline assistant for repair manuals.

The core (``text``, ``models``, ``library``, ``ingest``, ``answering``) is a library; the shells in
``ui`` (the CLI, later the TUI and the kiosk) render one event stream, :func:`fieldkit.answering.engine.answer`.
"""

import os

__version__ = "0.1.0"

# onnxruntime >= 1.29 on Linux uploads telemetry (and keeps a device id) unless this is set before it
# initializes: a DNS lookup for mobile.events.data.microsoft.com from a native thread, seen by
# tests/test_network.py. Nothing fieldkit runs may reach for the network, so it is forced, not defaulted.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"
