"""Figure image files: a full image and a thumbnail per figure (pillow)."""

from __future__ import annotations

from pathlib import Path

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
