"""`thaidraw stats` and `thaidraw feedback export`: what people made and how they reacted."""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import click

from storage.cli import open_configured_database
from storage.stats import (
    ExportRow,
    GroupApproval,
    QualityReport,
    export_row,
    load_job_facts,
    quality_report,
)

NO_VALUE = "–"


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
@click.option("--days", type=click.IntRange(min=1), help="Only jobs from the last N days.")
@click.option(
    "--top", type=click.IntRange(min=1), default=10, show_default=True, help="Top prompts shown."
)
def stats(as_json: bool, days: int | None, top: int) -> None:
    """Jobs per day, waiting and running times, and approval by style, steps and prompt."""
    since = datetime.now(UTC) - timedelta(days=days) if days else None
    with open_configured_database() as database:
        facts = load_job_facts(database, since)
    report = quality_report(facts, top_prompts=top, since=since)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_report(report))


@click.group()
def feedback() -> None:
    """How people reacted to the pictures."""


@feedback.command()
@click.option(
    "--format", "file_format", type=click.Choice(["csv", "jsonl"]), required=True, help="Layout."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write here instead of standard output.",
)
def export(file_format: str, out: Path | None) -> None:
    """One row per job: its recipe and how many people voted up, down or neutral."""
    with open_configured_database() as database:
        rows = [export_row(fact) for fact in load_job_facts(database)]
    write = write_csv if file_format == "csv" else write_jsonl
    if out is None:
        write(rows, sys.stdout)
        return
    with out.open("w", encoding="utf-8", newline="") as stream:
        write(rows, stream)
    click.echo(f"wrote {len(rows)} jobs to {out}", err=True)


def write_jsonl(rows: Iterable[ExportRow], stream: TextIO) -> None:
    for row in rows:
        stream.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")


def write_csv(rows: Iterable[ExportRow], stream: TextIO) -> None:
    """Lists and objects (styles, request, model versions) are written as JSON text."""
    writer = csv.DictWriter(stream, fieldnames=[column.name for column in fields(ExportRow)])
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _csv_cell(value) for key, value in asdict(row).items()})


def _csv_cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value


def render_report(report: QualityReport) -> str:
    """The report as text tables for a terminal."""
    statuses = ", ".join(f"{status} {count}" for status, count in sorted(report.statuses.items()))
    period = f"since {report.since:%Y-%m-%d %H:%M} UTC" if report.since else "all time"
    votes = report.overall.votes
    lines = [
        f"Jobs ({period}): {report.jobs}" + (f" ({statuses})" if statuses else ""),
        f"Median wait: {_seconds(report.median_wait_seconds)}"
        f" · median run: {_seconds(report.median_run_seconds)}",
        f"Approval: {_percent(votes.approval)}"
        f" ({votes.up} up, {votes.down} down, {votes.neutral} neutral)",
        "",
        "Jobs per day",
        *_table(
            ("day", "jobs", "done"),
            [(day.day.isoformat(), day.jobs, day.done) for day in report.per_day],
        ),
    ]
    for title, heading, groups in (
        ("Approval by style", "style", report.by_style),
        ("Approval by steps", "steps", report.by_steps),
        ("Top prompts", "prompt", report.top_prompts),
    ):
        lines += ["", title, *_group_table(heading, groups)]
    return "\n".join(lines)


def _group_table(heading: str, groups: Sequence[GroupApproval]) -> list[str]:
    return _table(
        (heading, "jobs", "up", "down", "neutral", "approval"),
        [
            (
                "(none)" if group.name is None else group.name,
                group.jobs,
                group.votes.up,
                group.votes.down,
                group.votes.neutral,
                _percent(group.votes.approval),
            )
            for group in groups
        ],
    )


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Columns padded to the same width on screen; the first is text, the others numbers."""
    if not rows:
        return [f"  ({NO_VALUE})"]
    cells = [[str(value) for value in row] for row in [headers, *rows]]
    widths = [max(_screen_width(row[i]) for row in cells) for i in range(len(headers))]
    return [
        "  ".join(
            _pad(cell, width, right=index > 0)
            for index, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in cells
    ]


def _screen_width(text: str) -> int:
    """Terminal columns `text` takes: Thai vowel and tone marks take none, wide characters two."""
    return sum(
        0
        if unicodedata.category(char) in ("Mn", "Me", "Cf")
        else 2
        if unicodedata.east_asian_width(char) in ("W", "F")
        else 1
        for char in text
    )


def _pad(text: str, width: int, *, right: bool) -> str:
    padding = " " * (width - _screen_width(text))
    return padding + text if right else text + padding


def _percent(share: float | None) -> str:
    return NO_VALUE if share is None else f"{share:.0%}"


def _seconds(seconds: float | None) -> str:
    return NO_VALUE if seconds is None else f"{seconds:.1f} s"
