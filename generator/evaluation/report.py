"""The evaluation written out: `index.html` with the image grid and figures, `results.json`
with the same figures for programs, and a text table for the terminal."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2

from generator.evaluation.feedback import StoredFeedback
from generator.evaluation.prompts import SHORT_MAX_WORDS
from generator.evaluation.run import PromptResult
from generator.evaluation.summary import GroupSummary
from generator.evaluation.tables import text_table

REPORT_FILE = "index.html"
RESULTS_FILE = "results.json"
NO_VALUE = "–"


@dataclass(frozen=True)
class Evaluation:
    """Everything one `thaidraw eval` run found, and how it was run."""

    settings: dict[str, Any]  # request fields shared by every picture, and the seeds
    models: dict[str, str]
    device: str
    prompts: list[PromptResult]
    summary: list[GroupSummary]
    feedback: StoredFeedback | None
    feedback_note: str  # why there is no stored feedback, when there is none
    gloss_note: str  # why there are no gloss scores, when there are none

    @property
    def smoke(self) -> bool:
        return self.models.get("kind") == "smoke"


def write_report(evaluation: Evaluation, out_dir: Path) -> Path:
    """Write `index.html` and `results.json` into `out_dir`; returns the HTML file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / RESULTS_FILE).write_text(
        json.dumps(_results(evaluation), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    page = out_dir / REPORT_FILE
    page.write_text(render_html(evaluation), encoding="utf-8")
    return page


def render_html(evaluation: Evaluation) -> str:
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    environment.filters["figure"] = figure
    environment.filters["percent"] = _percent
    template = environment.from_string(
        files("generator.evaluation").joinpath("report.html").read_text(encoding="utf-8")
    )
    return template.render(
        created=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        settings=evaluation.settings,
        models=evaluation.models,
        device=evaluation.device,
        smoke=evaluation.smoke,
        summary=evaluation.summary,
        prompts=evaluation.prompts,
        feedback=evaluation.feedback,
        feedback_note=evaluation.feedback_note,
        gloss_note=evaluation.gloss_note,
        short_max_words=SHORT_MAX_WORDS,
    )


def summary_table(summary: list[GroupSummary]) -> str:
    """The short / long / all figures as an aligned text table."""
    return text_table(
        ("prompts", "count", "pictures", "CLIP th", "CLIP en", "aesthetic", "diversity"),
        [
            (
                row.group,
                str(row.prompts),
                str(row.pictures),
                figure(row.clip_prompt, 3),
                figure(row.clip_gloss, 3),
                figure(row.aesthetic, 2),
                figure(row.diversity, 3),
            )
            for row in summary
        ],
    )


def approval_table(feedback: StoredFeedback) -> str:
    """Approval by prompt length (and per evaluation prompt) as an aligned text table."""
    return text_table(
        ("prompts", "jobs", "up", "down", "approval"),
        [
            (
                group.name,
                str(group.jobs),
                str(group.votes.up),
                str(group.votes.down),
                _percent(group.votes.approval),
            )
            for group in (*feedback.by_length, *feedback.by_prompt)
        ],
    )


def _results(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "settings": evaluation.settings,
        "models": evaluation.models,
        "device": evaluation.device,
        "summary": [asdict(row) for row in evaluation.summary],
        "prompts": [
            {
                "th": result.prompt.thai,
                "en": result.prompt.english,
                "length": result.prompt.length,
                "diversity": result.diversity,
                "pictures": [
                    {
                        "seed": picture.seed,
                        "file": picture.file,
                        "seconds": picture.seconds,
                        **asdict(picture.scores),
                    }
                    for picture in result.pictures
                ],
            }
            for result in evaluation.prompts
        ],
        "feedback": None
        if evaluation.feedback is None
        else {
            "database": evaluation.feedback.database,
            "groups": [
                {
                    "name": group.name,
                    "jobs": group.jobs,
                    **asdict(group.votes),
                    "approval": group.votes.approval,
                }
                for group in (*evaluation.feedback.by_length, *evaluation.feedback.by_prompt)
            ],
        },
    }


def figure(value: float | None, digits: int) -> str:
    return NO_VALUE if value is None else f"{value:.{digits}f}"


def _percent(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:.0%}"
