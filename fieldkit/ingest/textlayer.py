"""Is a page's text layer usable? A measurable quality test, and rejoining words by layout.

- ``quality``: the share of a text's Latin words (3+ letters) that are English words or word pieces
  the embedder's vocabulary knows (with plural/past/-ing endings stripped). Scanned pages with a poor
  hidden OCR layer ("barmeter keservoir temperatureTLuctuatmns") score low; CJK text counts as good.
- ``needs_ocr``: no text on a page that is mostly image (a scan); a poor text layer that is all
  invisible (render mode 3: someone else's OCR behind a scan); or quality below ``MIN_QUALITY``.
- ``layout_lines``: text runs grouped into lines by their boxes, for text layers that extract one
  word per line.
"""

from __future__ import annotations

import functools
import re
import statistics

MIN_QUALITY = 0.55
HIDDEN_LAYER_TRUST = 0.85  # a hidden OCR layer this good is kept (AC 43-18: 0.91-0.96; AC 43-2B: 0.74-0.79)
SCAN_IMAGE_COVER = 0.5
WORD_RE = re.compile(r"[A-Za-z]{3,}")
CJK_RE = re.compile(r"[\u3400-\u9fff]")


@functools.lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    from tokenizers import Tokenizer

    from fieldkit.models.weights import embedder_tokenizer_path

    vocab = Tokenizer.from_file(str(embedder_tokenizer_path())).get_vocab()
    return frozenset(w for w in vocab if w.isalpha())


def _known(word: str, vocab) -> bool:
    w = word.lower()
    if w in vocab:
        return True
    for suffix in ("s", "es", "ed", "ing", "ly", "er"):
        if w.endswith(suffix) and w[: -len(suffix)] in vocab:
            return True
    return False


def quality(text: str) -> float:
    """0..1; 1.0 for text with no Latin words but CJK characters, 0.0 for no text at all."""
    words = WORD_RE.findall(text)
    cjk = len(CJK_RE.findall(text))
    if cjk >= 10 and cjk >= sum(len(w) for w in words):
        return 1.0  # Chinese/Japanese text: the Latin-word test does not apply
    if not words:
        return 0.0
    vocab = _vocabulary()
    return sum(_known(w, vocab) for w in words) / len(words)


GLUED_RE = re.compile(r"[A-Za-z]{12,}")  # shorter unknown words are more likely real terms
NUMBER_WORD_RE = re.compile(r"(?<![\w.-])(\d+(?:\.\d+)?)([a-z]{4,})\b")


# Glued OCR text runs words together with the short words between them ("thepressure", "Pressuresof");
# a long compound ("airworthiness", "recordkeeping") has none of them and is left alone.
FUNCTION_WORDS = frozenset(
    "a an the and of to in on at by for or is be as it if no not per are was has had can may all any its "
    "our one two use see but off out own".split()
)


def split_glued(word: str) -> str | None:
    """"controlandcorrection" -> "control and correction": wordninja's most probable split by English
    word frequencies, kept when it has a function word and every other piece is a word the embedder
    knows or a long one ("microns"), or when a capitals heading splits into known words."""
    import wordninja

    pieces = wordninja.split(word)
    if len(pieces) < 2 or "".join(pieces) != word:
        return None
    vocab = _vocabulary()
    low = [p.lower() for p in pieces]
    if any(p in FUNCTION_WORDS for p in low):
        confident = all(p in FUNCTION_WORDS or (len(p) >= 2 and _known(p, vocab)) or len(p) >= 6 for p in low)
    else:  # a capitals heading glued by OCR ("PUMPREPLACEMENT"): only whole known words
        confident = word.isupper() and all(len(p) >= 4 and _known(p, vocab) for p in low)
    return " ".join(pieces) if confident else None


def repair_glued_words(text: str) -> str:
    """OCR often drops spaces ("temperature controlandcorrectioncausebarometer error"): put them back
    in long tokens the embedder's vocabulary does not know."""
    vocab = _vocabulary()

    def fix(m: re.Match) -> str:
        word = m.group(0)
        if _known(word, vocab):
            return word
        return split_glued(word) or word

    # "15microns" -> "15 microns"; a unit ("10F", "15psi") or a part number ("MS20995C32") stays
    return NUMBER_WORD_RE.sub(r"\1 \2", GLUED_RE.sub(fix, text))


def words_per_line(text: str) -> float:
    lines = [l for l in text.split("\n") if l.strip()]
    if len(lines) < 20 or len(CJK_RE.findall(text)) > len(text) / 4:
        return 99.0  # too little to judge, or CJK (no spaces between words)
    return statistics.median(len(l.split()) for l in lines)


def page_profile(page, text: str) -> dict:
    """Facts about a page that decide OCR: non-space characters, image cover, invisible text."""
    import pypdfium2.raw as raw

    width, height = page.get_size()
    image_area, text_objects, invisible = 0.0, 0, 0
    for obj in page.get_objects(max_depth=2):
        if obj.type == raw.FPDF_PAGEOBJ_IMAGE:
            left, bottom, right, top = obj.get_bounds()
            image_area += max(0.0, right - left) * max(0.0, top - bottom)
        elif obj.type == raw.FPDF_PAGEOBJ_TEXT:
            text_objects += 1
            invisible += raw.FPDFTextObj_GetTextRenderMode(obj.raw) == raw.FPDF_TEXTRENDERMODE_INVISIBLE
    return {
        "chars": len("".join(text.split())),
        "image_cover": min(1.0, image_area / (width * height)) if width * height else 0.0,
        "invisible_text": text_objects > 0 and invisible == text_objects,
    }


def needs_ocr(profile: dict, text_quality: float) -> str | None:
    """Why this page should be OCRed, or None."""
    if profile["chars"] < 20:
        return "no text layer on a scanned page" if profile["image_cover"] >= SCAN_IMAGE_COVER else None
    if profile["invisible_text"] and text_quality < HIDDEN_LAYER_TRUST:
        return f"poor hidden text layer behind a scan (quality {text_quality:.2f})"
    if text_quality < MIN_QUALITY:
        return f"garbled text layer (quality {text_quality:.2f})"
    return None


def layout_lines(textpage) -> list[str]:
    """Text runs grouped into lines by vertical overlap of their boxes, left to right."""
    from fieldkit.ingest.tables import group_rows, text_runs

    return [" ".join(r[4] for r in row) for row in group_rows(text_runs(textpage))]
