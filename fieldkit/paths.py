"""Every path fieldkit reads or writes comes from here.

``FIELDKIT_HOME`` overrides the platform's user data folder, so tests and kiosks
can point the whole program at one folder.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import platformdirs

ENV_HOME = "FIELDKIT_HOME"


def home() -> Path:
    override = os.environ.get(ENV_HOME)
    if override:
        return Path(override).expanduser().resolve()
    return Path(platformdirs.user_data_dir("fieldkit", appauthor=False))


def library_dir() -> Path:
    return home() / "library"


def catalog_path() -> Path:
    return library_dir() / "catalog.db"


def vectors_path() -> Path:
    return library_dir() / "vectors.faiss"


def manifest_path() -> Path:
    return library_dir() / "manifest.json"


def figures_dir() -> Path:
    return library_dir() / "figures"


def sessions_dir() -> Path:
    return home() / "sessions"


def checklists_dir() -> Path:
    """The checklist in progress (``current.json``) and exported ones."""
    return home() / "checklists"


def kiosk_config_path() -> Path:
    """The kiosk's settings: the exit PIN's salted scrypt hash, idle minutes, where its log goes."""
    override = os.environ.get("FIELDKIT_KIOSK_CONFIG")
    return Path(override) if override else home() / "kiosk.json"


def user_models_dir() -> Path:
    """Where a user drops extra GGUF files (besides ``models/`` of a checkout)."""
    return home() / "models"


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


def sample_manuals_dir() -> Path:
    return project_root() / "manuals"


def lang_dir() -> Path:
    """Translation: ``packs/`` (one folder per installed pack, ``en_es``) and ``staging/`` (a pack being
    unpacked)."""
    return home() / "lang"


@contextmanager
def third_party_folders(**extra: Path):
    """While this lasts, libraries that create folders under the user's home when imported
    (onnxruntime's telemetry device id in ~/.cache, argostranslate's data, config and cache) create
    them inside FIELDKIT_HOME: nothing fieldkit runs writes outside it."""
    base = home() / "third-party"
    env = {"XDG_DATA_HOME": base / "data", "XDG_CONFIG_HOME": base / "config", "XDG_CACHE_HOME": base / "cache", **extra}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update({k: str(v) for k, v in env.items()})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
