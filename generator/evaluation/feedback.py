"""Approval rates from the reactions people gave the bot's pictures, short prompts vs long."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from generator.evaluation.prompts import LENGTHS, EvalPrompt, prompt_length
from generator.settings import load_settings
from generator.thai_text import normalise_thai
from storage.database import Database
from storage.records import FeedbackCounts
from storage.settings import StorageSettings
from storage.stats import JobFacts, load_job_facts
from storage.urls import DATABASE_FILE_NAME, display_url


@dataclass(frozen=True)
class Approval:
    """Jobs in one group and the votes they got (approval: up / (up + down))."""

    name: str
    jobs: int
    votes: FeedbackCounts


@dataclass(frozen=True)
class StoredFeedback:
    database: str  # the URL with any password masked
    by_length: tuple[Approval, ...]  # all jobs, then short and long prompts
    by_prompt: tuple[Approval, ...]  # the evaluation prompts that people drew too


def configured_database_url() -> str | None:
    """DATABASE_URL, or the default SQLite file when it exists; None when there is neither (a
    report never creates a database)."""
    settings = load_settings(StorageSettings)
    if settings.database_url or (settings.data_dir / DATABASE_FILE_NAME).is_file():
        return settings.resolved_database_url()
    return None


def stored_feedback(url: str, prompts: Sequence[EvalPrompt]) -> StoredFeedback:
    """Read every job and its votes (without migrating: a report changes nothing)."""
    with Database.open(url, migrate=False) as database:
        facts = load_job_facts(database)
    return StoredFeedback(display_url(url), *approval_groups(facts, prompts))


def approval_groups(
    facts: Sequence[JobFacts], prompts: Sequence[EvalPrompt]
) -> tuple[tuple[Approval, ...], tuple[Approval, ...]]:
    """Approval of all jobs and by prompt length, and of each evaluation prompt people drew."""
    lengths = {fact.job.id: prompt_length(fact.prompt) for fact in facts}
    by_length = (
        _approval("all", facts),
        *(
            _approval(length, [fact for fact in facts if lengths[fact.job.id] == length])
            for length in LENGTHS
        ),
    )
    by_text: dict[str, list[JobFacts]] = {}
    for fact in facts:
        by_text.setdefault(_comparable(fact.prompt), []).append(fact)
    by_prompt = tuple(
        _approval(prompt.thai, by_text[_comparable(prompt.thai)])
        for prompt in prompts
        if _comparable(prompt.thai) in by_text
    )
    return by_length, by_prompt


def _approval(name: str, facts: Iterable[JobFacts]) -> Approval:
    chosen = list(facts)
    return Approval(name, len(chosen), sum((fact.votes for fact in chosen), FeedbackCounts()))


def _comparable(text: str) -> str:
    """The same prompt typed with other spacing or invisible characters compares equal."""
    return " ".join(normalise_thai(text).split())
