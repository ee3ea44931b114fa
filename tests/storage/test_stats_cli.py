"""`thaidraw stats` and `thaidraw feedback export` (bot/stats_cli.py) on a seeded history."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.stats_cli import render_report
from storage.database import Database
from storage.stats import load_job_facts, quality_report
from tests.storage.builders import ManualClock
from tests.storage.seeded import seed_history


@pytest.fixture
def history(
    database: Database,
    clock: ManualClock,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    monkeypatch.setenv("DATABASE_URL", database_url)
    return seed_history(database, clock)


def thaidraw(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_stats_prints_readable_tables(history: dict[str, str]) -> None:
    result = thaidraw("stats")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:3] == [
        "Jobs (all time): 5 (cancelled 1, done 3, failed 1)",
        "Median wait: 25.0 s · median run: 80.0 s",
        "Approval: 75% (3 up, 1 down, 2 neutral)",
    ]
    cells = [line.split() for line in lines]
    assert ["2025-01-02", "3", "1"] in cells
    assert ["101–250", "2", "1", "1", "2", "50%"] in cells
    assert ["(none)", "2", "0", "0", "0", "–"] in cells


def test_thai_names_line_up_on_screen(database: Database, history: dict[str, str]) -> None:
    text = render_report(quality_report(load_job_facts(database)))
    style_rows = text.split("Approval by style\n")[1].split("\n\n")[0].splitlines()
    # Thai vowel and tone marks (category Mn) take no column: every row ends in one column.
    widths = {sum(unicodedata.category(char) != "Mn" for char in row) for row in style_rows}
    assert len(widths) == 1


def test_stats_as_json(history: dict[str, str]) -> None:
    result = thaidraw("stats", "--json", "--top", "1")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["overall"]["approval"] == 0.75
    assert data["median_run_seconds"] == 80.0
    assert [group["name"] for group in data["top_prompts"]] == ["คฤหาสน์"]


def test_stats_of_recent_days_leave_older_jobs_out(history: dict[str, str]) -> None:
    # The seeded jobs are from January 2025; a week back from now holds none of them.
    result = thaidraw("stats", "--json", "--days", "7")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["jobs"] == 0


def test_feedback_export_as_jsonl_to_standard_output(history: dict[str, str]) -> None:
    result = thaidraw("feedback", "export", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [row["job_id"] for row in rows] == list(history.values())
    assert (rows[0]["prompt"], rows[0]["votes_up"], rows[0]["steps"]) == ("คฤหาสน์", 2, 100)


def test_feedback_export_as_csv_to_a_file(history: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "feedback.csv"
    result = thaidraw("feedback", "export", "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote 5 jobs to {out}\n"
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [row["job_id"] for row in rows] == list(history.values())
    fantasy = rows[1]
    assert json.loads(fantasy["styles"]) == ["ภาพสวย", "ภาพแฟนตาซี"]
    assert (fantasy["votes_up"], fantasy["votes_down"], fantasy["votes_neutral"]) == ("0", "1", "1")
    assert json.loads(fantasy["request"])["steps"] == 250
    assert rows[3]["wait_seconds"] == ""  # never started


def test_an_empty_csv_export_still_has_its_header(
    database: Database, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = thaidraw("feedback", "export", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("job_id,created_at,platform,")
    assert len(result.output.splitlines()) == 1


def test_feedback_export_needs_a_format(history: dict[str, str]) -> None:
    result = thaidraw("feedback", "export")
    assert result.exit_code == 2
    assert "--format" in result.output
