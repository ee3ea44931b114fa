"""Admission: the limits a new job must pass and its row, in one storage transaction."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any

from bot import messages
from storage.admission import AdmissionLimits, AdmissionRefusal, Admitted, RefusalReason
from storage.database import Database

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.service import Origin, ServiceLimits

REFUSALS: dict[RefusalReason, Callable[[int], messages.Sentence]] = {
    "queue_full": messages.queue_full,
    "too_many_active": messages.too_many_active_jobs,
    "too_many_per_minute": messages.too_many_jobs_per_minute,
}


class Admission:
    """A full line, too many active jobs of one user, too many jobs of one user in a minute.

    Storage checks them and writes the job row in one transaction that admissions take one at
    a time (storage.admission), so requests arriving together never pass a limit together.
    """

    def __init__(self, database: Database, limits: ServiceLimits) -> None:
        self.database = database
        self.limits = AdmissionLimits(
            limits.max_queue, limits.max_jobs_per_user, limits.max_jobs_per_minute
        )

    async def admit(
        self,
        origin: Origin,
        raw_text: str,
        request: dict[str, Any],
        idempotency_key: str | None = None,
    ) -> Admitted | messages.Sentence:
        """The stored job (or the one this idempotency key made before), or why not."""
        outcome = await asyncio.to_thread(
            partial(
                self.database.jobs.admit,
                platform=origin.platform,
                platform_user_id=origin.user_id,
                display_name=origin.display_name,
                conversation=origin.conversation,
                raw_text=raw_text,
                request=request,
                limits=self.limits,
                idempotency_key=idempotency_key,
            )
        )
        if isinstance(outcome, AdmissionRefusal):
            return REFUSALS[outcome.reason](outcome.limit)
        return outcome
