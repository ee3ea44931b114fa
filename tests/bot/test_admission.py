"""The service's limits hold for submissions that arrive together, on SQLite and PostgreSQL.

A started service whose generators (FakeGenerators) hold one job and finish nothing, so no job
leaves the line or finishes while the crowd arrives: the numbers accepted are exact.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.service import Accepted, DrawService, Refused, ServiceLimits
from storage.database import Database
from tests.bot.conftest import draw_request, origin
from tests.bot.fakes import FakeGenerators

LIMITS = ServiceLimits(max_queue=50, max_jobs_per_user=2, max_jobs_per_minute=5)


@pytest.fixture
async def busy_service(database_url: str, tmp_path: Path) -> AsyncIterator[DrawService]:
    """A started service on `database_url` whose generator holds one job it never finishes."""
    database = await asyncio.to_thread(Database.open, database_url)
    generators = FakeGenerators(tmp_path / "images", batch_size=1)  # the blocker holds its place
    service = DrawService(database, generators, LIMITS, images_dir=tmp_path / "images")
    await service.start()
    blocker = await service.submit(draw_request(), origin("blocker"), "/วาด บล็อก")
    assert isinstance(blocker, Accepted)
    await generators.next_batch()
    yield service
    await service.stop(grace_seconds=1)
    await asyncio.to_thread(database.close)


async def crowd(service: DrawService, users: list[str]) -> list[Accepted | Refused]:
    """One submission per entry of `users`, all at once."""
    return await asyncio.gather(
        *(service.submit(draw_request(), origin(user), "/วาด คฤหาสน์") for user in users)
    )


def accepted(outcomes: list[Accepted | Refused]) -> list[Accepted]:
    return [outcome for outcome in outcomes if isinstance(outcome, Accepted)]


async def test_a_crowd_of_submissions_gets_exactly_what_the_limits_allow(
    busy_service: DrawService,
) -> None:
    # 20 at once from one person: the active-job limit (2), not more.
    one_person = await crowd(busy_service, ["eager"] * 20)
    assert len(accepted(one_person)) == 2
    assert {outcome.message for outcome in one_person if isinstance(outcome, Refused)} == {
        "คุณมีงานรออยู่ 2 งานแล้ว รอให้เสร็จก่อนหรือพิมพ์ /ยกเลิก"
    }
    # 60 at once from 60 people: the queue fills to its cap (50, two places taken), not more.
    many = await crowd(busy_service, [f"person-{index}" for index in range(60)])
    assert len(accepted(many)) == 48
    waiting = await asyncio.to_thread(busy_service.database.jobs.in_states, ["queued"])
    assert len(waiting) == len(await busy_service.waiting_ids()) == 50
    everyone = accepted(one_person + many)
    positions = sorted([await busy_service.position(outcome.job.id) or 0 for outcome in everyone])
    assert positions == list(range(1, 51))
    # The fair line: the eager person's second job goes behind everyone else's first.
    eager = [await busy_service.position(outcome.job.id) or 0 for outcome in accepted(one_person)]
    assert max(eager) == 50


async def test_a_retry_with_the_same_key_gets_the_first_job_and_queues_nothing(
    busy_service: DrawService,
) -> None:
    request = draw_request()
    first, *retries = await asyncio.gather(
        *(
            busy_service.submit(request, origin("retrier"), "/วาด", idempotency_key="attempt-1")
            for _ in range(20)
        )
    )
    assert isinstance(first, Accepted)
    assert {(o.job.id, o.position) for o in retries if isinstance(o, Accepted)} == {
        (first.job.id, 1)
    }
    assert len(await busy_service.waiting_ids()) == 1


async def test_a_retry_while_its_first_is_still_being_admitted_is_told_its_place_in_line(
    busy_service: DrawService,
) -> None:
    admit, calls = busy_service.database.jobs.admit, itertools.count(1)

    def slow_to_return_first(**fields):
        outcome = admit(**fields)
        if next(calls) == 1:
            time.sleep(0.3)  # the row is stored; its request has not reached the line yet
        return outcome

    busy_service.database.jobs.admit = slow_to_return_first
    first, retry = await asyncio.gather(
        *(
            busy_service.submit(draw_request(), origin("retrier"), "/วาด", idempotency_key="k")
            for _ in range(2)
        )
    )
    assert isinstance(first, Accepted)
    assert isinstance(retry, Accepted)
    assert first.position == 1
    assert (retry.job.id, retry.position) == (first.job.id, 1)
