"""The models that run in-process: where their weights come from (registry packages or paths), the
sentence embedder (MiniLM on onnxruntime), the chat model (llama.cpp) and OCR (PP-OCR on onnxruntime)."""
