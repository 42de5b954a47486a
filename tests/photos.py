"""Photo-like images of labels for the photo-question tests: rendered text, then what a phone does to
it (turned, in perspective, blurred, noisy, JPEG at quality 40)."""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont


def label_photo(path: Path, lines: list[str], *, angle: float = 8.0, skew: float = 0.08, blur: float = 1.2,
                noise: int = 18, quality: int = 40, size: tuple[int, int] = (1600, 1200), seed: int = 7,
                glare: bool = True, exif_orientation: int | None = None, font: str | None = None,
                light: float = 1.0) -> Path:
    """A photo of a metal plate carrying ``lines``, on a plain background. ``font``: a TrueType file
    (Pillow's own font by default); ``light`` below 1 darkens it (a hangar at night)."""
    rng = random.Random(seed)
    font = ImageFont.truetype(font, 46) if font else ImageFont.load_default(size=46)
    width = max(int(font.getlength(line)) for line in lines) + 120
    plate = Image.new("RGB", (width, 80 * len(lines) + 80), (206, 208, 200))
    draw = ImageDraw.Draw(plate)
    draw.rectangle([8, 8, plate.width - 9, plate.height - 9], outline=(60, 60, 60), width=5)
    for i, line in enumerate(lines):
        draw.text((60, 45 + 80 * i), line, fill=(25, 25, 30), font=font)
    plate = plate.rotate(angle, expand=True, fillcolor=(90, 84, 70), resample=Image.BICUBIC)
    w, h = plate.size  # perspective: the far edge shorter, as a phone held at an angle sees it
    d = int(skew * w)
    plate = plate.transform((w, h), Image.QUAD, (d, 0, 0, h, w, h, w - d, 0), resample=Image.BICUBIC,
                            fillcolor=(90, 84, 70))
    photo = Image.new("RGB", size, (90, 84, 70))
    scale = min(size[0] * 0.85 / w, size[1] * 0.85 / h)
    plate = plate.resize((int(w * scale), int(h * scale)), Image.LANCZOS)
    photo.paste(plate, ((size[0] - plate.width) // 2, (size[1] - plate.height) // 2))
    if glare:  # a soft bright spot, as a flash on metal gives
        spot = Image.new("L", size, 0)
        ImageDraw.Draw(spot).ellipse([size[0] * 0.62, size[1] * 0.1, size[0] * 0.8, size[1] * 0.3], fill=120)
        photo = Image.composite(Image.new("RGB", size, (255, 255, 250)), photo, spot.filter(ImageFilter.GaussianBlur(40)))
    photo = ImageEnhance.Brightness(photo.filter(ImageFilter.GaussianBlur(blur))).enhance(light)
    pixels = photo.load()
    for _ in range(size[0] * size[1] // 6):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        r, g, b = pixels[x, y]
        n = rng.randint(-noise, noise)
        pixels[x, y] = (max(0, min(255, r + n)), max(0, min(255, g + n)), max(0, min(255, b + n)))
    exif = None
    if exif_orientation:  # stored sideways, upright by its EXIF tag (as phones save portrait photos)
        photo = photo.transpose({6: Image.ROTATE_90, 8: Image.ROTATE_270, 3: Image.ROTATE_180}[exif_orientation])
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
    photo.save(path, "JPEG", quality=quality, **({"exif": exif} if exif else {}))
    return path
