"""The in-process language model (llama-cpp-python). It only phrases; the manual decides."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

from fieldkit.errors import ModelError
from fieldkit.models.weights import resolve_llm

DEFAULT_CTX = 2048


class LocalLLM:
    def __init__(self, model: str | Path | None = None, n_ctx: int = DEFAULT_CTX, n_threads: int | None = None):
        path = resolve_llm(str(model) if model else None)
        try:
            from llama_cpp import Llama
        except ImportError as exc:  # pragma: no cover - install problem
            raise ModelError("llama-cpp-python is not installed; run `make install`") from exc
        try:
            self.llama = Llama(
                model_path=str(path), n_ctx=n_ctx, n_threads=n_threads or min(4, os.cpu_count() or 1),
                n_batch=512, verbose=False,
            )
        except Exception as exc:
            raise ModelError(f"{path}: cannot load the model ({exc}); give a valid GGUF file") from exc
        if not self.llama.metadata.get("tokenizer.chat_template"):
            raise ModelError(
                f"{path}: this GGUF has no chat template (a base model?); fieldkit needs an "
                "instruction-tuned chat model, e.g. the bundled SmolLM2-135M-Instruct"
            )
        self.path = path
        self.name = path.name
        self.n_ctx = n_ctx
        self._lock = threading.Lock()

    def close(self) -> None:
        """Free the model now (rather than in interpreter shutdown, where llama.cpp's bindings may
        already be gone)."""
        self.llama.close()

    def count_tokens(self, text: str) -> int:
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def stream_chat(self, messages: list[dict], max_tokens: int = 128, stop: list[str] | None = None) -> Iterator[str]:
        """Yield text pieces of the reply. Greedy decoding: the same question gives the same words."""
        with self._lock:
            stream = self.llama.create_chat_completion(
                messages=messages, max_tokens=max_tokens, temperature=0.0, top_k=1, repeat_penalty=1.1,
                stream=True, stop=stop,
            )
            try:
                for chunk in stream:
                    piece = chunk["choices"][0]["delta"].get("content")
                    if piece:
                        yield piece
            except ValueError as exc:  # llama-cpp-python: "Requested tokens (N) exceed context window of M"
                raise ModelError(f"the question and passages do not fit the model's context ({exc}); "
                                 "ask a shorter question") from exc
