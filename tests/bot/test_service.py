"""The draw service with its queue and a real generator process (smoke models, real SQLite)."""

from __future__ import annotations

import asyncio
import os
import signal

from PIL import Image

from bot import messages
from bot.events import JobCancelled, JobDone, JobFailed, JobProgressed, JobQueued, JobStarted
from bot.service import Accepted, Refused
from generator.pictures import read_recipe
from storage.database import Database
from tests.bot.conftest import draw_request, origin


async def submit(service, request=None, who="alice") -> Accepted:
    outcome = await service.submit(request or draw_request(), origin(who), "/วาด คฤหาสน์")
    assert isinstance(outcome, Accepted), outcome
    return outcome


async def test_a_job_is_written_before_it_is_queued_and_comes_back_as_a_picture(make_service):
    service, log = await make_service()
    accepted = await submit(service, draw_request(steps=4, seed=9))
    assert accepted.job.status == "queued"
    assert (await service.job(accepted.job.id)).status in ("queued", "running", "done")

    done = await log.wait_for(accepted.job.id, JobDone)
    assert done.job.status == "done"
    assert Image.open(done.image_path).size == (64, 64)
    assert Image.open(done.preview_path).format == "JPEG"
    assert read_recipe(done.image_path)["seed"] == 9
    stored = await service.job(accepted.job.id)
    assert {image.kind for image in stored.images} == {"full", "preview"}
    assert stored.model_versions["kind"] == "smoke"


async def test_events_arrive_in_order_queued_started_progress_done(make_service):
    service, log = await make_service()
    accepted = await submit(service, draw_request(steps=5))
    await log.wait_for(accepted.job.id, JobDone)
    kinds = log.kinds(accepted.job.id)
    assert kinds == ["JobQueued", "JobStarted"] + ["JobProgressed"] * 5 + ["JobDone"]
    steps = [e.step for e in log.of(accepted.job.id) if isinstance(e, JobProgressed)]
    assert steps == [1, 2, 3, 4, 5]
    progress = next(e for e in log.of(accepted.job.id) if isinstance(e, JobProgressed))
    assert progress.preview_jpeg.startswith(b"\xff\xd8")  # a JPEG
    assert progress.total == 5


async def test_positions_count_the_jobs_ahead_in_line(make_service):
    service, log = await make_service(max_jobs_per_user=5)
    first = await submit(service, draw_request(steps=60))
    await log.wait_for(first.job.id, JobStarted)
    second = await submit(service, draw_request(size=80), who="bob")
    third = await submit(service, draw_request(size=96), who="carol")
    assert (second.position, third.position) == (1, 2)
    queued = await log.wait_for(third.job.id, JobQueued)
    assert queued.position == 2


async def test_one_user_may_not_hold_more_than_the_active_job_limit(make_service):
    service, _ = await make_service(max_jobs_per_user=2)
    await submit(service, draw_request(steps=80))
    await submit(service, draw_request(steps=80))
    refused = await service.submit(draw_request(), origin("alice"), "/วาด")
    assert refused == Refused(*messages.too_many_active_jobs(2))
    assert isinstance(await service.submit(draw_request(), origin("bob"), "/วาด"), Accepted)


async def test_the_per_minute_limit_counts_finished_jobs_too(make_service):
    service, log = await make_service(max_jobs_per_minute=2, max_jobs_per_user=5)
    for _ in range(2):
        accepted = await submit(service, draw_request(steps=1))
        await log.wait_for(accepted.job.id, JobDone)
    refused = await service.submit(draw_request(), origin("alice"), "/วาด")
    assert refused == Refused(*messages.too_many_jobs_per_minute(2))


async def test_a_full_queue_refuses_new_jobs_with_a_thai_sentence(make_service):
    service, log = await make_service(max_queue=1)
    running = await submit(service, draw_request(steps=80), who="a")
    await log.wait_for(running.job.id, JobStarted)
    await submit(service, who="b")
    refused = await service.submit(draw_request(), origin("c"), "/วาด")
    assert refused == Refused(*messages.queue_full(1))


async def test_a_waiting_job_is_cancelled_by_its_owner_only(make_service):
    service, log = await make_service()
    running = await submit(service, draw_request(steps=80), who="bob")
    await log.wait_for(running.job.id, JobStarted)
    waiting = await submit(service)
    assert await service.cancel(origin("carol"), waiting.job.id) == messages.NOTHING_TO_CANCEL
    assert await service.cancel(origin("alice")) == messages.cancelled(waiting.job.id)
    await log.wait_for(waiting.job.id, JobCancelled)
    assert (await service.job(waiting.job.id)).status == "cancelled"
    assert service.queue.position(waiting.job.id) is None


async def test_a_running_job_is_stopped_between_steps(make_service):
    service, log = await make_service()
    accepted = await submit(service, draw_request(steps=400))
    await log.wait_for(accepted.job.id, JobProgressed, count=2)
    assert await service.cancel(origin("alice")) == messages.cancelling(accepted.job.id)
    await log.wait_for(accepted.job.id, JobCancelled)
    steps = [e.step for e in log.of(accepted.job.id) if isinstance(e, JobProgressed)]
    assert steps[-1] < 400
    assert (await service.job(accepted.job.id)).status == "cancelled"


