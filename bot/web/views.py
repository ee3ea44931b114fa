"""Jobs and their events as the JSON the page reads (the same shapes in the API and the stream)."""

from __future__ import annotations

import base64
import unicodedata
from typing import Any

from bot import messages as core_messages
from bot.events import (
    JobCancelled,
    JobDone,
    JobEvent,
    JobFailed,
    JobProgressed,
    JobQueued,
    JobStarted,
)
from bot.http.images import picture_name
from bot.web.recipe import model_names, negative_text, prompt_text, recipe_command
from bot.web.streams import StreamMessage
from storage.records import FeedbackCounts, JobRecord

SHORT_PROMPT_CHARS = 30


def short_prompt(job: JobRecord) -> str:
    """How a person recognises a job: its prompt, shortened (never its id)."""
    return shorten(prompt_text(job.request))


def shorten(prompt: str, limit: int = SHORT_PROMPT_CHARS) -> str:
    """At most `limit` characters, cut at a word (or after a whole letter) and marked "…"."""
    if len(prompt) <= limit:
        return prompt
    cut = prompt[:limit]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    # Thai vowel and tone marks belong to the letter before them: never end on a bare letter
    # whose marks were cut off.
    while cut and unicodedata.category(prompt[len(cut)]) == "Mn":
        cut = cut[:-1]
    return cut.rstrip() + "…"


def picture_url(job: JobRecord, kind: str) -> str | None:
    """Where the images route serves the job's picture of this kind, if it has one."""
    if not any(image.kind == kind for image in job.images):
        return None
    return f"/images/{picture_name(job.id, kind)}"


def votes_view(votes: FeedbackCounts) -> dict[str, int]:
    return {"up": votes.up, "down": votes.down, "neutral": votes.neutral}


def job_view(job: JobRecord, votes: FeedbackCounts) -> dict[str, Any]:
    """A job's picture, recipe and votes; no user names or chat addresses."""
    request = job.request
    return {
        "id": job.id,
        "status": job.status,
        "platform": job.platform,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "prompt": prompt_text(request),
        "short_prompt": short_prompt(job),
        "negative": negative_text(request),
        "styles": list(job.styles),
        "steps": job.steps,
        "width": job.width,
        "height": job.height,
        "seed": job.seed,
        "command": recipe_command(request),
        "models": model_names(job.model_versions),
        "worker": job.worker,
        "image_url": picture_url(job, "full"),
        "preview_url": picture_url(job, "preview"),
        "page_url": f"/jobs/{job.id}",
        "votes": votes_view(votes),
    }


def queued_message(position: int | None) -> StreamMessage:
    return StreamMessage("queued", {"position": position})


def cancelled_message(job: JobRecord) -> StreamMessage:
    """The page words it in the visitor's language, naming the job by its prompt."""
    return StreamMessage("cancelled", {"prompt": short_prompt(job)})


def event_message(event: JobEvent) -> StreamMessage:
    """What the page is told about one core event."""
    job = event.job
    if isinstance(event, JobQueued):
        return queued_message(event.position)
    if isinstance(event, JobStarted):
        return StreamMessage("running", {"step": 0, "total": job.steps})
    if isinstance(event, JobProgressed):
        preview = base64.b64encode(event.preview_jpeg).decode("ascii")
        return StreamMessage(
            "progress",
            {
                "step": event.step,
                "total": event.total,
                "preview": f"data:image/jpeg;base64,{preview}",
                "seconds_per_step": event.seconds_per_step,
            },
        )
    if isinstance(event, JobDone):
        return StreamMessage("done", {"job": job_view(job, FeedbackCounts())})
    if isinstance(event, JobFailed):
        return StreamMessage("failed", {"reason": event.reason})
    if isinstance(event, JobCancelled):
        return cancelled_message(job)
    raise TypeError(f"unknown job event {event!r}")


def state_message(job: JobRecord, votes: FeedbackCounts, position: int | None) -> StreamMessage:
    """Where a job stands, read from storage (a page that arrives after the events)."""
    if job.status == "queued":
        return queued_message(position)
    if job.status == "running":
        return StreamMessage("running", {"step": None, "total": job.steps})
    if job.status == "done":
        return StreamMessage("done", {"job": job_view(job, votes)})
    if job.status == "failed":
        # The stored error is the operator's; the user gets the core's general sentence.
        return StreamMessage("failed", {"reason": core_messages.failure_reason(None)})
    return cancelled_message(job)
