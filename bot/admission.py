"""Admission: the limits a new job must pass, and the job row written once it has."""

from __future__ import annotations

import asyncio
from collections.abc import Sized
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot import messages
from storage.database import Database
from storage.records import JobRecord

if TYPE_CHECKING:
    from bot.service import Origin, ServiceLimits


class Admission:
    """A full line, too many active jobs of one user, too many jobs of one user in a minute."""

    def __init__(self, database: Database, limits: ServiceLimits, waiting: Sized) -> None:
        self.database = database
        self.limits = limits
        self.waiting = waiting  # the jobs in line (running ones are not counted)

    async def admit(
        self, origin: Origin, raw_text: str, request: dict[str, Any]
    ) -> JobRecord | messages.Sentence:
        """The stored job, or the sentence that says which limit refused it."""
        limits, database = self.limits, self.database
        if len(self.waiting) >= limits.max_queue:
            return messages.queue_full(limits.max_queue)
        user = await asyncio.to_thread(
            database.users.get_or_create, origin.platform, origin.user_id, origin.display_name
        )
        if await asyncio.to_thread(database.jobs.count_active, user.id) >= limits.max_jobs_per_user:
            return messages.too_many_active_jobs(limits.max_jobs_per_user)
        since = datetime.now(UTC) - timedelta(minutes=1)
        recent = await asyncio.to_thread(database.jobs.count_created_since, user.id, since)
        if recent >= limits.max_jobs_per_minute:
            return messages.too_many_jobs_per_minute(limits.max_jobs_per_minute)
        return await asyncio.to_thread(
            database.jobs.create,
            user_id=user.id,
            platform=origin.platform,
            conversation=origin.conversation,
            raw_text=raw_text,
            request=request,
        )
