"""Finished pictures for the web gallery: newest first, filtered by style and by people's votes.

Votes follow `tally_votes` (computed in Python), so the filters run in Python too and SQLite and
PostgreSQL give the same pages. Rows are read in batches from the newest, and a page never reads
more than MAX_SCANNED rows, however rare its filter; its `older` cursor continues the search.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from storage.database import Database
from storage.errors import JobNotFound
from storage.feedback import tally_votes, vote_events
from storage.jobs import job_record
from storage.models import Feedback, Job
from storage.records import FeedbackCounts, JobRecord

VoteFilter = Literal["liked", "disliked"]
SCAN_BATCH = 200
MAX_SCANNED = 2000


@dataclass(frozen=True)
class GalleryItem:
    job: JobRecord
    votes: FeedbackCounts


@dataclass(frozen=True)
class GalleryPage:
    items: tuple[GalleryItem, ...]
    older: str | None  # pass as `before` for the next page; None when no older picture is left


def matches(item: GalleryItem, style: str | None, vote: VoteFilter | None) -> bool:
    """Liked: more people approve than disapprove; disliked: the other way round."""
    if style is not None and style not in item.job.styles:
        return False
    if vote == "liked":
        return item.votes.up > item.votes.down
    if vote == "disliked":
        return item.votes.down > item.votes.up
    return True


def recent_pictures(
    database: Database,
    *,
    limit: int = 24,
    style: str | None = None,
    vote: VoteFilter | None = None,
    before: str | None = None,
) -> GalleryPage:
    """Up to `limit` finished jobs (from every platform) with their votes, newest first.

    `before` is a job id from an earlier page's `older`; an unknown id raises JobNotFound.
    """
    done = select(Job).options(selectinload(Job.images)).where(Job.status == "done")
    newest_first = done.order_by(Job.finished_at.desc(), Job.id.desc()).limit(SCAN_BATCH)
    items: list[GalleryItem] = []
    scanned = 0
    with database.sessions.read() as session:
        cursor = session.get(Job, before) if before is not None else None
        if before is not None and (cursor is None or cursor.finished_at is None):
            raise JobNotFound(before)
        while len(items) < limit and scanned < MAX_SCANNED:
            query = newest_first
            if cursor is not None:
                query = query.where(
                    or_(
                        Job.finished_at < cursor.finished_at,
                        and_(Job.finished_at == cursor.finished_at, Job.id < cursor.id),
                    )
                )
            batch = list(session.scalars(query))
            if not batch:
                return GalleryPage(tuple(items), None)
            events = vote_events().where(Feedback.job_id.in_([job.id for job in batch]))
            votes = tally_votes(session.execute(events))
            for job in batch:
                scanned += 1
                cursor = job
                item = GalleryItem(job_record(job), votes.get(job.id, FeedbackCounts()))
                if matches(item, style, vote):
                    items.append(item)
                    if len(items) == limit:
                        break
            if len(batch) < SCAN_BATCH and cursor is batch[-1]:
                return GalleryPage(tuple(items), None)  # the oldest picture was read
    return GalleryPage(tuple(items), cursor.id if cursor is not None else None)
