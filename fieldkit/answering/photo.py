"""Questions asked with a photo: a data plate, placard, part label or fault display read by OCR.

The photo is opened with bounded memory (a JPEG is decoded at a reduced scale; a file claiming more
pixels than PIL's decompression-bomb limit is refused), turned upright by its EXIF orientation and read
by the OCR model. What identifies things (part and serial numbers, model designators, fault codes) is
kept with the OCR confidence of the text it was read in, so the technician can check it against the
plate; retrieval searches the identifiers as exact phrases and the text by meaning.
"""

from __future__ import annotations

import re
import time
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from fieldkit.answering.question import is_english_word
from fieldkit.errors import BadInputError
from fieldkit.text.normalize import identifier_pattern, query_terms, stems
from fieldkit.text.normalize import identifiers as code_tokens
from fieldkit.text.quantities import TOKEN_RE, is_identifier, read_unit

READ_SIDE = 2000  # the longest side OCR reads (PP-OCR resizes to this anyway); bounds memory and time
CONFIDENT = 0.6
GLUED_RUN = 6  # letters in a row, not a word the manuals or English know: words OCR ran together
# The labels a plate prints before its numbers; OCR often runs them into the number ("P/NFK-DP-20").
_LABEL_RE = re.compile(r"^(?:P/?N|S/?N|NSN|SER(?:IAL)?\.?(?:N[O0]\.?)?|PART\s?(?:NO|NUMBER)\.?|MODEL|TYPE|CODE|FAULT"
                       r"|ERROR|(?:LOT|BATCH|ROLL)\.?(?:N[O0]\.?)?|QTY|NET|N[O0]\.?(?=\d))[:#.]?(?=[A-Z0-9])",
                       re.IGNORECASE)
# What a plate prints before a part's number, and before what is this one item's own (serial, lot and
# batch numbers, quantities, dates: no manual is expected to name those).
_PART = r"P/?N|PART\s*(?:NO|NUMBER)|MODEL|TYPE|CODE|FAULT|ERROR|NSN|DWG|SPEC|SB|AD|ASB"
_OWN = r"S/?N|SER(?:IAL)?\.?(?:\s*N[O0]\.?)?|(?:LOT|BATCH|ROLL)(?:\s*N[O0]\.?)?|QTY|NET|DATE|MFD|DOM"
_PART_LABEL_RE = re.compile(rf"\b(?:{_PART})\b[.:#\s]*$", re.IGNORECASE)
_OWN_NUMBER_RE = re.compile(rf"\b(?:{_OWN})[:#.\s]*$", re.IGNORECASE)
# Numbers that are identifiers only for the label before them ("S/N 48213", "PART NO. 23699").
_LABELLED_NUMBER_RE = re.compile(rf"\b(?:{_PART}|{_OWN}|NO)\b[.:#\s]*(\d[\d-]{{3,}})", re.IGNORECASE)
_VALUES_RE = re.compile(r"(\d+(?:\.\d+)?)([^\W\d_]+)")  # "26.4VDC5.0AH": values run together
# zeros read as the letter O: "FK-DP-2O", "2OOGROUND", "FK-TN-O8"
_ZERO_RE = re.compile(r"(?<=\d)[Oo]+(?=\d|[-/.]|$|[^\W\d_]{4,})|(?<=[\d-])[Oo](?=\d)")


@dataclass(frozen=True)
class ReadIdentifier:
    """An identifier read from the photo, the OCR confidence of its text, and whether any loaded
    manual mentions it (None until looked up)."""

    text: str
    confidence: float
    in_manuals: bool | None = None
    mentions: int = 0  # passages that name it: the fewer, the more specific (a part, not the aircraft)
    own: bool = False  # this one item's serial, lot or batch number: no manual is expected to name it
    named: bool = False  # what the label is: after its P/N, MODEL or CODE label, or alone in its text box
    read_as: str = ""  # what OCR printed, where the manual's form differs by an O read as 0


@dataclass(frozen=True)
class PhotoReading:
    path: str
    text: str  # the lines read, top to bottom
    identifiers: tuple[ReadIdentifier, ...]
    confidence: float  # mean OCR confidence over the text
    size: tuple[int, int]  # the photo's pixels as stored (before any downscaling)
    boxes: tuple = ()  # the OCR text boxes (models.ocr.TextBox), as read
    turned: int = 0  # degrees the photo was turned to read it (beyond its EXIF orientation)
    seconds: float = 0.0

    @property
    def missing(self) -> tuple[ReadIdentifier, ...]:
        return tuple(i for i in self.identifiers if i.in_manuals is False)

    @property
    def unknown_parts(self) -> bool:
        """It is the label of a part, model or code (an identifier after its P/N, MODEL or CODE label,
        or alone in its line), and no loaded manual names that or anything else the photo shows."""
        return any(i.named for i in self.identifiers) and not self.found

    @property
    def found(self) -> tuple[ReadIdentifier, ...]:
        return tuple(i for i in self.identifiers if i.in_manuals)

    @property
    def specific(self) -> ReadIdentifier | None:
        """The found identifier the fewest passages name: what the plate is about (the part number,
        not the model of the aircraft it is fitted to)."""
        return min(self.found, key=lambda i: i.mentions, default=None)

    def search_text(self, question: str = "") -> str:
        """What retrieval reads: the typed question, then the photo's text."""
        return " ".join(part for part in (question.strip(), " ".join(self.text.split())) if part)

    def to_json(self) -> dict:
        return {"path": self.path, "text": self.text, "confidence": self.confidence,
                "identifiers": [asdict(i) for i in self.identifiers]}


