"""The library on disk: the SQLite catalog (documents, pages, chunks, figures, callouts, the ask log),
the FAISS vectors and the manifest, and the records that cross layers; the only place with SQL."""

import sys as _sys


def _sqlite_utils_without_pandas() -> None:
    """Import sqlite-utils without pandas. sqlite-utils imports pandas whenever it is installed (to accept
    DataFrames, which fieldkit never passes it); with the cluster extra that is pandas and pyarrow,
    0.6 s of every `fieldkit search` process (python -X importtime). A module that wants pandas later
    still imports it: the block is lifted at once."""
    if "sqlite_utils" in _sys.modules or "pandas" in _sys.modules:
        return
    _sys.modules["pandas"] = None  # `import pandas` raises ImportError while this is set
    try:
        import sqlite_utils  # noqa: F401
    finally:
        del _sys.modules["pandas"]


_sqlite_utils_without_pandas()
