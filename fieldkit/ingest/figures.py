"""Figure image files: a full image and a thumbnail per figure (pillow), from linked image files
(confined to the manual's folder) or PDF page renders (bounded in pixels)."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from fieldkit.library.records import FigureImage

FIGURE_LABEL_RE = re.compile(r"^(?:FIGURE|Figure|Fig\.)\s+([A-Z]?\d+(?:[-.]\d+)*)")

THUMB_SIZE = (320, 320)

MAX_IMAGE_PIXELS = 100_000_000  # an image object this big is not decoded (a 600 dpi A3 scan is ~70 Mpx)
MAX_RENDER_PIXELS = 50_000_000  # renders are scaled down to stay under this (about 200 MB as RGBA)


def largest_image(page) -> int:
    """Pixels of the largest image object on the page (by its stored size, nothing decoded)."""
    import pypdfium2.raw as raw

    largest = 0
    for obj in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        try:
            w, h = obj.get_px_size()
        except Exception:
            continue
        largest = max(largest, int(w) * int(h))
    return largest


def page_crop(page, left: float, bottom: float, right: float, top: float) -> tuple[float, float, float, float] | None:
    """A render crop (left, bottom, right, top margins) for a region in page coordinates, clamped to the
    page box (object bounds may lie outside it, or the box may not start at 0,0); None when empty."""
    x0, y0, x1, y1 = page.get_bbox()
    left, right = max(x0, min(left, x1)), max(x0, min(right, x1))
    bottom, top = max(y0, min(bottom, y1)), max(y0, min(top, y1))
    if right - left < 1 or top - bottom < 1:
        return None
    return left - x0, bottom - y0, x1 - right, y1 - top


def render(page, scale: float, crop=(0, 0, 0, 0)):
    """The page (or its crop) as a PIL image, scaled down if it would be over ``MAX_RENDER_PIXELS``;
    refused when it holds an image object over ``MAX_IMAGE_PIXELS`` (pdfium would decode all of it)."""
    pixels = largest_image(page)
    if pixels > MAX_IMAGE_PIXELS:
        raise ValueError(f"an image of {pixels / 1e6:.0f} megapixels, over the {MAX_IMAGE_PIXELS // 10**6} megapixel limit")
    width, height = page.get_size()
    area = max(1.0, (width - crop[0] - crop[2]) * (height - crop[1] - crop[3]))
    scale = min(scale, (MAX_RENDER_PIXELS / area) ** 0.5)
    return page.render(scale=scale, crop=crop).to_pil()


def save_figure(image, folder: Path, stem: str) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    image = image.convert("RGB") if image.mode not in ("RGB", "L") else image
    full = folder / f"{stem}.png"
    thumb = folder / f"{stem}.thumb.png"
    image.save(full)
    small = image.copy()
    small.thumbnail(THUMB_SIZE)
    small.save(thumb)
    return full, thumb


MAX_IMAGE_BYTES = 50 * 1024 * 1024  # a linked image file over this is not copied


class SkippedImage(ValueError):
    """An image reference that is left out (with a warning), never fatal to the manual."""


def local_image(manual: Path, src: str) -> Path:
    """The file an image reference (``src``, percent-encoded as in a URL) points to, confined to the
    manual's folder: no URLs (``http:``, ``file:``, ``//host``), no absolute paths, no ``..`` or symlink
    out of the folder, only an existing regular file. Raises SkippedImage saying why."""
    from urllib.parse import unquote, urlsplit

    src = (src or "").strip()
    if not src:
        raise SkippedImage("empty image reference")
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:
        raise SkippedImage("not a local file (images are never fetched)")
    rel = unquote(parts.path)
    if not rel or rel.startswith(("/", "\\")) or "\x00" in rel:
        raise SkippedImage("an absolute path; link images inside the manual's folder")
    root = manual.parent.resolve()
    target = (root / rel).resolve()
    if not target.is_relative_to(root):
        raise SkippedImage("outside the manual's folder")
    try:
        info = target.stat()
    except OSError:
        raise SkippedImage("file not found") from None
    if not stat.S_ISREG(info.st_mode):
        raise SkippedImage("not a regular file")
    if info.st_size > MAX_IMAGE_BYTES:
        raise SkippedImage(f"image file over {MAX_IMAGE_BYTES // 1024 // 1024} MB")
    return target


def figure_from_file(image_file: Path, folder: Path, stem: str) -> tuple[Path, Path]:
    """Copy an image a manual links to into the library (full + thumbnail), bounded to Pillow's
    ``MAX_IMAGE_PIXELS`` before anything is decoded. Raises SkippedImage saying why it cannot."""
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused below instead
            with Image.open(image_file) as img:
                if img.width * img.height > (Image.MAX_IMAGE_PIXELS or MAX_IMAGE_PIXELS):
                    raise SkippedImage(f"image of {img.width}x{img.height} pixels is too large")
                img.load()
                return save_figure(img, folder, stem)
    except SkippedImage:
        raise
    except Exception as exc:  # UnidentifiedImageError, DecompressionBombError (not an OSError), truncated data
        raise SkippedImage(f"not a readable image ({' '.join(str(exc).split())[:160]})") from exc


def save_local_images(path: Path, images, figure_dir: Path, blocks, warnings: list[str] | None = None
                      ) -> list[FigureImage]:
    """Figures for the (src, alt, title) images a Markdown or HTML manual links; local files inside
    the manual's folder only (a remote image is never fetched). Label from the caption ("Figure 2-1.
    ...") or numbered. A reference that cannot be used is skipped with a line in ``warnings``."""
    warn = warnings if warnings is not None else []
    figures = []
    for n, (src, alt, title) in enumerate(images, start=1):
        try:
            image_file = local_image(path, src)
            full, thumb = figure_from_file(image_file, figure_dir, f"p0001-{n - 1}")
        except SkippedImage as why:
            warn.append(f"image {src[:200]!r} skipped: {why}")
            continue
        caption = title or alt or image_file.stem
        m = FIGURE_LABEL_RE.match(caption)
        label = f"Figure {m.group(1)}" if m else f"Figure {n}"
        context = " ".join(b.text for b in blocks if b.kind != "caption" and label.lower() in b.text.lower())[:600]
        figures.append(FigureImage(1, label, caption, str(full), str(thumb), context))
    return figures
