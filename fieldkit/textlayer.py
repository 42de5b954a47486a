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

    from fieldkit.models import embedder_tokenizer_path

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


FUNCTION_WORDS = frozenset(
    "a an the and of to in on at by for or is be as it if no not per are was has had can may all any its "
    "our one two use see but off out own".split()
)


def _piece_cost(piece: str, vocab) -> float:
    if piece in FUNCTION_WORDS or (len(piece) >= 4 and _known(piece, vocab)):
        return 1
    if len(piece) >= 2 and _known(piece, vocab):
        return 3  # short known pieces ("ba", "ro") are weak evidence
    return 2 + len(piece) / 2  # unknown ("barometer"): the longer, the less likely one word


def split_glued(word: str) -> str | None:
    """"controlandcorrection" -> "control and correction": the cheapest split into pieces."""
    vocab = _vocabulary()
    low = word.lower()
    n = len(low)
    best: list[tuple[float, list[int]] | None] = [None] * (n + 1)
    best[0] = (0, [])
    for end in range(1, n + 1):
        for start in range(max(0, end - 20), end):
            if best[start] is None:
                continue
            cost = best[start][0] + _piece_cost(low[start:end], vocab)
            if best[end] is None or cost < best[end][0]:
                best[end] = (cost, best[start][1] + [end])
    cuts = [0] + best[n][1]
    pieces = [low[a:b] for a, b in zip(cuts, cuts[1:])]
    # Only confident splits: every piece a known word, or a long unknown term ("barometer").
    if len(pieces) < 2 or any(_piece_cost(p, vocab) > 1 and (_known(p, vocab) or len(p) < 7) for p in pieces):
        return None
    return " ".join(word[a:b] for a, b in zip(cuts, cuts[1:]))


def repair_glued_words(text: str) -> str:
    """OCR often drops spaces ("temperature controlandcorrectioncausebarometer error"): put them back
    where an unknown long token is exactly a run of known words."""
    vocab = _vocabulary()

    def fix(m: re.Match) -> str:
        word = m.group(0)
        if _known(word, vocab):
            return word
        return split_glued(word) or word

    return GLUED_RE.sub(fix, text)


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
    from fieldkit.tables import group_rows, text_runs

    return [" ".join(r[4] for r in row) for row in group_rows(text_runs(textpage))]
