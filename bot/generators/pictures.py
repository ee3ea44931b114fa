"""The files a finished job leaves: the full PNG with its recipe and a small JPEG preview."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from PIL import Image

from bot.generators.wire import PictureFile
from generator.pictures import save_png_with_recipe

PREVIEW_SIDE = 240  # LINE shows previews small and wants them under 1 MB


def _picture_file(
    path: Path, kind: Literal["full", "preview"], image: Image.Image, mime_type: str
) -> PictureFile:
    data = path.read_bytes()
    return PictureFile(
        kind=kind,
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        width=image.width,
        height=image.height,
        mime_type=mime_type,
    )


def save_pictures(
    image: Image.Image, job_id: str, images_dir: Path, recipe: dict
) -> tuple[PictureFile, PictureFile]:
    """Write both files, named by job id; raises OSError (and leaves neither) when it cannot."""
    full_path = save_png_with_recipe(image, images_dir / f"{job_id}.png", recipe)
    preview = image.copy()
    preview.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
    preview_path = images_dir / f"{job_id}-preview.jpg"
    try:
        preview.save(preview_path, format="JPEG", quality=85)
    except BaseException:
        full_path.unlink(missing_ok=True)
        preview_path.unlink(missing_ok=True)
        raise
    return (
        _picture_file(full_path, "full", image, "image/png"),
        _picture_file(preview_path, "preview", preview, "image/jpeg"),
    )