async def test_waiting_jobs_of_the_same_size_run_as_one_batch(make_service):
    service, log = await make_service(batch_size=3, max_jobs_per_user=5)
    blocker = await submit(service, draw_request(size=80, steps=40), who="z")
    await log.wait_for(blocker.job.id, JobStarted)
    same = [await submit(service, draw_request(steps=4, seed=s), who=f"u{s}") for s in range(3)]
    other = await submit(service, draw_request(size=96, steps=2), who="v")
    for accepted in same:
        await log.wait_for(accepted.job.id, JobDone)
    await log.wait_for(other.job.id, JobDone)
    order = [
        (type(e).__name__, e.job.id) for e in log.events if isinstance(e, JobStarted | JobDone)
    ]
    batch_ids = {a.job.id for a in same}
    first_done = next(
        i for i, (kind, job) in enumerate(order) if kind == "JobDone" and job in batch_ids
    )
    started_before = {job for kind, job in order[:first_done] if kind == "JobStarted"}
    assert batch_ids <= started_before  # all three started before any of them finished
    assert other.job.id not in started_before


async def test_a_job_the_generator_dies_on_is_retried_once_then_failed_with_a_message(
    make_service,
):
    service, log = await make_service()
    accepted = await submit(service, draw_request(steps=400))
    for attempt in (1, 2):
        await log.wait_for(accepted.job.id, JobProgressed, count=2 * attempt)
        os.kill(service.supervisor.pid, signal.SIGKILL)
        if attempt == 1:
            await log.wait_for(accepted.job.id, JobStarted, count=2)
            assert (await service.job(accepted.job.id)).attempts == 1
    failed = await log.wait_for(accepted.job.id, JobFailed)
    assert failed.reason == messages.GENERATOR_CRASHED
    assert (await service.job(accepted.job.id)).status == "failed"
    assert service.supervisor.restarts >= 1

    after = await submit(service, draw_request(steps=2), who="bob")  # the restarted process works
    await log.wait_for(after.job.id, JobDone)


async def test_jobs_left_in_the_database_are_taken_up_by_the_next_start(make_service, tmp_path):
    database = Database.open(f"sqlite:///{tmp_path / 'thaidraw.db'}")
    user = database.users.get_or_create("web", "alice", "Alice")
    waiting = database.jobs.create(
        user_id=user.id, platform="web", conversation={}, raw_text="/วาด",
        request=draw_request(steps=2, seed=1).to_dict(),
    )  # fmt: skip
    interrupted = database.jobs.create(
        user_id=user.id, platform="web", conversation={}, raw_text="/วาด",
        request=draw_request(steps=2, seed=2).to_dict(),
    )  # fmt: skip
    database.jobs.mark_running(interrupted.id)
    database.close()

    service, log = await make_service()
    for job in (waiting, interrupted):
        await log.wait_for(job.id, JobDone)
    assert (await service.job(interrupted.id)).attempts == 1
    assert (await service.job(waiting.id)).attempts == 0


async def test_a_clean_stop_requeues_the_running_job_for_the_next_start(make_service):
    service, log = await make_service()
    accepted = await submit(service, draw_request(steps=2000))
    await log.wait_for(accepted.job.id, JobProgressed)
    await service.stop(grace_seconds=0.5)
    stored = await service.job(accepted.job.id)
    assert (stored.status, stored.attempts) == ("queued", 0)

    restarted, log = await make_service()
    await log.wait_for(accepted.job.id, JobStarted)
    await restarted.cancel(origin("alice"))
    await log.wait_for(accepted.job.id, JobCancelled)


async def test_feedback_is_stored_per_person_and_counted(make_service):
    service, log = await make_service()
    accepted = await submit(service, draw_request(steps=1))
    await log.wait_for(accepted.job.id, JobDone)
    job_id = accepted.job.id
    await service.record_feedback(job_id, origin("bob"), "emoji", "👍", 1)
    await service.record_feedback(job_id, origin("carol"), "emoji", "👎", -1)
    counts = await service.record_feedback(job_id, origin("carol"), "emoji", "👎", -1, removed=True)
    assert (counts.up, counts.down) == (1, 0)
    assert await service.record_feedback("missing", origin("bob"), "emoji", "👍", 1) is None


async def test_a_redraw_queues_the_same_recipe_with_a_new_seed(make_service):
    service, log = await make_service()
    first = await submit(service, draw_request(steps=1, seed=3, styles=("ภาพสวย",)))
    await log.wait_for(first.job.id, JobDone)
    again = await service.redraw(first.job.id, origin("bob"))
    assert isinstance(again, Accepted)
    assert again.job.request["styles"] == ["ภาพสวย"]
    assert again.job.seed != 3


async def test_continuing_starts_from_the_finished_picture(make_service):
    service, log = await make_service()
    first = await submit(service, draw_request(steps=1))
    await log.wait_for(first.job.id, JobDone)
    more = await service.continue_from(first.job.id, origin("alice"), extra_steps=2)
    assert isinstance(more, Accepted)
    assert more.job.request["init_image"].endswith(f"{first.job.id}.png")
    done = await log.wait_for(more.job.id, JobDone)
    assert read_recipe(done.image_path)["steps_done"] == 2


async def test_events_of_one_platform_never_wait_for_a_slow_other_platform(make_service):
    service, log = await make_service()
    stuck = asyncio.Event()

    async def slow_adapter(event) -> None:
        await stuck.wait()

    service.subscribe("line", slow_adapter)
    await service.submit(draw_request(steps=1), origin("x", platform="line"), "/วาด")
    accepted = await submit(service, draw_request(steps=1))
    await log.wait_for(accepted.job.id, JobDone)
    stuck.set()
