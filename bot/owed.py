"""Outcomes a restart still owes: a job that ended while the bot stopped, rebuilt as its event."""

from __future__ import annotations

import logging
from pathlib import Path

from bot import messages
from bot.events import JobCancelled, JobDone, JobEvent, JobFailed
from generator.pictures import read_recipe
from storage.records import JobRecord

log = logging.getLogger(__name__)


def stored_outcome(job: JobRecord, images_dir: Path) -> JobEvent:
    """The event that would have told the job's user how it ended (reads its picture's file).

    A failure's own sentence is not stored, so a failed job gets the general one; so does a done
    job whose picture can no longer be read.
    """
    if job.status == "cancelled":
        return JobCancelled(job)
    if job.status == "done":
        files = {image.kind: images_dir / image.file_name for image in job.images}
        try:
            recipe = read_recipe(files["full"])
            seconds = job.run_seconds or 0.0
            return JobDone(job, files["full"], files["preview"], recipe, seconds)
        except (KeyError, OSError, ValueError) as error:
            log.warning("the picture of job %s cannot be shown again: %r", job.id, error)
            return JobFailed(job, messages.failure_reason("not_saved"))
    return JobFailed(job, messages.failure_reason(None))
