"""Reading manuals (PDF with OCR, Markdown, HTML, S1000D) into pages, structure, chunks, callouts and
figures, and writing each into the library in one transaction; ingest never queries."""

from fieldkit.ingest.pipeline import IngestResult, ingest_file, ingest_paths

__all__ = ["IngestResult", "ingest_file", "ingest_paths"]
