"""Frozen records that cross layers (ingest -> store -> retrieve -> answer -> shells)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Block:
    """One structural unit of a page: a heading, paragraph, step, table, callout or caption."""

    kind: str  # heading | para | step | table | callout | caption
    text: str
    page: int  # 1-based PDF page index (1 for a Markdown file)
    level: int = 0  # heading depth (1 = top)
    callout: str = ""  # WARNING | CAUTION | NOTE for a callout block


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    label: str | None  # printed page label ("5-3"), where the page shows one
    text: str
    blocks: tuple[Block, ...]
    ocr: bool = False


@dataclass(frozen=True)
class FigureImage:
    """A figure found while extracting: its label/caption and the image file written for it."""

    page: int
    label: str
    caption: str
    image_path: str
    thumb_path: str
    context: str = ""


@dataclass(frozen=True)
class CalloutBlock:
    """A WARNING / CAUTION / NOTE as found while ingesting, with the section it governs."""

    kind: str
    text: str  # verbatim
    page: int
    page_label: str | None
    section: str


@dataclass(frozen=True)
class Chunk:
    ordinal: int
    page: int
    page_end: int
    page_label: str | None
    section: str  # heading path, " > " separated
    kind: str
    text: str


@dataclass(frozen=True)
class Figure:
    doc: str
    page: int
    label: str
    caption: str
    image_path: str
    thumb_path: str

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Callout:
    """A WARNING / CAUTION / NOTE as shown with an answer: verbatim, with where it is printed."""

    kind: str  # WARNING | CAUTION | NOTE
    text: str
    doc: str
    page: int
    page_label: str | None = None
    section: str = ""

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with everything needed to cite it."""

    chunk_id: int
    doc: str
    page: int
    page_end: int
    page_label: str | None
    section: str
    kind: str
    text: str
    score: float
    dense: float = 0.0  # cosine similarity with the question
    figures: tuple[Figure, ...] = field(default=())
    callouts: tuple[Callout, ...] = field(default=())  # those in the text and those governing its section
    revision: str | None = None  # of the document, where it states one

    def citation(self) -> dict:
        return {
            "doc": self.doc,
            "page": self.page,
            "page_label": self.page_label,
            "section": self.section,
            "text": self.text,
            "revision": self.revision,
            "figures": [f.label for f in self.figures],
        }


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    name: str
    path: str
    sha256: str
    title: str
    pages: int
    chunks: int
    figures: int
    ocr_pages: int
    ingested_at: str
    revision: str | None = None
    format: str = "pdf"
    figures_dir: str = ""  # its own folder of figure files, relative to the library
    skipped_pages: int = 0  # pages that could not be read and were left out (each named when ingested)


@dataclass(frozen=True)
class HealthCheck:
    """One line of `fieldkit doctor`: what was checked, whether it passed, and what was found."""

    name: str
    ok: bool
    detail: str

    def to_json(self) -> dict:
        return asdict(self)
