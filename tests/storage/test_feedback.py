from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from storage.database import Database
from storage.records import FeedbackCounts
from tests.storage.builders import START, new_job


@pytest.fixture
def job_id(database: Database) -> str:
    owner = database.users.get_or_create("discord", "owner")
    return new_job(database, owner.id).id


def _user(database: Database, name: str) -> int:
    return database.users.get_or_create("discord", name).id


def test_a_reaction_is_kept_with_who_what_and_when(database: Database, job_id: str) -> None:
    nok = _user(database, "nok")
    at = START + timedelta(minutes=3)
    record = database.feedback.record(
        job_id=job_id, user_id=nok, platform="discord", kind="emoji", label="👍", value=1, at=at
    )
    assert (record.job_id, record.user_id, record.platform) == (job_id, nok, "discord")
    assert (record.kind, record.label, record.value, record.action, record.at) == (
        "emoji",
        "👍",
        1,
        "added",
        at,
    )
    assert database.feedback.for_job(job_id) == [record]


def test_a_job_without_feedback_has_no_votes(database: Database, job_id: str) -> None:
    counts = database.feedback.counts(job_id)
    assert counts == FeedbackCounts(0, 0, 0)
    assert counts.approval is None


def test_a_reaction_added_then_removed_counts_nothing(database: Database, job_id: str) -> None:
    nok, dao = _user(database, "nok"), _user(database, "dao")
    for user, action in ((nok, "added"), (nok, "removed"), (dao, "added")):
        database.feedback.record(
            job_id=job_id,
            user_id=user,
            platform="discord",
            kind="emoji",
            label="👍",
            value=1,
            action=action,
        )
    assert database.feedback.counts(job_id) == FeedbackCounts(up=1)


def test_each_person_has_one_net_vote(database: Database, job_id: str) -> None:
    fan, torn, critic, shrug = (_user(database, name) for name in ("fan", "torn", "crit", "shrug"))
    reactions = [
        (fan, "👍", 1),
        (fan, "❤️", 1),  # two approvals from one person are one vote
        (torn, "👍", 1),
        (torn, "👎", -1),  # one up and one down: neutral
        (critic, "👎", -1),
        (shrug, "🤔", 0),
    ]
    for user, label, value in reactions:
        database.feedback.record(
            job_id=job_id, user_id=user, platform="discord", kind="emoji", label=label, value=value
        )
    counts = database.feedback.counts(job_id)
    assert counts == FeedbackCounts(up=1, down=1, neutral=2)
    assert counts.approval == 0.5


def test_a_later_button_press_replaces_the_earlier_one(database: Database, job_id: str) -> None:
    user = _user(database, "nok")
    for label, value in (("👍", 1), ("👎", -1)):
        database.feedback.record(
            job_id=job_id, user_id=user, platform="line", kind="postback", label=label, value=value
        )
    assert database.feedback.counts(job_id) == FeedbackCounts(down=1)


def test_votes_follow_the_time_events_happened_not_arrival(database: Database, job_id: str) -> None:
    user = _user(database, "nok")
    removed_at, added_at = START + timedelta(seconds=20), START + timedelta(seconds=10)
    for action, at in (("removed", removed_at), ("added", added_at)):  # the add arrives late
        database.feedback.record(
            job_id=job_id,
            user_id=user,
            platform="discord",
            kind="emoji",
            label="👍",
            value=1,
            action=action,
            at=at,
        )
    assert database.feedback.counts(job_id) == FeedbackCounts()


def test_votes_are_counted_per_job(database: Database, job_id: str) -> None:
    other_job = new_job(database, _user(database, "owner")).id
    user = _user(database, "nok")
    database.feedback.record(
        job_id=other_job, user_id=user, platform="discord", kind="emoji", label="👎", value=-1
    )
    assert database.feedback.counts(job_id) == FeedbackCounts()
    assert database.feedback.counts(other_job) == FeedbackCounts(down=1)


@pytest.mark.parametrize(
    ("kind", "value", "action"),
    [("emoji", 2, "added"), ("sticker", 1, "added"), ("emoji", 1, "edited")],
)
def test_values_outside_the_contract_are_refused(
    database: Database, job_id: str, kind: str, value: int, action: str
) -> None:
    with pytest.raises(IntegrityError):
        database.feedback.record(
            job_id=job_id,
            user_id=_user(database, "nok"),
            platform="discord",
            kind=kind,  # type: ignore[arg-type]
            label="👍",
            value=value,
            action=action,  # type: ignore[arg-type]
        )
    assert database.feedback.for_job(job_id) == []


def test_fifty_people_reacting_at_once_are_all_kept(database: Database, job_id: str) -> None:
    """Each writer reads (finds or creates its user) and then writes: the pattern that fails
    with "database is locked" on SQLite unless write transactions begin IMMEDIATE."""
    writers = 50
    start = threading.Barrier(writers)

    def react(index: int) -> None:
        start.wait()
        user = database.users.get_or_create("discord", f"fan-{index}", f"Fan {index}")
        database.feedback.record(
            job_id=job_id, user_id=user.id, platform="discord", kind="emoji", label="👍", value=1
        )

    with ThreadPoolExecutor(max_workers=writers) as pool:
        for future in [pool.submit(react, index) for index in range(writers)]:
            future.result()  # re-raises any error, e.g. OperationalError: database is locked
    assert len(database.feedback.for_job(job_id)) == writers
    assert database.feedback.counts(job_id) == FeedbackCounts(up=writers)
