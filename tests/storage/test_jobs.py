from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from generator.request import DrawRequest
from storage.database import Database
from storage.errors import InvalidTransition, JobNotFound
from storage.jobs import ALLOWED_FROM
from storage.records import JobStatus
from tests.storage.builders import START, ManualClock, Picture, draw_request, new_job


@pytest.fixture
def user_id(database: Database) -> int:
    return database.users.get_or_create("discord", "1001", "Nok").id


def test_a_new_job_is_queued_with_its_recipe_and_a_short_unguessable_id(
    database: Database, user_id: int, clock: ManualClock
) -> None:
    clock.set(START)
    request = draw_request("แมว", steps=300, width=320, height=256, seed=42, styles=("ภาพสวย",))
    job = database.jobs.create(
        user_id=user_id,
        platform="line",
        conversation={"to": "U123"},
        raw_text="/วาด แมว --steps 300",
        request=request,
    )
    assert job.status == "queued"
    assert len(job.id) == 12
    assert job.id.replace("-", "").replace("_", "").isalnum()
    assert (job.seed, job.steps, job.width, job.height) == (42, 300, 320, 256)
    assert job.styles == ("ภาพสวย",)
    assert DrawRequest.from_dict(job.request) == DrawRequest.from_dict(request)
    assert job.conversation == {"to": "U123"}
    assert job.raw_text == "/วาด แมว --steps 300"
    assert job.created_at == START
    assert job.created_at.tzinfo is not None
    assert (job.started_at, job.finished_at, job.error, job.attempts) == (None, None, None, 0)
    assert database.jobs.get(job.id) == job


def test_job_ids_differ(database: Database, user_id: int) -> None:
    ids = {new_job(database, user_id).id for _ in range(20)}
    assert len(ids) == 20


def test_an_unknown_job_is_none(database: Database) -> None:
    assert database.jobs.get("nope") is None


def test_a_job_runs_and_is_done_with_its_pictures_and_models(
    database: Database, user_id: int, clock: ManualClock
) -> None:
    job = new_job(database, user_id)
    clock.set(START + timedelta(seconds=5))
    running = database.jobs.mark_running(job.id)
    assert running.status == "running"
    assert running.started_at == START + timedelta(seconds=5)
    clock.set(START + timedelta(seconds=65))
    pictures = [
        Picture("full", Path(f"/data/images/{job.id}.png")),
        Picture("preview", Path(f"/data/images/{job.id}.jpg"), mime_type="image/jpeg"),
    ]
    done = database.jobs.mark_done(job.id, pictures, {"vqgan": "imagenet_f16_16384"})
    assert done.status == "done"
    assert done.finished_at == START + timedelta(seconds=65)
    assert done.model_versions == {"vqgan": "imagenet_f16_16384"}
    assert [(image.kind, image.file_name, image.mime_type) for image in done.images] == [
        ("full", f"{job.id}.png", "image/png"),
        ("preview", f"{job.id}.jpg", "image/jpeg"),
    ]
    assert database.jobs.get(job.id) == done


def test_a_failed_job_keeps_the_error_for_the_operator(database: Database, user_id: int) -> None:
    job = new_job(database, user_id)
    database.jobs.mark_running(job.id)
    failed = database.jobs.mark_failed(job.id, "CUDA out of memory")
    assert failed.status == "failed"
    assert failed.error == "CUDA out of memory"
    assert failed.finished_at is not None


def test_a_queued_job_can_be_cancelled(database: Database, user_id: int) -> None:
    job = new_job(database, user_id)
    cancelled = database.jobs.mark_cancelled(job.id)
    assert cancelled.status == "cancelled"
    assert not cancelled.is_active


def test_requeue_counts_an_attempt_and_forgets_the_start(database: Database, user_id: int) -> None:
    job = new_job(database, user_id)
    database.jobs.mark_running(job.id)
    requeued = database.jobs.requeue(job.id)
    assert (requeued.status, requeued.attempts, requeued.started_at) == ("queued", 1, None)
    database.jobs.mark_running(job.id)
    assert database.jobs.requeue(job.id).attempts == 2


def test_requeue_after_a_clean_shutdown_counts_no_attempt(database: Database, user_id: int) -> None:
    job = new_job(database, user_id)
    database.jobs.mark_running(job.id)
    assert database.jobs.requeue(job.id, count_attempt=False).attempts == 0


def test_a_job_started_on_a_worker_names_it_until_it_goes_back_in_line(
    database: Database, user_id: int
) -> None:
    job = new_job(database, user_id)
    assert database.jobs.mark_running(job.id, worker="gpu-a").worker == "gpu-a"
    assert database.jobs.get(job.id).worker == "gpu-a"
    assert database.jobs.requeue(job.id, count_attempt=False).worker is None


