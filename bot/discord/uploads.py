"""Pictures people attach to /วาด as a starting point, kept under the uploads directory."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord

from bot.discord import messages

INIT_IMAGE_SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}
MAX_INIT_IMAGE_BYTES = 8 * 1024 * 1024  # far above what a 1024-pixel starting picture needs


class UploadRefused(Exception):
    def __init__(self, thai: str) -> None:
        super().__init__(thai)
        self.thai = thai


async def save_init_image(attachment: discord.Attachment, uploads_dir: Path) -> Path:
    """Download the attachment (raises UploadRefused when it is no picture or too large)."""
    content_type = (attachment.content_type or "").split(";")[0].strip()
    suffix = INIT_IMAGE_SUFFIXES.get(content_type)
    if suffix is None:
        raise UploadRefused(messages.INIT_NOT_AN_IMAGE)
    if attachment.size > MAX_INIT_IMAGE_BYTES:
        raise UploadRefused(messages.init_too_large(MAX_INIT_IMAGE_BYTES))
    data = await attachment.read()
    path = uploads_dir / f"discord-{attachment.id}{suffix}"
    await asyncio.to_thread(_write, path, data)
    return path


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
