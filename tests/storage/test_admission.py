"""Admission: the limits and the job row in one transaction, exact under truly concurrent calls."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from storage.admission import AdmissionLimits, AdmissionRefusal, Admitted
from storage.database import Database
from tests.storage.builders import START, ManualClock, draw_request

GENEROUS = AdmissionLimits(max_queue=1000, max_active_per_user=1000, max_per_minute=1000)


def admit(
    database: Database, user: str = "visitor-1", limits: AdmissionLimits = GENEROUS, **fields: Any
) -> Admitted | AdmissionRefusal:
    return database.jobs.admit(
        platform="web",
        platform_user_id=user,
        display_name=fields.pop("display_name", ""),
        conversation={},
        raw_text="/วาด แมว",
        request=draw_request("แมว"),
        limits=limits,
        **fields,
    )


def all_at_once(count: int, call: Callable[[int], Admitted | AdmissionRefusal]) -> list:
    """`call(0)` … `call(count - 1)` on `count` threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def released(index: int) -> Admitted | AdmissionRefusal:
        barrier.wait()
        return call(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(released, range(count)))


def accepted(outcomes: list) -> list[Admitted]:
    return [outcome for outcome in outcomes if isinstance(outcome, Admitted)]


def test_an_admitted_job_is_queued_for_a_user_made_on_first_sight(database: Database) -> None:
    outcome = admit(database, "newcomer", display_name="Nok")
    assert isinstance(outcome, Admitted)
    assert not outcome.replayed
    assert outcome.job.status == "queued"
    user = database.users.get_or_create("web", "newcomer")
    assert (outcome.job.user_id, user.display_name) == (user.id, "Nok")
    assert database.jobs.get(outcome.job.id) == outcome.job


def test_each_limit_refuses_with_its_reason_and_number(
    database: Database, clock: ManualClock
) -> None:
    limits = AdmissionLimits(max_queue=3, max_active_per_user=2, max_per_minute=3)
    first, second = (admit(database, "a", limits) for _ in range(2))
    assert admit(database, "a", limits) == AdmissionRefusal("too_many_active", 2)
    for outcome in (first, second):
        assert isinstance(outcome, Admitted)
        database.jobs.mark_running(outcome.job.id)
        database.jobs.mark_done(outcome.job.id)
    assert isinstance(admit(database, "a", limits), Admitted)
    # Three jobs within a minute, whatever became of them.
    assert admit(database, "a", limits) == AdmissionRefusal("too_many_per_minute", 3)
    assert isinstance(admit(database, "b", limits), Admitted)
    assert isinstance(admit(database, "c", limits), Admitted)
    assert admit(database, "d", limits) == AdmissionRefusal("queue_full", 3)
    clock.set(START + timedelta(minutes=5))
    assert admit(database, "a", limits) == AdmissionRefusal("queue_full", 3)


def test_the_rate_counts_the_last_minute_only(database: Database, clock: ManualClock) -> None:
    limits = AdmissionLimits(max_queue=100, max_active_per_user=100, max_per_minute=2)
    for seconds in (0, 30):
        clock.set(START + timedelta(seconds=seconds))
        assert isinstance(admit(database, "a", limits), Admitted)
    clock.set(START + timedelta(seconds=59))
    assert admit(database, "a", limits) == AdmissionRefusal("too_many_per_minute", 2)
    clock.set(START + timedelta(seconds=61))
    assert isinstance(admit(database, "a", limits), Admitted)


def test_only_waiting_jobs_count_against_the_queue_cap(database: Database) -> None:
    limits = AdmissionLimits(max_queue=1, max_active_per_user=100, max_per_minute=100)
    first = admit(database, "a", limits)
    assert admit(database, "b", limits) == AdmissionRefusal("queue_full", 1)
    assert isinstance(first, Admitted)
    database.jobs.mark_running(first.job.id)  # out of the line, still the user's active job
    assert isinstance(admit(database, "b", limits), Admitted)


def test_the_same_idempotency_key_returns_the_first_job_whatever_the_limits(
    database: Database,
) -> None:
    limits = AdmissionLimits(max_queue=1, max_active_per_user=1, max_per_minute=1)
    first = admit(database, "a", limits, idempotency_key="draw-1")
    again = admit(database, "a", limits, idempotency_key="draw-1")
    assert isinstance(first, Admitted)
    assert isinstance(again, Admitted)
    assert (again.job, again.replayed) == (first.job, True)
    assert admit(database, "a", limits, idempotency_key="draw-2") == AdmissionRefusal(
        "queue_full", 1
    )
    # Keys belong to their user: another visitor's equal key names nothing of theirs.
    assert admit(database, "b", limits, idempotency_key="draw-1") == AdmissionRefusal(
        "queue_full", 1
    )


@pytest.mark.parametrize("count", [20, 60])
def test_concurrent_requests_of_one_user_pass_the_active_limit_exactly(
    database: Database, count: int
) -> None:
    limits = AdmissionLimits(max_queue=1000, max_active_per_user=2, max_per_minute=5)
    outcomes = all_at_once(count, lambda _: admit(database, "crowd", limits))
    assert len(accepted(outcomes)) == 2
    assert {outcome.reason for outcome in outcomes if isinstance(outcome, AdmissionRefusal)} == {
        "too_many_active"
    }
    user = database.users.get_or_create("web", "crowd")
    assert len(database.jobs.active_of_user(user.id)) == 2


@pytest.mark.parametrize("count", [20, 60])
def test_concurrent_requests_of_one_user_pass_the_rate_limit_exactly(
    database: Database, count: int
) -> None:
    limits = AdmissionLimits(max_queue=1000, max_active_per_user=1000, max_per_minute=5)
    outcomes = all_at_once(count, lambda _: admit(database, "crowd", limits))
    assert len(accepted(outcomes)) == 5


@pytest.mark.parametrize(("count", "cap"), [(20, 10), (60, 50)])
def test_concurrent_requests_of_many_users_fill_the_queue_exactly_to_its_cap(
    database: Database, count: int, cap: int
) -> None:
    limits = AdmissionLimits(max_queue=cap, max_active_per_user=2, max_per_minute=5)
    outcomes = all_at_once(count, lambda index: admit(database, f"user-{index}", limits))
    assert len(accepted(outcomes)) == cap
    assert len(database.jobs.in_states(["queued"])) == cap


def test_concurrent_retries_with_one_key_make_one_job(database: Database) -> None:
    outcomes = all_at_once(20, lambda _: admit(database, "retrier", idempotency_key="k-1"))
    jobs = accepted(outcomes)
    assert len(jobs) == 20
    assert len({outcome.job.id for outcome in jobs}) == 1
    assert sum(not outcome.replayed for outcome in jobs) == 1