def test_a_run_lost_on_one_worker_starts_again_on_another_and_counts_an_attempt(
    database: Database, user_id: int
) -> None:
    job = new_job(database, user_id)
    database.jobs.mark_running(job.id, worker="gpu-a")
    again = database.jobs.mark_running(job.id, worker="gpu-b", lost_run=True)
    assert (again.status, again.worker, again.attempts) == ("running", "gpu-b", 1)
    with pytest.raises(InvalidTransition):
        database.jobs.mark_running(job.id, worker="gpu-c")  # without a lost run: a mistake


def test_queue_positions_count_the_older_queued_jobs(
    database: Database, user_id: int, clock: ManualClock
) -> None:
    jobs = []
    for minute in range(3):
        clock.set(START + timedelta(minutes=minute))
        jobs.append(new_job(database, user_id))
    database.jobs.mark_running(jobs[0].id)
    assert [database.jobs.queue_position(job.id) for job in jobs] == [None, 1, 2]
    assert database.jobs.count_in_state("queued") == 2
    assert database.jobs.queue_position("no-such-job") is None


def _put_in(database: Database, job_id: str, status: JobStatus) -> None:
    database.jobs.mark_running(job_id)
    if status == "done":
        database.jobs.mark_done(job_id)
    elif status == "failed":
        database.jobs.mark_failed(job_id, "boom")
    elif status == "cancelled":
        database.jobs.mark_cancelled(job_id)


FORBIDDEN = [
    (current, wanted)
    for wanted, allowed in ALLOWED_FROM.items()
    for current in ("running", "done", "failed", "cancelled")
    if current not in allowed
]


@pytest.mark.parametrize(("current", "wanted"), FORBIDDEN)
def test_a_forbidden_transition_raises_and_changes_nothing(
    database: Database, user_id: int, current: JobStatus, wanted: JobStatus
) -> None:
    job = new_job(database, user_id)
    _put_in(database, job.id, current)
    before = database.jobs.get(job.id)
    move = {
        "queued": database.jobs.requeue,
        "running": database.jobs.mark_running,
        "done": database.jobs.mark_done,
        "failed": lambda job_id: database.jobs.mark_failed(job_id, "late"),
        "cancelled": database.jobs.mark_cancelled,
    }[wanted]
    with pytest.raises(InvalidTransition, match=f"is {current}; it cannot become {wanted}"):
        move(job.id)
    assert database.jobs.get(job.id) == before


def test_a_queued_job_cannot_be_done_without_running(database: Database, user_id: int) -> None:
    job = new_job(database, user_id)
    with pytest.raises(InvalidTransition):
        database.jobs.mark_done(job.id)


def test_moving_an_unknown_job_raises_job_not_found(database: Database) -> None:
    with pytest.raises(JobNotFound, match="nope"):
        database.jobs.mark_running("nope")


def test_jobs_in_states_are_listed_oldest_first(database: Database, user_id: int) -> None:
    first, second, third, fourth = (new_job(database, user_id) for _ in range(4))
    database.jobs.mark_running(second.id)
    database.jobs.mark_running(third.id)
    database.jobs.mark_done(third.id)
    database.jobs.mark_cancelled(fourth.id)
    left = database.jobs.in_states(["queued", "running"])
    assert [(job.id, job.status) for job in left] == [(first.id, "queued"), (second.id, "running")]
    assert [job.id for job in database.jobs.in_states(["done", "cancelled"])] == [
        third.id,
        fourth.id,
    ]


def test_recently_finished_jobs_of_a_platform_are_listed_oldest_first(
    database: Database, user_id: int, clock: ManualClock
) -> None:
    clock.set(START)
    old, done, failed, running = (new_job(database, user_id) for _ in range(4))
    for job in (old, done, failed, running):
        database.jobs.mark_running(job.id)
    database.jobs.mark_done(old.id)
    clock.set(START + timedelta(hours=1))
    database.jobs.mark_done(done.id)
    database.jobs.mark_failed(failed.id, "boom")
    since = START + timedelta(minutes=30)
    assert [job.id for job in database.jobs.finished_since("discord", since)] == [
        done.id,
        failed.id,
    ]
    assert database.jobs.finished_since("line", since) == []


