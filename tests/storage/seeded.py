"""A small history with known statistics, made through the real repositories."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.database import Database
from tests.storage.builders import ManualClock, new_job

DAY_ONE = datetime.fromisoformat("2025-01-01T10:00:00+00:00")
DAY_TWO = datetime.fromisoformat("2025-01-02T09:00:00+00:00")


def seed_history(database: Database, clock: ManualClock) -> dict[str, str]:
    """Five jobs by three people on two days; returns the job ids by name.

    | job     | prompt  | styles             | steps | status    | wait | run  | up/down/neutral |
    | mansion | คฤหาสน์ | ภาพสวย             | 100   | done      | 10 s | 50 s | 2 / 0 / 0 |
    | fantasy | คฤหาสน์ | ภาพสวย, ภาพแฟนตาซี | 250   | done      | 20 s | 80 s | 0 / 1 / 1 |
    | cat     | แมว     | –                  | 300   | failed    | 30 s | –    | –         |
    | big_cat | แมว     | –                  | 600   | cancelled | –    | –    | –         |
    | sea     | ทะเล    | ภาพสีน้ำ           | 250   | done      | 40 s | 80 s | 1 / 0 / 1 |
    """
    nok, dao, fon = (
        database.users.get_or_create(platform, name).id
        for platform, name in (("discord", "nok"), ("discord", "dao"), ("line", "fon"))
    )

    def run(job_id: str, created: datetime, wait: int, run_seconds: int | None) -> None:
        clock.set(created + timedelta(seconds=wait))
        database.jobs.mark_running(job_id)
        clock.set(created + timedelta(seconds=wait + (run_seconds or 5)))
        if run_seconds is None:
            database.jobs.mark_failed(job_id, "CUDA out of memory")
        else:
            database.jobs.mark_done(job_id)

    def react(job_id: str, user_id: int, label: str, value: int, **options: str) -> None:
        database.feedback.record(
            job_id=job_id,
            user_id=user_id,
            platform="line" if user_id == fon else "discord",
            kind=options.get("kind", "emoji"),  # type: ignore[arg-type]
            label=label,
            value=value,
            action=options.get("action", "added"),  # type: ignore[arg-type]
        )

    jobs = {}
    clock.set(DAY_ONE)
    jobs["mansion"] = new_job(database, nok, "คฤหาสน์", steps=100, styles=("ภาพสวย",)).id
    run(jobs["mansion"], DAY_ONE, 10, 50)
    react(jobs["mansion"], nok, "👍", 1)
    react(jobs["mansion"], dao, "👍", 1)
    react(jobs["mansion"], dao, "👍", 1, action="removed")
    react(jobs["mansion"], fon, "👎", -1, kind="postback")
    react(jobs["mansion"], fon, "👍", 1, kind="postback")  # changed her mind

    fantasy_created = DAY_ONE + timedelta(hours=1)
    clock.set(fantasy_created)
    jobs["fantasy"] = new_job(database, dao, "คฤหาสน์", steps=250, styles=("ภาพสวย", "ภาพแฟนตาซี")).id
    run(jobs["fantasy"], fantasy_created, 20, 80)
    react(jobs["fantasy"], nok, "👎", -1)
    react(jobs["fantasy"], dao, "❤️", 1)
    react(jobs["fantasy"], dao, "👎", -1)

    clock.set(DAY_TWO)
    jobs["cat"] = new_job(database, fon, "แมว", steps=300).id
    run(jobs["cat"], DAY_TWO, 30, None)

    clock.set(DAY_TWO + timedelta(hours=1))
    jobs["big_cat"] = new_job(database, nok, "แมว", steps=600).id
    database.jobs.mark_cancelled(jobs["big_cat"])

    sea_created = DAY_TWO + timedelta(hours=3)
    clock.set(sea_created)
    jobs["sea"] = new_job(database, dao, "ทะเล", steps=250, styles=("ภาพสีน้ำ",)).id
    run(jobs["sea"], sea_created, 40, 80)
    react(jobs["sea"], nok, "👍", 1)
    react(jobs["sea"], fon, "🤔", 0)
    return jobs
