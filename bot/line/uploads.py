"""Pictures users send as starting points (`/วาด … --init`): checked, re-encoded, kept per user.

Files are named by us (a hash of the user id for the folder, time and a random token for the
file), never after anything in the event, and re-encoded as PNG so only pixels are kept.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from pathlib import Path

from PIL import Image

from bot.line import messages
from generator.pictures import PictureError, open_picture

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 1024  # more than any allowed drawing size; keeps the stored copy small
KEEP_PER_USER = 5  # older pictures go; a queued job's picture is at most this many sends old


class UploadRefused(Exception):
    """A picture the bot will not keep; `thai` tells the user why."""

    def __init__(self, thai: str) -> None:
        super().__init__(thai)
        self.thai = thai


def user_folder(uploads_dir: Path, user_id: str) -> Path:
    digest = hashlib.sha256(f"line:{user_id}".encode()).hexdigest()[:32]
    return uploads_dir / "line" / digest


def save_upload(data: bytes, uploads_dir: Path, user_id: str) -> Path:
    """Keep `data` as the user's latest picture; raises UploadRefused for what is not one."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRefused(messages.photo_too_large(MAX_UPLOAD_BYTES // 2**20))
    folder = user_folder(uploads_dir, user_id)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{time.time_ns():020d}-{secrets.token_hex(8)}"
    received = folder / f".{stem}.upload"
    received.write_bytes(data)
    try:
        image = open_picture(received)
    except PictureError:
        raise UploadRefused(messages.PHOTO_NOT_A_PICTURE) from None
    finally:
        received.unlink(missing_ok=True)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    path = folder / f"{stem}.png"
    image.save(path, format="PNG")
    for old in _pictures(folder)[:-KEEP_PER_USER]:
        old.unlink(missing_ok=True)
    return path


def last_upload(uploads_dir: Path, user_id: str) -> Path | None:
    """The picture the user sent most recently, if any is kept."""
    pictures = _pictures(user_folder(uploads_dir, user_id))
    return pictures[-1] if pictures else None


def _pictures(folder: Path) -> list[Path]:
    """Oldest first: the names start with the time they arrived."""
    return sorted(folder.glob("*.png")) if folder.is_dir() else []
