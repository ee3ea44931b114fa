from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from storage.database import Database
from storage.records import FeedbackCounts
from storage.stats import (
    GroupApproval,
    QualityReport,
    export_row,
    load_job_facts,
    quality_report,
)
from tests.storage.builders import ManualClock
from tests.storage.seeded import DAY_ONE, DAY_TWO, seed_history


@pytest.fixture
def history(database: Database, clock: ManualClock) -> dict[str, str]:
    return seed_history(database, clock)


@pytest.fixture
def report(database: Database, history: dict[str, str]) -> QualityReport:
    return quality_report(load_job_facts(database), top_prompts=2)


def test_jobs_are_counted_per_status_and_per_day(report: QualityReport) -> None:
    assert report.jobs == 5
    assert report.statuses == {"done": 3, "failed": 1, "cancelled": 1}
    assert [(day.day, day.jobs, day.done) for day in report.per_day] == [
        (date(2025, 1, 1), 2, 2),
        (date(2025, 1, 2), 3, 1),
    ]


def test_median_wait_counts_every_started_job_and_median_run_only_finished_pictures(
    report: QualityReport,
) -> None:
    assert report.median_wait_seconds == pytest.approx(25.0)  # 10, 20, 30, 40
    assert report.median_run_seconds == pytest.approx(80.0)  # 50, 80, 80


def test_approval_is_the_share_of_up_votes_among_up_and_down(report: QualityReport) -> None:
    assert report.overall == GroupApproval("all", 5, FeedbackCounts(up=3, down=1, neutral=2))
    assert report.overall.votes.approval == 0.75


def test_approval_per_style_counts_a_job_in_each_of_its_styles(report: QualityReport) -> None:
    assert [(g.name, g.jobs, g.votes, g.votes.approval) for g in report.by_style] == [
        ("ภาพสวย", 2, FeedbackCounts(2, 1, 1), pytest.approx(2 / 3)),
        ("ภาพสีน้ำ", 1, FeedbackCounts(1, 0, 1), 1.0),
        ("ภาพแฟนตาซี", 1, FeedbackCounts(0, 1, 1), 0.0),
        (None, 2, FeedbackCounts(), None),
    ]


def test_approval_per_steps_bucket(report: QualityReport) -> None:
    assert [(g.name, g.jobs, g.votes.approval) for g in report.by_steps] == [
        ("≤100", 1, 1.0),
        ("101–250", 2, 0.5),
        ("251–500", 1, None),
        (">500", 1, None),
    ]


def test_top_prompts_are_the_most_asked_for(report: QualityReport) -> None:
    assert [(g.name, g.jobs, g.votes) for g in report.top_prompts] == [
        ("คฤหาสน์", 2, FeedbackCounts(2, 1, 1)),
        ("แมว", 2, FeedbackCounts()),
    ]


def test_the_report_can_start_at_a_time(database: Database, history: dict[str, str]) -> None:
    since = DAY_TWO - timedelta(hours=1)
    report = quality_report(load_job_facts(database, since), since=since)
    assert report.jobs == 3
    assert report.overall.votes == FeedbackCounts(up=1, neutral=1)
    assert report.to_dict()["since"] == "2025-01-02T08:00:00+00:00"


def test_the_report_as_json(report: QualityReport) -> None:
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    assert data["jobs"] == 5
    assert data["per_day"][0] == {"day": "2025-01-01", "jobs": 2, "done": 2}
    assert data["overall"] == {
        "name": "all",
        "jobs": 5,
        "up": 3,
        "down": 1,
        "neutral": 2,
        "approval": 0.75,
    }
    assert data["by_style"][-1]["name"] is None
    assert data["median_wait_seconds"] == 25.0


def test_an_empty_database_gives_an_empty_report(database: Database) -> None:
    report = quality_report(load_job_facts(database))
    assert (report.jobs, report.per_day, report.by_style) == (0, (), ())
    assert (report.median_wait_seconds, report.median_run_seconds) == (None, None)
    assert report.overall.votes.approval is None


def test_the_export_has_one_row_per_job_with_its_recipe_and_votes(
    database: Database, history: dict[str, str]
) -> None:
    rows = [export_row(fact) for fact in load_job_facts(database)]
    assert [row.job_id for row in rows] == [
        history[name] for name in ("mansion", "fantasy", "cat", "big_cat", "sea")
    ]
    mansion = rows[0]
    assert mansion.created_at == DAY_ONE.isoformat()
    assert (mansion.prompt, mansion.styles, mansion.steps, mansion.seed) == (
        "คฤหาสน์",
        ["ภาพสวย"],
        100,
        7,
    )
    assert (mansion.wait_seconds, mansion.run_seconds) == (10.0, 50.0)
    assert (mansion.votes_up, mansion.votes_down, mansion.votes_neutral) == (2, 0, 0)
    assert mansion.request["prompts"] == [{"text": "คฤหาสน์", "weight": 1.0}]
    cancelled = rows[3]
    assert (cancelled.status, cancelled.wait_seconds, cancelled.run_seconds) == (
        "cancelled",
        None,
        None,
    )
