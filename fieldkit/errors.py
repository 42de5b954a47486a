"""One error family. Every message says what went wrong and what to do next."""

from __future__ import annotations


class FieldkitError(Exception):
    """Base of all errors fieldkit reports to a user. ``exit_code`` is what the CLI returns."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadInputError(FieldkitError):
    """A file given to ingest cannot be read (missing, empty, encrypted, truncated, wrong type)."""

    exit_code = 2

    def __init__(self, path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class LibraryError(FieldkitError):
    """The library folder is unusable as it is (mismatched embedder, newer schema, corrupt)."""

    exit_code = 3


class ModelError(FieldkitError):
    """A model file or runtime is missing or cannot be loaded."""

    exit_code = 4


class UsageError(FieldkitError):
    """A request that cannot be served as asked (bad question file, unknown document)."""

    exit_code = 5
