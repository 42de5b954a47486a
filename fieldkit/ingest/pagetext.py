"""Each page's best text: its text layer (rejoined by layout when it is one word per line) or OCR,
the pages of a manual that need OCR read on several threads at once."""

from __future__ import annotations

from fieldkit.ingest.figures import MAX_IMAGE_PIXELS, MAX_RENDER_PIXELS, largest_image
from fieldkit.ingest.structure import clean_text


def failure_reason(exc: BaseException) -> str:
    """One line saying why a page could not be read."""
    if isinstance(exc, MemoryError):
        return "too large for memory"
    text = " ".join(str(exc).split())[:200]
    return text or type(exc).__name__


def page_texts(pdf, layer_texts: dict[int, str], ocr: bool, report, warn: list[str], bad: dict[int, str]
               ) -> dict[int, tuple[str, bool]]:
    """Each page's best text and whether it is OCR's, from its text layer (``layer_texts``, by page
    index); a page that cannot be read goes into ``bad``. The pages that need OCR are rendered here, in
    page order (pdfium is not thread-safe), and read by ``ocr_threads()`` threads at once, at most
    two pages a thread waiting (a page image is about 6 MB); ``report`` hears of each in page order."""
    from concurrent.futures import ThreadPoolExecutor

    from fieldkit.ingest.ocr import ocr_threads

    texts: dict[int, tuple[str, bool]] = {}
    reading: dict = {}  # page index -> its OCR, running or done

    def collect(keep: int) -> None:
        while len(reading) > keep:
            index = min(reading)
            try:
                texts[index] = reading.pop(index).result()
            except Exception as exc:
                bad[index] = failure_reason(exc)
            report("ocr", index + 1, len(pdf))

    threads = ocr_threads()
    with ThreadPoolExecutor(threads, thread_name_prefix="fieldkit-ocr") as pool:
        try:
            for index, layer_text in layer_texts.items():
                try:
                    text, scan = _page_text(pdf, index, layer_text, ocr, warn)
                except Exception as exc:
                    bad[index] = failure_reason(exc)
                    continue
                if scan is None:
                    texts[index] = (text, False)
                    continue
                report("ocr", index, len(pdf))
                reading[index] = pool.submit(_read_scan, text, *scan)
                collect(2 * threads - 1)
            collect(0)
        except BaseException:  # the time budget, Ctrl-C: pages not started are not read
            for future in reading.values():
                future.cancel()
            raise
    return texts


def _page_text(pdf, index: int, layer_text: str, ocr: bool, warn: list[str]) -> tuple[str, tuple | None]:
    """The page's text layer, rejoined by layout when it is one word per line; and, when the layer
    fails the quality test, (its quality, why, the page rendered for OCR) for ``_read_scan``."""
    from fieldkit.ingest import textlayer

    page = pdf[index]
    try:
        text = clean_text(layer_text)
        if textlayer.words_per_line(text) <= 1.5:
            textpage = page.get_textpage()
            text = "\n".join(textlayer.layout_lines(textpage))
            textpage.close()
        if not ocr:
            return text, None
        score = textlayer.quality(text)
        reason = textlayer.needs_ocr(textlayer.page_profile(page, text), score)
        if not reason:
            return text, None
        from fieldkit.ingest.ocr import OCR_SCALE, render_for_ocr

        width, height = page.get_size()
        pixels = largest_image(page)
        if width * height * OCR_SCALE**2 > MAX_RENDER_PIXELS or pixels > MAX_IMAGE_PIXELS:
            warn.append(f"page {index + 1}: not OCRed (page or image too large to render)")
            return text, None
        return text, (score, reason, render_for_ocr(page))
    finally:
        page.close()


def _read_scan(text: str, score: float, reason: str, image) -> tuple[str, bool]:
    """On an OCR thread: the page's OCR text, or its layer ``text`` when that reads better."""
    from fieldkit.ingest import textlayer
    from fieldkit.ingest.ocr import ocr_image

    def read(fast: bool) -> str:
        return textlayer.repair_glued_words(clean_text("\n".join(ocr_image(image, fast))))

    ocr_text = read(fast=True)
    # A hidden layer behind a scan is someone else's OCR: ours wins unless clearly worse.
    margin = 0.1 if "hidden" in reason else 0.0
    if text.strip() and textlayer.quality(ocr_text) <= score - margin:
        slow = read(fast=False)  # before the layer wins: the general engine, as before
        ocr_text = max((ocr_text, slow), key=textlayer.quality)
    if textlayer.quality(ocr_text) > score - margin or not text.strip():
        return ocr_text, True
    return text, False