def load_photo(path) -> tuple[object, tuple[int, int]]:
    """The photo as an upright RGB PIL image no larger than READ_SIDE, and its stored size."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise BadInputError(path, "no such file; give the path of a photo (JPEG, PNG, WebP, TIFF)")
    try:
        with warnings.catch_warnings():
            # Past PIL's warning size a photo is still read; past twice it PIL raises (a bomb).
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                size = image.size
                image.draft("RGB", (READ_SIDE, READ_SIDE))  # JPEG: decode at 1/2..1/8 scale, bounded memory
                image = ImageOps.exif_transpose(image)
                image.thumbnail((READ_SIDE, READ_SIDE))
                return image.convert("RGB"), size
    except UnidentifiedImageError:
        raise BadInputError(path, "not an image fieldkit can read; give a photo (JPEG, PNG, WebP, TIFF)") from None
    except Image.DecompressionBombError:
        limit = 2 * Image.MAX_IMAGE_PIXELS / 1e6
        raise BadInputError(path, f"claims more than {limit:.0f} megapixels: not a photo fieldkit will decode "
                                  "(a decompression bomb?); use a camera photo") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise BadInputError(path, f"the image is damaged or truncated ({exc}); take or copy the photo again") from None


def read_photo(path) -> PhotoReading:
    """OCR of a photo: its lines and identifiers. A photo without readable text is a BadInputError."""
    from fieldkit.models.ocr import OCR

    start = time.perf_counter()
    image, size = load_photo(path)
    turned, boxes = 0, OCR.boxes(image)
    if _legible(boxes) == 0:  # PP-OCR turns tall lines and upside-down ones itself; this is for the rest
        for angle in (90, 270):
            tried = OCR.boxes(image.rotate(angle, expand=True))
            if _legible(tried) > _legible(boxes):
                turned, boxes = angle, tried
    boxes = [b for b in boxes if b.text.strip()]
    if not boxes:
        raise BadInputError(path, "no text found in the photo; photograph the plate or label square-on, "
                                  "filling the frame, or type the part number")
    confidence = round(sum(b.confidence * len(b.text) for b in boxes) / sum(len(b.text) for b in boxes), 3)
    reading = PhotoReading(str(path), "", (), confidence, size, tuple(boxes), turned)
    return replace(interpret(reading), seconds=round(time.perf_counter() - start, 3))


def _legible(boxes) -> int:
    return sum(len(b.text.strip()) for b in boxes if b.confidence >= CONFIDENT)


def interpret(reading: PhotoReading, known_word=None) -> PhotoReading:
    """The reading's text and identifiers from its boxes: words OCR ran together spaced apart (unless
    ``known_word`` knows the run), labels cut from their numbers, and a letter O after a digit taken
    as the zero PP-OCR mistook it for (it reads "20" as "2O" in round-zero fonts)."""
    from fieldkit.models.ocr import rows

    lines, best = [], {}
    for row in rows(list(reading.boxes)):
        words = []
        for box in row:
            spaced = respaced(box.text, known_word or is_english_word)
            for ident in identifiers_in(spaced):
                before = " ".join([*words, spaced.split(ident)[0]])
                own = bool(_OWN_NUMBER_RE.search(before))
                # a part's own label before it, or the identifier alone in its box: what the label is
                named = not own and (bool(_PART_LABEL_RE.search(before)) or spaced.strip(" .:#") == ident)
                if ident.upper() not in best or best[ident.upper()].confidence < box.confidence:
                    best[ident.upper()] = ReadIdentifier(ident, round(box.confidence, 3), own=own, named=named)
            words.append(spaced)
        lines.append(" ".join(words))
    return replace(reading, text="\n".join(lines), identifiers=tuple(best.values()))


def respaced(text: str, known_word) -> str:
    """A line as OCR read it, with the spaces it dropped put back where they can be told."""
    out = []
    for token in text.split():
        label = _LABEL_RE.match(token)
        if label and label.end() < len(token):
            out.append(label.group(0).upper().replace("0", "O"))  # a label has no digits: "SERN0" is "SERNO"
            token = token[label.end():]
        values = _VALUES_RE.findall(token)
        if values and "".join(n + u for n, u in values) == token and (len(values) > 1 or len(values[0][1]) > 1) \
                and all(read_unit(u, 0)[1] == len(u) for _, u in values):
            out.extend(f"{n} {u}" for n, u in values)  # "115VAC400Hz" -> "115 VAC 400 Hz"
            continue
        token = _ZERO_RE.sub(lambda m: "0" * len(m.group(0)), token)
        # a word run into a number: after it ("FK-200GROUND"), or a known word before it ("CHARGE3000")
        token = re.sub(r"(?<=\d)(?=[^\W\d_]{4,})", " ", token)
        token = re.sub(r"^([^\W\d_]{4,})(?=\d)", lambda m: m.group(1) + (" " if known_word(m.group(1)) else ""), token)
        out.extend(re.sub(rf"[^\W\d_]{{{GLUED_RUN},}}", lambda m: _words(m.group(0), known_word), piece)
                   for piece in token.split())
    return " ".join(out)


def _words(run: str, known_word) -> str:
    """Letters OCR ran together, as words: a known word whole, else wordninja's split with the pieces
    that make a known word together joined again ("AIR WORTHINESS" -> "AIRWORTHINESS")."""
    import wordninja

    if known_word(run):
        return run
    pieces, words = wordninja.split(run), []
    while pieces:
        take = next((n for n in range(len(pieces), 1, -1) if known_word("".join(pieces[:n]))), 1)
        words.append("".join(pieces[:take]))
        pieces = pieces[take:]
    return " ".join(words)


def identifiers_in(text: str) -> list[str]:
    """Part/serial numbers, designators and codes in a line of label text, as printed."""
    found = [t.strip(".-/") for t in TOKEN_RE.findall(text) if is_identifier(t.strip(".-/"))]
    found += [m.group(1).strip("-") for m in _LABELLED_NUMBER_RE.finditer(text)]
    return list(dict.fromkeys(t for t in found if len(t) >= 3))


def identifier_phrase(identifier: str) -> str:
    """The identifier as one FTS5 phrase, split the way the index splits it ("MS20995C32" ->
    "ms 20995 c 32")."""
    return " ".join(t.strip('"') for t in query_terms(identifier))


def look_up(library, reading: PhotoReading) -> PhotoReading:
    """The reading interpreted with the library's words, each identifier marked as mentioned by a
    loaded manual (as a whole token, however the manual spaces or hyphenates it), or not."""
    reading = interpret(reading, lambda w: library.term_count(w) > 0 or is_english_word(w))
    marked = []
    for ident in reading.identifiers:
        known = library.mentions_identifier(ident.text)
        letters = _LETTER_O_RE.sub("O", ident.text)  # "TS0-C10b", "0H-58": the letter O read as a zero
        if not known and letters != ident.text and library.mentions_identifier(letters):
            ident, known = replace(ident, text=letters, read_as=ident.text), True
        marked.append(replace(ident, in_manuals=known, mentions=library.term_count(ident.text) if known else 0))
    return replace(reading, identifiers=tuple(marked))


_LETTER_O_RE = re.compile(r"(?<![\d.])0(?=[^\W\d_])|(?<=[^\W\d_])0(?![\d.])")


def not_in_manuals(reading: PhotoReading) -> str:
    """Why a photo whose identifiers no loaded manual mentions is not answered."""
    missing = [i for i in reading.missing if i.named]
    names = ", ".join(i.text for i in missing)
    return f"{names} {'is' if len(missing) == 1 else 'are'} not in the loaded manuals (read from the photo)"


def assessed_question(question: str, reading: PhotoReading) -> str:
    """What answerability is judged on: the typed question and the identifiers the manuals know, or,
    with neither, the photo's words (a placard's) without its numbers and codes, which no manual
    names (dates, batch numbers, and what OCR garbled: they are reported already)."""
    known = " ".join(i.text for i in sorted(reading.found, key=lambda i: i.mentions))
    words = [w for w in reading.text.split() if not (code_tokens(w) or identifiers_in(w))]
    return " ".join(p for p in (question.strip(), known) if p) or " ".join(words)


def holds_identifier(reading: PhotoReading, passages) -> bool:
    """Does a passage name one of the identifiers the photo shows that the manuals know?"""
    patterns = [p for p in (identifier_pattern(i.text) for i in reading.found) if p]
    return any(p.search(passage.text) for p in patterns for passage in passages)


def figure_matches(reading: PhotoReading, figure) -> bool:
    """Does the photo's text match the figure: its most specific identifier in the figure's label or
    caption, or two words (not identifiers) shared with them?"""
    told = f"{figure.label} {figure.caption}"
    if reading.specific is not None and reading.specific.text.upper() in told.upper():
        return True
    return len(_word_stems(reading.text) & _word_stems(told)) >= 2


def _word_stems(text: str) -> set[str]:
    return stems(" ".join(w for w in text.split() if not identifiers_in(w)), min_len=3)


def figures_first(reading: PhotoReading, passages):
    """The best-ranked passage with a figure the photo matches moved first, that figure first in it;
    the others keep their order."""
    for n, passage in enumerate(passages):
        matched = [f for f in passage.figures if figure_matches(reading, f)]
        if matched:
            first = replace(passage, figures=tuple(matched + [f for f in passage.figures if f not in matched]))
            return (first, *passages[:n], *passages[n + 1:])
    return tuple(passages)
