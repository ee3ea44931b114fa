"""Reading pictures people give us and writing PNGs that carry their full recipe."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image, PngImagePlugin, UnidentifiedImageError

RECIPE_KEY = "thaidraw:recipe"
MAX_PICTURE_BYTES = 20 * 1024 * 1024
MAX_PICTURE_PIXELS = 40_000_000


class PictureError(ValueError):
    """A picture that cannot be used; the message is one line naming the file."""


def open_picture(path: Path) -> Image.Image:
    """Open an image file as RGB, refusing missing, oversized or non-image files clearly."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise PictureError(f"cannot read image {path}: {error.strerror or error}") from None
    if size > MAX_PICTURE_BYTES:
        raise PictureError(
            f"cannot use image {path}: {size / 2**20:.1f} MB is over the "
            f"{MAX_PICTURE_BYTES // 2**20} MB limit"
        )
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_PICTURE_PIXELS:
                raise PictureError(
                    f"cannot use image {path}: {image.width}×{image.height} pixels is too large"
                )
            return image.convert("RGB")
    # Pillow reports some broken PNG chunks as SyntaxError.
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise PictureError(f"cannot read image {path}: not a picture ({error})") from None


def save_png_with_recipe(image: Image.Image, path: Path, recipe: dict[str, Any]) -> Path:
    """Write `image` as PNG with `recipe` as UTF-8 JSON metadata; atomic (temp, then rename)."""
    metadata = PngImagePlugin.PngInfo()
    metadata.add_itxt(RECIPE_KEY, json.dumps(recipe, ensure_ascii=False, sort_keys=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            image.save(handle, format="PNG", pnginfo=metadata)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def read_recipe(path: Path) -> dict[str, Any]:
    """The recipe stored in a PNG written by `save_png_with_recipe`."""
    with Image.open(path) as image:
        return json.loads(image.text[RECIPE_KEY])
