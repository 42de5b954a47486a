"""Figure image files: a full image and a thumbnail per figure (pillow)."""

from __future__ import annotations

import re
from pathlib import Path

from fieldkit.errors import BadInputError
from fieldkit.records import FigureImage

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


def save_local_images(path: Path, images, figure_dir: Path, blocks) -> list[FigureImage]:
    """Figures for the (src, alt, title) images a Markdown or HTML manual links; local files only
    (a remote image is never fetched). Label from the caption ("Figure 2-1. ...") or numbered."""
    from PIL import Image, UnidentifiedImageError

    figures = []
    for n, (src, alt, title) in enumerate(images, start=1):
        if re.match(r"^[a-z]+:", src):
            continue  # remote images are never fetched
        image_file = (path.parent / src).resolve()
        caption = title or alt or image_file.stem
        m = FIGURE_LABEL_RE.match(caption)
        label = f"Figure {m.group(1)}" if m else f"Figure {n}"
        try:
            with Image.open(image_file) as img:
                img.load()
                full, thumb = save_figure(img, figure_dir, f"p0001-{n - 1}")
        except (OSError, UnidentifiedImageError) as exc:
            raise BadInputError(path, f"image {src!r} cannot be read ({exc}); fix the link or the file") from exc
        context = " ".join(b.text for b in blocks if b.kind != "caption" and label.lower() in b.text.lower())[:600]
        figures.append(FigureImage(1, label, caption, str(full), str(thumb), context))
    return figures
