from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from storage.database import Database
from tests.storage.builders import Picture, new_job


def test_images_are_kept_by_file_name_and_listed_per_job(database: Database) -> None:
    user = database.users.get_or_create("web", "w1")
    job, other = new_job(database, user.id), new_job(database, user.id)
    full = database.images.add(job.id, Picture("full", Path("/srv/data/images") / f"{job.id}.png"))
    preview = database.images.add(
        job.id, Picture("preview", Path(f"{job.id}.jpg"), size_bytes=99, mime_type="image/jpeg")
    )
    assert (full.job_id, full.kind, full.file_name, full.size_bytes) == (
        job.id,
        "full",
        f"{job.id}.png",
        2048,
    )
    assert (full.sha256, full.width, full.height, full.mime_type) == (
        "cd" * 32,
        512,
        256,
        "image/png",
    )
    assert database.images.for_job(job.id) == [full, preview]
    assert database.images.for_job(other.id) == []
    assert database.jobs.get(job.id).images == (full, preview)


def test_a_job_has_one_image_of_each_kind(database: Database) -> None:
    user = database.users.get_or_create("web", "w1")
    job = new_job(database, user.id)
    database.images.add(job.id, Picture("full", Path("a.png")))
    with pytest.raises(IntegrityError):
        database.images.add(job.id, Picture("full", Path("b.png")))
    assert [image.file_name for image in database.images.for_job(job.id)] == ["a.png"]


def test_an_image_of_an_unknown_job_is_refused(database: Database) -> None:
    with pytest.raises(IntegrityError):
        database.images.add("nope", Picture("full", Path("a.png")))
