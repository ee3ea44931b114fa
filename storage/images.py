"""The picture files of each job."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.models import Image
from storage.records import ImageFile, ImageRecord
from storage.sessions import Repository


def image_row(job_id: str, image: ImageFile, created_at: datetime) -> Image:
    """A row for a file under the images directory; only its name is kept, not the directory."""
    return Image(
        job_id=job_id,
        kind=image.kind,
        file_name=image.path.name,
        sha256=image.sha256,
        size_bytes=image.size_bytes,
        width=image.width,
        height=image.height,
        mime_type=image.mime_type,
        created_at=created_at,
    )


def image_record(image: Image) -> ImageRecord:
    return ImageRecord(
        id=image.id,
        job_id=image.job_id,
        kind=image.kind,  # type: ignore[arg-type]  # a CHECK constraint keeps it one of the kinds
        file_name=image.file_name,
        sha256=image.sha256,
        size_bytes=image.size_bytes,
        width=image.width,
        height=image.height,
        mime_type=image.mime_type,
        created_at=image.created_at,
    )


class ImageRepository(Repository):
    def add(self, job_id: str, image: ImageFile) -> ImageRecord:
        with self._sessions.write() as session:
            row = image_row(job_id, image, self._clock())
            session.add(row)
            session.flush()
            return image_record(row)

    def for_job(self, job_id: str) -> list[ImageRecord]:
        with self._sessions.read() as session:
            rows = session.scalars(select(Image).where(Image.job_id == job_id).order_by(Image.id))
            return [image_record(row) for row in rows]
