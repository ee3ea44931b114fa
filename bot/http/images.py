"""`GET /images/<name>`: finished pictures and their previews, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, abort, send_from_directory

# A job id (secrets.token_urlsafe) plus one of the two names the generator writes.
PICTURE_NAME = re.compile(r"^[A-Za-z0-9_-]{6,64}(?:\.png|-preview\.jpg)$")


def picture_name(job_id: str, kind: str) -> str:
    """The file name of a job's picture: kind "full" (PNG) or "preview" (small JPEG)."""
    return f"{job_id}.png" if kind == "full" else f"{job_id}-preview.jpg"


def images_blueprint(images_dir: Path) -> Blueprint:
    blueprint = Blueprint("images", __name__)

    @blueprint.get("/images/<name>")
    def picture(name: str):
        if not PICTURE_NAME.fullmatch(name):
            abort(404)
        mime_type = "image/png" if name.endswith(".png") else "image/jpeg"
        response = send_from_directory(images_dir.resolve(), name, mimetype=mime_type)
        response.headers["Cache-Control"] = "public, max-age=86400, immutable"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    return blueprint
