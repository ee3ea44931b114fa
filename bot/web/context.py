"""What the web page's request handlers share: the core, the progress streams and the rules."""

from __future__ import annotations

import re
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from bot.commands import ParseContext
from bot.web.access import AccessGate
from bot.web.rate_limit import RateLimiter
from bot.web.streams import JobStreams
from storage.records import FeedbackCounts, JobRecord

if TYPE_CHECKING:
    from bot.core import Core
    from bot.service import DrawService

T = TypeVar("T")

CALL_TIMEOUT_SECONDS = 10.0  # every call into the core is quick; generation never is waited on
# Each progress stream holds one web server thread (bot/http/server.py has 32); the rest serve
# pages, pictures and webhooks. A page that finds no free slot asks for its job now and then.
MAX_OPEN_STREAMS = 20
VOTES_PER_MINUTE = 20
JOB_ID = re.compile(r"[A-Za-z0-9_-]{6,64}")  # what storage's ids look like; others are unknown


@dataclass(frozen=True)
class JobState:
    job: JobRecord
    votes: FeedbackCounts
    position: int | None  # in the waiting line; None once it has left it


async def read_job_state(service: DrawService, job_id: str) -> JobState | None:
    job = await service.job(job_id)
    if job is None:
        return None
    return JobState(job, await service.votes(job_id), await service.position(job_id))


@dataclass(frozen=True)
class WebContext:
    core: Core
    streams: JobStreams
    gate: AccessGate
    votes_limit: RateLimiter  # per visitor
    address_draws_limit: RateLimiter  # per client address, beside the core's per-visitor limits
    address_votes_limit: RateLimiter
    parse_context: ParseContext

    @classmethod
    def create(cls, core: Core) -> WebContext:
        settings = core.settings
        token = settings.web_token.get_secret_value() if settings.web_token else None
        return cls(
            core=core,
            streams=JobStreams(max_open=MAX_OPEN_STREAMS),
            gate=AccessGate(token),
            votes_limit=RateLimiter(VOTES_PER_MINUTE, 60.0),
            address_draws_limit=RateLimiter(settings.address_draws_per_minute, 60.0),
            address_votes_limit=RateLimiter(settings.address_votes_per_minute, 60.0),
            parse_context=ParseContext.from_settings(settings, direct=True),
        )

    @property
    def service(self) -> DrawService:
        return self.core.service

    @property
    def smoke_models(self) -> bool:
        return self.core.settings.models == "smoke"

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a quick coroutine of the core on its event loop and wait for the answer."""
        return self.core.bridge.call(coroutine, CALL_TIMEOUT_SECONDS)

    def job_state(self, job_id: str) -> JobState | None:
        """The job with its votes and place in line; None for an unknown id."""
        if not JOB_ID.fullmatch(job_id):
            return None
        return self.call(read_job_state(self.service, job_id))

    def place_in_line(self, job_id: str) -> int | None:
        return self.call(_place_in_line(self.service, job_id))


async def _place_in_line(service: DrawService, job_id: str) -> int | None:
    return await service.position(job_id)
