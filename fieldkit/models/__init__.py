"""The models that run in-process: where their weights come from (registry packages or paths), the
sentence embedder (MiniLM on onnxruntime) and the chat model (llama.cpp)."""
