"""Figure image files: a full image and a thumbnail per figure (pillow)."""

from __future__ import annotations

import re
from pathlib import Path

from fieldkit.errors import BadInputError
from fieldkit.library.records import FigureImage

FIGURE_LABEL_RE = re.compile(r"^(?:FIGURE|Figure|Fig\.)\s+([A-Z]?\d+(?:[-.]\d+)*)")

THUMB_SIZE = (320, 320)


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


def figure_from_file(image_file: Path, folder: Path, stem: str, source: Path) -> tuple[Path, Path]:
    """Copy an image a manual links to into the library (full + thumbnail); a bad one names the manual."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(image_file) as img:
            img.load()
            return save_figure(img, folder, stem)
    except (OSError, UnidentifiedImageError) as exc:
        raise BadInputError(source, f"image {image_file.name} cannot be read ({exc}); fix the link or the file") from exc


def save_local_images(path: Path, images, figure_dir: Path, blocks) -> list[FigureImage]:
    """Figures for the (src, alt, title) images a Markdown or HTML manual links; local files only
    (a remote image is never fetched). Label from the caption ("Figure 2-1. ...") or numbered."""
    figures = []
    for n, (src, alt, title) in enumerate(images, start=1):
        if re.match(r"^[a-z]+:", src):
            continue  # remote images are never fetched
        image_file = (path.parent / src).resolve()
        caption = title or alt or image_file.stem
        m = FIGURE_LABEL_RE.match(caption)
        label = f"Figure {m.group(1)}" if m else f"Figure {n}"
        full, thumb = figure_from_file(image_file, figure_dir, f"p0001-{n - 1}", path)
        context = " ".join(b.text for b in blocks if b.kind != "caption" and label.lower() in b.text.lower())[:600]
        figures.append(FigureImage(1, label, caption, str(full), str(thumb), context))
    return figures
