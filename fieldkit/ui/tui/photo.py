"""A photo of a plate, placard or label asked with: picked from the files (textual-fspicker) and shown
as a thumbnail beside the question box (rich-pixels)."""

from __future__ import annotations

from textual.widgets import Static

PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp"})


class PhotoUnread:
    """The photo asked with could not be read (not an image, no text...)."""

    def __init__(self, message: str) -> None:
        self.message = message


def photo_picker():
    """The file dialog a photo is picked in (photos first; any file on request)."""
    from textual_fspicker import FileOpen, Filters

    photos = Filters(("Photos", lambda p: p.suffix.lower() in PHOTO_SUFFIXES), ("Any file", lambda p: True))
    return FileOpen(".", title="Photo of a plate, placard or label", filters=photos)


class PhotoThumb(Static):
    """The attached photo, small; hidden when none is."""

    WIDTH = 18

    def show(self, path: str | None) -> None:
        """Show the photo at ``path`` (read with bounded memory: a BadInputError for a bad file)."""
        if path is None:
            self.remove_class("attached")
            self.update("")
            return
        from rich_pixels import Pixels

        from fieldkit.answering.photo import load_photo

        image, _ = load_photo(path)
        rows = max(2, int(self.WIDTH * image.height / image.width) // 2 * 2)  # two pixel rows per cell
        self.update(Pixels.from_image(image, resize=(self.WIDTH, rows)))
        self.add_class("attached")