def test_jobs_whose_users_were_never_told_how_they_ended_are_owed_until_told(
    database: Database, user_id: int, clock: ManualClock
) -> None:
    clock.set(START)
    old, done, failed, cancelled, told, running = (new_job(database, user_id) for _ in range(6))
    _put_in(database, old.id, "done")
    clock.set(START + timedelta(hours=1))
    for job, status in ((done, "done"), (failed, "failed"), (cancelled, "cancelled")):
        _put_in(database, job.id, status)
    _put_in(database, told.id, "done")
    database.jobs.mark_told(told.id)
    database.jobs.mark_running(running.id)
    since = START + timedelta(minutes=30)
    owed = database.jobs.owed_since("discord", since)
    assert [job.id for job in owed] == [done.id, failed.id, cancelled.id]
    assert all(job.told_at is None for job in owed)
    assert database.jobs.owed_since("line", since) == []
    clock.set(START + timedelta(hours=2))
    database.jobs.mark_told(done.id)
    database.jobs.mark_told(told.id)  # told once: the first time stays
    assert database.jobs.get(done.id).told_at >= START + timedelta(hours=2)
    assert database.jobs.get(told.id).told_at < START + timedelta(hours=2)
    assert [job.id for job in database.jobs.owed_since("discord", since)] == [
        failed.id,
        cancelled.id,
    ]


def test_a_users_active_jobs_are_its_queued_and_running_ones(
    database: Database, user_id: int
) -> None:
    other = database.users.get_or_create("discord", "2002").id
    first, second, finished = (new_job(database, user_id) for _ in range(3))
    new_job(database, other)
    database.jobs.mark_running(second.id)
    database.jobs.mark_cancelled(finished.id)
    assert [job.id for job in database.jobs.active_of_user(user_id)] == [first.id, second.id]


def test_message_references_merge_and_a_none_removes_one(database: Database, user_id: int) -> None:
    job = new_job(database, user_id)
    database.jobs.set_message_refs(job.id, {"discord": {"channel_id": "1", "message_id": "2"}})
    merged = database.jobs.set_message_refs(
        job.id, {"line_reply_token": "tok", "line_reply_expires": "2025-01-01T10:01:00+00:00"}
    )
    assert merged.message_refs == {
        "discord": {"channel_id": "1", "message_id": "2"},
        "line_reply_token": "tok",
        "line_reply_expires": "2025-01-01T10:01:00+00:00",
    }
    cleared = database.jobs.set_message_refs(job.id, {"line_reply_token": None})
    assert "line_reply_token" not in cleared.message_refs
    assert database.jobs.get(job.id) == cleared


def test_a_job_is_found_by_any_platform_message_that_shows_it(
    database: Database, user_id: int
) -> None:
    job = new_job(database, user_id)
    other = new_job(database, user_id)
    database.jobs.link_message(job.id, "discord", "555")
    database.jobs.link_message(job.id, "discord", "556")
    database.jobs.link_message(job.id, "discord", "556")  # linking twice changes nothing
    database.jobs.link_message(other.id, "line", "555")
    assert database.jobs.find_by_message("discord", "555").id == job.id
    assert database.jobs.find_by_message("discord", "556").id == job.id
    assert database.jobs.find_by_message("line", "555").id == other.id
    assert database.jobs.find_by_message("discord", "999") is None


def test_a_message_cannot_show_two_jobs(database: Database, user_id: int) -> None:
    job, other = new_job(database, user_id), new_job(database, user_id)
    database.jobs.link_message(job.id, "discord", "555")
    with pytest.raises(ValueError, match="already shows job"):
        database.jobs.link_message(other.id, "discord", "555")


def test_linking_a_message_to_an_unknown_job_raises(database: Database) -> None:
    with pytest.raises(JobNotFound):
        database.jobs.link_message("nope", "discord", "555")


def test_records_are_frozen_snapshots_that_share_nothing_with_storage(
    database: Database, user_id: int
) -> None:
    job = new_job(database, user_id)
    with pytest.raises(dataclasses.FrozenInstanceError):
        job.status = "done"  # type: ignore[misc]
    job.request["steps"] = 1
    job.conversation["channel_id"] = "changed"
    stored = database.jobs.get(job.id)
    assert stored.request["steps"] == 250
    assert stored.conversation == {"channel_id": "100"}


def test_texts_no_database_can_store_are_cleaned_before_they_are_written(
    database: Database,
) -> None:
    # A lone surrogate cannot be encoded as UTF-8, PostgreSQL refuses NUL: neither may fail a
    # write half-way, whichever text (or JSON value, keys too) carries it.
    user = database.users.get_or_create("web", "visitor\ud800", "Nok\x00\udc80noi")
    assert (user.platform_user_id, user.display_name) == ("visitor", "Noknoi")
    job = database.jobs.create(
        user_id=user.id,
        platform="web",
        conversation={"to\x00": ["U\ud800 1"]},
        raw_text="/วาด cat \ud800 dog \ud83d\ude00",
        request=draw_request("cat \ud800 dog"),
    )
    assert job.raw_text == "/วาด cat  dog 😀"
    assert job.conversation == {"to": ["U 1"]}
    assert job.request["prompts"][0]["text"] == "cat  dog"
    assert database.jobs.get(job.id) == job
    failed = database.jobs.mark_failed(job.id, "boom\x00")
    assert failed.error == "boom"
