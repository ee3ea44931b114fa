"""The draw service with FakeGenerators: limits, the line, cancel, retries and recovery.

The database is real SQLite; the generators are the test's (tests/bot/fakes.py), so nothing here
waits for a drawing. tests/bot/generators/test_local.py runs the same service on the real process.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy.exc
from PIL import Image

from bot import messages
from bot import service as service_module
from bot.events import JobCancelled, JobDone, JobFailed, JobProgressed, JobQueued, JobStarted
from bot.generators import GeneratorState
from bot.generators.pictures import save_pictures
from bot.generators.wire import GeneratorJob
from bot.service import Accepted, DrawService, QueueNow, Refused, ServiceLimits
from generator.pictures import read_recipe
from storage.database import Database
from storage.stats import load_job_facts
from tests.bot.conftest import EventLog, draw_request, origin
from tests.bot.fakes import FakeGenerators


async def submit(service, request=None, who="alice") -> Accepted:
    outcome = await service.submit(request or draw_request(), origin(who), "/วาด คฤหาสน์")
    assert isinstance(outcome, Accepted), outcome
    return outcome


def ids(batch: list[GeneratorJob]) -> list[str]:
    return [job.job_id for job in batch]


def hold_marking(service, call: int = 1) -> tuple[threading.Event, threading.Event]:
    """The `call`-th marking of a job as running waits for `release`; `marking` says it began."""
    marking, release = threading.Event(), threading.Event()
    mark_running = service.database.jobs.mark_running
    calls = itertools.count(1)

    def held_mark_running(*args, **kwargs):
        if next(calls) == call:
            marking.set()
            release.wait(timeout=10)
        return mark_running(*args, **kwargs)

    service.database.jobs.mark_running = held_mark_running
    return marking, release


# --- the way of one job ------------------------------------------------------------------------


async def test_a_job_is_written_before_it_is_queued_and_comes_back_as_a_picture(make_service):
    service, log, generators = await make_service()
    accepted = await submit(service, draw_request(steps=4, seed=9))
    assert accepted.job.status == "queued"
    assert await generators.next_batch() == [GeneratorJob(accepted.job.id, accepted.job.request)]
    assert (await service.job(accepted.job.id)).status == "running"

    generators.finish(accepted.job.id)
    done = await log.wait_for(accepted.job.id, JobDone)
    assert done.job.status == "done"
    assert read_recipe(done.image_path)["seed"] == 9
    stored = await service.job(accepted.job.id)
    assert {image.kind for image in stored.images} == {"full", "preview"}
    assert stored.model_versions == {"kind": "fake"}


async def test_events_arrive_in_order_queued_started_progress_done(make_service):
    service, log, generators = await make_service()
    accepted = await submit(service, draw_request(steps=3))
    await generators.next_batch()
    for step in (1, 2, 3):
        generators.progress(accepted.job.id, step, 3)
    generators.finish(accepted.job.id)
    await log.wait_for(accepted.job.id, JobDone)
    assert log.kinds(accepted.job.id) == ["JobQueued", "JobStarted"] + ["JobProgressed"] * 3 + [
        "JobDone"
    ]
    progress = [e for e in log.of(accepted.job.id) if isinstance(e, JobProgressed)]
    assert [(e.step, e.total) for e in progress] == [(1, 3), (2, 3), (3, 3)]


async def test_a_failure_reaches_the_user_as_the_thai_sentence_for_its_reason(make_service):
    service, log, generators = await make_service()
    accepted = await submit(service)
    await generators.next_batch()
    generators.fail(accepted.job.id, "not_saved", "OSError: [Errno 28] No space left on device")
    failed = await log.wait_for(accepted.job.id, JobFailed)
    assert failed.reason == messages.failure_reason("not_saved")
    stored = await service.job(accepted.job.id)
    assert (stored.status, stored.error) == (
        "failed",
        "OSError: [Errno 28] No space left on device",
    )


# --- admission ---------------------------------------------------------------------------------


async def test_a_job_being_handed_to_the_generator_is_counted_as_running(make_service):
    """Between leaving the line and its row saying `running`, a job is in neither count no more."""
    service, _, generators = await make_service()
    marking, release = hold_marking(service)
    accepted = await submit(service)
    await asyncio.to_thread(marking.wait, 10)
    assert await service.queue_now() == QueueNow(waiting=0, running=1)
    release.set()
    assert ids(await generators.next_batch()) == [accepted.job.id]
    assert await service.queue_now() == QueueNow(waiting=0, running=1)


async def test_positions_count_the_jobs_ahead_in_line(make_service):
    service, log, generators = await make_service(max_jobs_per_user=5)
    await submit(service)
    await generators.next_batch()  # the first job is drawing: it is ahead of no one
    second = await submit(service, draw_request(size=80), who="bob")
    third = await submit(service, draw_request(size=96), who="carol")
    assert (second.position, third.position) == (1, 2)
    queued = await log.wait_for(third.job.id, JobQueued)
    assert queued.position == 2


async def test_one_user_may_not_hold_more_than_the_active_job_limit(make_service):
    service, _, _ = await make_service(max_jobs_per_user=2)
    await submit(service)
    await submit(service)
    refused = await service.submit(draw_request(), origin("alice"), "/วาด")
    assert refused == Refused(*messages.too_many_active_jobs(2))
    assert isinstance(await service.submit(draw_request(), origin("bob"), "/วาด"), Accepted)


async def test_the_per_minute_limit_counts_finished_jobs_too(make_service):
    service, log, generators = await make_service(max_jobs_per_minute=2, max_jobs_per_user=5)
    for _ in range(2):
        accepted = await submit(service)
        await generators.next_batch()
        generators.finish(accepted.job.id)
        await log.wait_for(accepted.job.id, JobDone)
    refused = await service.submit(draw_request(), origin("alice"), "/วาด")
    assert refused == Refused(*messages.too_many_jobs_per_minute(2))


async def test_a_full_queue_refuses_new_jobs_with_a_thai_sentence(make_service):
    service, _, generators = await make_service(max_queue=1, batch_size=1)
    await submit(service, who="a")
    await generators.next_batch()  # drawing, so no longer in line
    await submit(service, who="b")
    refused = await service.submit(draw_request(), origin("c"), "/วาด")
    assert refused == Refused(*messages.queue_full(1))


async def test_a_stopping_service_refuses_new_jobs_with_a_thai_sentence(make_service):
    service, _, _ = await make_service()
    await service.stop(grace_seconds=1)
    refused = await service.submit(draw_request(), origin("alice"), "/วาด")
    assert refused == Refused(*messages.SERVICE_STOPPING)


# --- cancelling --------------------------------------------------------------------------------


async def test_a_waiting_job_is_cancelled_by_its_owner_only(make_service):
    service, log, generators = await make_service(batch_size=1)
    await submit(service, who="bob")
    await generators.next_batch()
    waiting = await submit(service)
    assert await service.cancel(origin("carol"), waiting.job.id) == messages.NOTHING_TO_CANCEL
    assert await service.cancel(origin("alice")) == messages.cancelled(waiting.job.id)
    await log.wait_for(waiting.job.id, JobCancelled)
    assert (await service.job(waiting.job.id)).status == "cancelled"
    assert await service.position(waiting.job.id) is None
    assert generators.cancelled == []  # the generators never heard of it


async def test_a_running_job_is_cancelled_by_the_generators(make_service):
    service, log, generators = await make_service()
    accepted = await submit(service)
    await generators.next_batch()
    generators.progress(accepted.job.id, 1, 3)
    assert await service.cancel(origin("alice")) == messages.cancelling(accepted.job.id)
    assert generators.cancelled == [accepted.job.id]
    await log.wait_for(accepted.job.id, JobCancelled)
    assert (await service.job(accepted.job.id)).status == "cancelled"


async def test_a_job_cancelled_while_being_handed_to_the_generators_is_stopped_once_they_have_it(
    make_service,
):
    service, log, generators = await make_service()
    await submit(service, draw_request(size=80), who="zoe")
    await generators.next_batch()
    first, second = [await submit(service, who=who) for who in ("alice", "bob")]
    marking, release = hold_marking(service, call=2)  # the first is marked, the second waits
    generators.finish_batch()  # both go in the next handover
    await asyncio.to_thread(marking.wait, 10)
    assert await service.cancel(origin("alice")) == messages.cancelling(first.job.id)
    release.set()
    assert ids(await generators.next_batch()) == [first.job.id, second.job.id]
    await log.wait_for(first.job.id, JobCancelled)
    assert generators.cancelled[-1] == first.job.id
    assert generators.running == [second.job.id]


async def test_a_job_cancelled_after_its_generator_died_is_not_drawn_again(make_service):
    service, log, generators = await make_service()
    accepted = await submit(service)
    await generators.next_batch()
    generators.crash()  # gone, and not noticed yet: the cancel cannot reach it
    assert await service.cancel(origin("alice")) == messages.cancelling(accepted.job.id)
    generators.die()
    await log.wait_for(accepted.job.id, JobCancelled)
    assert (await service.job(accepted.job.id)).status == "cancelled"
    later = await submit(service, who="bob")
    assert ids(await generators.next_batch()) == [later.job.id]


# --- batches -----------------------------------------------------------------------------------


async def test_a_batch_is_the_first_in_line_and_later_jobs_of_its_size(make_service):
    service, _, generators = await make_service(batch_size=3, max_jobs_per_user=5)
    await submit(service, draw_request(size=80), who="z")
    await generators.next_batch()
    first = await submit(service, who="u0")
    other = await submit(service, draw_request(size=96), who="v")
    same = [first] + [await submit(service, who=f"u{n}") for n in (1, 2, 3)]

    generators.finish_batch()
    assert ids(await generators.next_batch()) == [a.job.id for a in same[:3]]  # up to the size
    generators.finish_batch()
    assert ids(await generators.next_batch()) == [other.job.id]  # now first in line
    generators.finish_batch()
    assert ids(await generators.next_batch()) == [same[3].job.id]


# --- when the generator dies -------------------------------------------------------------------


async def test_a_job_the_generator_dies_on_is_retried_once_then_failed_with_a_message(
    make_service,
):
    service, log, generators = await make_service()
    accepted = await submit(service)
    await generators.next_batch()
    generators.die()
    assert ids(await generators.next_batch()) == [accepted.job.id]  # restarted, tried again
    assert (await service.job(accepted.job.id)).attempts == 1
    assert generators.restarts == 1
    generators.die()
    failed = await log.wait_for(accepted.job.id, JobFailed)
    assert failed.reason == messages.GENERATOR_CRASHED
    assert (await service.job(accepted.job.id)).status == "failed"

    after = await submit(service, who="bob")  # the restarted generator draws the next job
    assert ids(await generators.next_batch()) == [after.job.id]
    assert generators.restarts == 2


async def test_a_death_puts_only_the_jobs_without_an_outcome_back_at_the_front_of_the_line(
    make_service,
):
    service, _, generators = await make_service(max_jobs_per_user=5)
    await submit(service, draw_request(size=80), who="z")
    await generators.next_batch()
    first, second = [await submit(service, who=who) for who in ("a", "b")]
    later = await submit(service, draw_request(size=96), who="c")
    generators.finish_batch()
    assert ids(await generators.next_batch()) == [first.job.id, second.job.id]

    generators.finish(first.job.id)
    generators.die()
    assert ids(await generators.next_batch()) == [second.job.id]  # ahead of `later`
    assert (await service.job(first.job.id)).status == "done"
    assert (await service.job(later.job.id)).status == "queued"


async def test_when_the_models_cannot_load_everyone_waiting_is_told_so(make_service):
    service, log, generators = await make_service(max_jobs_per_user=5)
    drawing = await submit(service)
    await generators.next_batch()
    waiting = await submit(service, draw_request(size=80))
    generators.load_error = "no VQGAN in /weights"
    generators.die()
    for accepted in (drawing, waiting):
        failed = await log.wait_for(accepted.job.id, JobFailed)
        assert failed.reason == messages.GENERATOR_UNAVAILABLE
    assert generators.status().state == GeneratorState.LOAD_FAILED

    later = await submit(service, who="bob")  # tried again for each newcomer, who is told too
    failed = await log.wait_for(later.job.id, JobFailed)
    assert failed.reason == messages.GENERATOR_UNAVAILABLE


# --- restarts of the bot -----------------------------------------------------------------------


async def test_jobs_left_in_the_database_are_taken_up_by_the_next_start(make_service, tmp_path):
    database = Database.open(f"sqlite:///{tmp_path / 'thaidraw.db'}")
    user = database.users.get_or_create("web", "alice", "Alice")

    def stored(seed: int) -> str:
        request = draw_request(seed=seed).to_dict()
        job = database.jobs.create(
            user_id=user.id, platform="web", conversation={}, raw_text="/วาด", request=request
        )
        return job.id

    waiting, interrupted, interrupted_twice = stored(1), stored(2), stored(3)
    database.jobs.mark_running(interrupted)
    database.jobs.mark_running(interrupted_twice)
    database.jobs.requeue(interrupted_twice)
    database.jobs.mark_running(interrupted_twice)
    database.close()

    service, log, generators = await make_service()
    assert ids(await generators.next_batch()) == [waiting, interrupted]
    assert (await service.job(waiting)).attempts == 0
    assert (await service.job(interrupted)).attempts == 1
    failed = await log.wait_for(interrupted_twice, JobFailed)
    assert failed.reason == messages.INTERRUPTED_TWICE


async def test_jobs_the_database_could_not_mark_running_wait_at_the_front_for_another_try(
    make_service, monkeypatch
):
    monkeypatch.setattr("bot.dispatcher.STORAGE_RETRY_SECONDS", 0.1)
    service, log, generators = await make_service()
    mark_running = service.database.jobs.mark_running
    calls = itertools.count(1)

    def locked_once(*args, **kwargs):
        if next(calls) == 1:
            raise sqlalchemy.exc.OperationalError("UPDATE jobs", {}, Exception("locked"))
        return mark_running(*args, **kwargs)

    service.database.jobs.mark_running = locked_once
    accepted = await submit(service)
    assert ids(await generators.next_batch()) == [accepted.job.id]
    stored = await service.job(accepted.job.id)
    assert (stored.status, stored.attempts) == ("running", 0)
    assert log.kinds(accepted.job.id) == ["JobQueued", "JobStarted"]


async def test_a_stop_during_a_handover_lets_it_end_and_requeues_its_jobs(make_service):
    service, _, _ = await make_service()
    marking, release = hold_marking(service)
    accepted = await submit(service)
    await asyncio.to_thread(marking.wait, 10)
    stopping = asyncio.create_task(service.stop(grace_seconds=0.5))
    await asyncio.sleep(0.2)
    assert not stopping.done()  # it waits for the job to be marked running and handed over
    release.set()
    await stopping
    stored = await service.job(accepted.job.id)
    assert (stored.status, stored.attempts) == ("queued", 0)  # no attempt lost to the stop


async def test_a_clean_stop_requeues_the_running_job_for_the_next_start(make_service):
    service, _, generators = await make_service()
    accepted = await submit(service)
    await generators.next_batch()
    await service.stop(grace_seconds=0.5)
    stored = await service.job(accepted.job.id)
    assert (stored.status, stored.attempts) == ("queued", 0)

    _, log, generators = await make_service()
    assert ids(await generators.next_batch()) == [accepted.job.id]
    await log.wait_for(accepted.job.id, JobStarted)


# --- what adapters remember and ask for --------------------------------------------------------


async def finished(service, log, generators, request=None, who="alice") -> Accepted:
    accepted = await submit(service, request, who)
    await generators.next_batch()
    generators.finish(accepted.job.id)
    await log.wait_for(accepted.job.id, JobDone)
    return accepted


async def test_feedback_is_stored_per_person_and_counted(make_service):
    service, log, generators = await make_service()
    job_id = (await finished(service, log, generators)).job.id
    await service.record_feedback(job_id, origin("bob"), "emoji", "👍", 1)
    await service.record_feedback(job_id, origin("carol"), "emoji", "👎", -1)
    counts = await service.record_feedback(job_id, origin("carol"), "emoji", "👎", -1, removed=True)
    assert (counts.up, counts.down) == (1, 0)
    assert await service.record_feedback("missing", origin("bob"), "emoji", "👍", 1) is None


async def test_a_redraw_queues_the_same_recipe_with_a_new_seed(make_service):
    service, log, generators = await make_service()
    first = await finished(service, log, generators, draw_request(seed=3, styles=("ภาพสวย",)))
    again = await service.redraw(first.job.id, origin("bob"))
    assert isinstance(again, Accepted)
    assert again.job.request["styles"] == ["ภาพสวย"]
    assert again.job.seed != 3


async def test_continuing_starts_from_the_finished_picture(make_service, tmp_path):
    service, log, generators = await make_service()
    first = await finished(service, log, generators)
    more = await service.continue_from(first.job.id, origin("alice"), extra_steps=2)
    assert isinstance(more, Accepted)
    (job,) = await generators.next_batch()
    assert job.request["init_image"] == str(tmp_path / "images" / f"{first.job.id}.png")
    assert job.request["steps"] == 2


async def test_events_of_one_platform_never_wait_for_a_slow_other_platform(make_service):
    service, log, generators = await make_service(max_jobs_per_user=5)
    stuck = asyncio.Event()

    async def slow_adapter(event) -> None:
        await stuck.wait()

    service.subscribe("line", slow_adapter)
    await service.submit(draw_request(), origin("x", platform="line"), "/วาด")
    await generators.next_batch()
    generators.finish_batch()
    accepted = await submit(service)
    await generators.next_batch()
    generators.finish(accepted.job.id)
    await log.wait_for(accepted.job.id, JobDone)
    stuck.set()


# --- continuous batching -----------------------------------------------------------------------


async def test_a_job_of_the_running_size_joins_the_batch_at_once(make_service):
    service, log, generators = await make_service()
    first = await submit(service, draw_request(steps=50), who="a")
    await generators.next_batch()
    generators.progress(first.job.id, 1, 50)
    joiner = await submit(service, draw_request(steps=5), who="b")
    assert ids(await generators.next_batch()) == [joiner.job.id]  # while the first still runs
    generators.finish(joiner.job.id)  # and it leaves first, its picture sent at once
    await log.wait_for(joiner.job.id, JobDone)
    assert generators.running == [first.job.id]


async def test_with_continuous_batching_off_a_job_waits_for_the_whole_batch(make_service):
    service, _, generators = await make_service(continuous=False)
    first = await submit(service, who="a")
    await generators.next_batch()
    later = await submit(service, who="b")
    await asyncio.sleep(0.05)
    assert generators.batches == [[GeneratorJob(first.job.id, first.job.request)]]
    assert await service.position(later.job.id) == 1
    generators.finish(first.job.id)
    assert ids(await generators.next_batch()) == [later.job.id]


async def test_a_job_of_another_size_waits_until_the_running_size_drains(make_service):
    service, _, generators = await make_service(max_jobs_per_user=5)
    small = await submit(service, who="a")
    await generators.next_batch()
    big = await submit(service, draw_request(size=96), who="b")
    joiner = await submit(service, who="c")
    assert ids(await generators.next_batch()) == [joiner.job.id]  # it passes the big one
    generators.finish_batch()
    assert ids(await generators.next_batch()) == [big.job.id]
    assert small.job.id not in generators.running


async def test_an_old_job_of_another_size_stops_the_running_size_from_taking_more(make_service):
    service, _, generators = await make_service(max_jobs_per_user=5)
    generators.job_seconds = 0.05  # "one batch's time", as the service measures it
    warm_up = await submit(service, who="w")
    await generators.next_batch()
    generators.finish(warm_up.job.id)
    running = await submit(service, who="a")
    await generators.next_batch()
    big = await submit(service, draw_request(size=96), who="b")
    await asyncio.sleep(0.1)  # the big job has now waited longer than a batch takes
    late = await submit(service, who="c")
    await asyncio.sleep(0.05)
    assert generators.running == [running.job.id]  # `late` did not join
    generators.finish(running.job.id)
    assert ids(await generators.next_batch()) == [big.job.id]
    assert await service.position(late.job.id) == 1


async def test_places_follow_what_the_generators_measured_per_size(make_service):
    service, _, generators = await make_service(max_jobs_per_user=5, batch_size=4)
    generators.capacity[(64, 64)] = 2  # the memory a 64×64 job needs, as measured
    accepted = [await submit(service, who=f"u{n}") for n in range(3)]
    first = ids(await generators.next_batch())
    more = [] if len(first) == 2 else ids(await generators.next_batch())
    assert len(first + more) == 2
    assert await service.position(accepted[2].job.id) == 1


async def test_jobs_in_flight_when_the_generator_dies_are_each_retried_once_then_failed(
    make_service,
):
    service, log, generators = await make_service(max_jobs_per_user=5)
    first = await submit(service, who="a")
    await generators.next_batch()
    joiner = await submit(service, who="b")
    await generators.next_batch()  # joined the running batch
    generators.die()
    retried = set(ids(await generators.next_batch()))
    assert retried == {first.job.id, joiner.job.id}
    generators.die()
    for accepted in (first, joiner):
        failed = await log.wait_for(accepted.job.id, JobFailed)
        assert failed.reason == messages.GENERATOR_CRASHED


async def test_a_burst_from_one_person_does_not_hold_back_others(make_service):
    service, _, generators = await make_service(max_jobs_per_user=5, batch_size=1)
    blocker = await submit(service, who="x")
    await generators.next_batch()
    burst = [await submit(service, who="eager") for _ in range(4)]
    others = [await submit(service, who=who) for who in ("bob", "carol")]
    assert [o.position for o in others] == [2, 3]  # behind the eager person's first job only
    generators.finish(blocker.job.id)
    served = []
    for _ in range(6):
        (job,) = await generators.next_batch()
        served.append(job.job_id)
        generators.finish(job.job_id)
    expected = [burst[0], *others, *burst[1:]]
    assert served == [a.job.id for a in expected]


# --- reports -------------------------------------------------------------------------------------


async def test_a_crowd_of_dashboard_loads_never_holds_up_a_draw(make_service, monkeypatch):
    service, _, generators = await make_service()
    released = threading.Event()

    def slow_load(database, since):
        released.wait(timeout=30)
        return load_job_facts(database, since)

    monkeypatch.setattr(service_module, "load_job_facts", slow_load)
    # As many default threads on any machine as on a small one (min(32, cores + 4)).
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(6))
    loads = [asyncio.create_task(service.quality()) for _ in range(20)]
    try:
        async with asyncio.timeout(5):  # the default threads would all be waiting
            accepted = await submit(service)
            assert ids(await generators.next_batch()) == [accepted.job.id]
    finally:
        released.set()
    reports = await asyncio.gather(*loads)
    assert {report.jobs for report in reports} == {1}


# --- outcomes a restart owes ---------------------------------------------------------------------


async def started_service(tmp_path, handler, observer=None) -> DrawService:
    """A service on tmp_path's database whose web jobs' events go to `handler`."""
    database = Database.open(f"sqlite:///{tmp_path / 'thaidraw.db'}")
    images_dir = tmp_path / "images"
    service = DrawService(
        database, FakeGenerators(images_dir), ServiceLimits(), images_dir=images_dir
    )
    service.subscribe("web", handler)
    if observer is not None:
        service.observe(observer)
    await service.start()
    return service


async def stopped(service: DrawService) -> Database:
    """Stop the service (its outbox delivers what it holds first); its database stays open."""
    await service.stop(grace_seconds=5)
    return service.database


async def test_an_outcome_its_platform_could_not_tell_is_told_once_at_the_next_start(tmp_path):
    async def platform_down(event) -> None:
        if isinstance(event, JobDone):
            raise ConnectionError("the platform is unreachable")

    first = await started_service(tmp_path, platform_down)
    accepted = await submit(first)
    await first.generators.next_batch()
    first.generators.finish(accepted.job.id)
    with await stopped(first) as database:
        assert database.jobs.get(accepted.job.id).told_at is None

    log, observed = EventLog(), []
    second = await started_service(tmp_path, log, observed.append)
    done = await log.wait_for(accepted.job.id, JobDone)
    assert read_recipe(done.image_path) == done.recipe
    assert done.preview_path.exists()
    with await stopped(second) as database:
        assert database.jobs.get(accepted.job.id).told_at is not None
    assert observed == []  # counted and logged when it ended, not again

    third = await started_service(tmp_path, log)
    (await stopped(third)).close()
    assert log.kinds(accepted.job.id) == ["JobDone"]


async def test_each_kind_of_ending_the_last_run_stored_is_told_before_anything_new(tmp_path):
    images_dir = tmp_path / "images"
    with Database.open(f"sqlite:///{tmp_path / 'thaidraw.db'}") as database:
        user = database.users.get_or_create("web", "alice", "Alice")

        def running() -> str:
            request = draw_request(seed=1).to_dict()
            job = database.jobs.create(
                user_id=user.id, platform="web", conversation={}, raw_text="/วาด", request=request
            )
            return database.jobs.mark_running(job.id).id

        done, lost, failed, cancelled, told = (running() for _ in range(5))
        recipe = {"seed": 1, "steps_done": 3}
        for job_id in (done, lost):
            picture = Image.new("RGB", (64, 64), (30, 120, 200))
            database.jobs.mark_done(job_id, save_pictures(picture, job_id, images_dir, recipe))
        (images_dir / f"{lost}.png").unlink()  # an operator cleared the pictures meanwhile
        database.jobs.mark_failed(failed, "the generator died")
        database.jobs.mark_cancelled(cancelled)
        database.jobs.mark_done(told)
        database.jobs.mark_told(told)

    log = EventLog()
    service = await started_service(tmp_path, log)
    try:
        fresh = await submit(service, who="bob")
        await log.wait_for(fresh.job.id, JobQueued)
    finally:
        (await stopped(service)).close()
    assert [(type(e).__name__, e.job.id) for e in log.events[:5]] == [
        ("JobDone", done),
        ("JobFailed", lost),
        ("JobFailed", failed),
        ("JobCancelled", cancelled),
        ("JobQueued", fresh.job.id),
    ]
    assert log.of(done)[0].recipe == recipe
    assert log.of(lost)[0].reason == messages.failure_reason("not_saved")
    assert log.of(failed)[0].reason == messages.failure_reason("internal")
