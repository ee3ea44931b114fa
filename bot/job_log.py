"""One log line per job state change, carrying the job id (observes the draw service)."""

from __future__ import annotations

import logging

from bot.events import (
    FeedbackRecorded,
    JobCancelled,
    JobDone,
    JobFailed,
    JobQueued,
    JobStarted,
    ServiceEvent,
)

log = logging.getLogger("bot.jobs")


def log_job_event(event: ServiceEvent) -> None:
    """Log queued, started, done, failed and cancelled jobs; progress and feedback are metrics."""
    if isinstance(event, FeedbackRecorded):
        return
    job = event.job
    fields = {"job_id": job.id, "platform": job.platform}
    if isinstance(event, JobQueued):
        log.info("job queued at position %d", event.position, extra=fields)
    elif isinstance(event, JobStarted):
        log.info("job started (%d steps, %dx%d)", job.steps, job.width, job.height, extra=fields)
    elif isinstance(event, JobDone):
        log.info("job done in %.1f s", event.seconds, extra=fields)
    elif isinstance(event, JobFailed):
        log.warning("job failed: %s", job.error, extra=fields)
    elif isinstance(event, JobCancelled):
        log.info("job cancelled", extra=fields)
