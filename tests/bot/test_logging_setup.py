"""Operator logs: JSON lines or text, job ids shown, secrets never written, alembic quiet."""

from __future__ import annotations

import io
import json
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logging_setup import REDACTED, configure_logging, secret_values
from bot.settings import BotSettings
from storage.database import Database

SECRET = "tok-3f9a.SECRET_VALUE"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """configure_logging changes the whole process: put back what pytest had."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    alembic_level = logging.getLogger("alembic").level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(alembic_level)
    logging.captureWarnings(False)


def configured(log_format: str, secrets: tuple[str, ...] = (SECRET,)) -> io.StringIO:
    stream = io.StringIO()
    configure_logging(log_format, secrets, stream=stream)
    return stream


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.usefixtures("restore_logging")
def test_json_format_writes_one_object_per_line_with_the_job_id() -> None:
    stream = configured("json")
    log = logging.getLogger("bot.jobs")
    log.info("job queued at position %d", 3, extra={"job_id": "AbC123xyz", "platform": "line"})
    log.warning("second line\nwith a line break inside", extra={"job_id": "Other456"})

    first, second = json_lines(stream)
    assert first["message"] == "job queued at position 3"
    assert (first["job_id"], first["platform"]) == ("AbC123xyz", "line")
    assert (first["level"], first["logger"]) == ("INFO", "bot.jobs")
    assert first["time"].endswith("+00:00")
    assert second["message"] == "second line\nwith a line break inside"
    assert len(stream.getvalue().splitlines()) == 2


@pytest.mark.usefixtures("restore_logging")
def test_text_format_shows_the_job_id_beside_the_message() -> None:
    stream = configured("text")
    logging.getLogger("bot.jobs").info("job done in %.1f s", 2.5, extra={"job_id": "AbC123xyz"})
    line = stream.getvalue().strip()
    assert line.endswith("INFO bot.jobs [job_id=AbC123xyz]: job done in 2.5 s")


@pytest.mark.parametrize("log_format", ["json", "text"])
@pytest.mark.usefixtures("restore_logging")
def test_a_secret_is_redacted_in_the_message_its_arguments_extras_and_tracebacks(
    log_format: str,
) -> None:
    stream = configured(log_format)
    log = logging.getLogger("bot.discord")
    log.info(f"token is {SECRET}")
    log.info("calling %s/users/@me with %s", "https://discord.com", SECRET)
    log.info("request", extra={"headers": {"Authorization": f"Bot {SECRET}"}})
    try:
        raise RuntimeError(f"login failed for {SECRET}")
    except RuntimeError:
        log.exception("could not log in")

    output = stream.getvalue()
    assert SECRET not in output
    assert output.count(REDACTED) == 4


@pytest.mark.usefixtures("restore_logging")
def test_a_secret_with_characters_json_escapes_is_redacted_in_json_lines() -> None:
    awkward = 'pa"ss\\word'
    stream = configured("json", (awkward,))
    logging.getLogger("storage").error("could not connect with %s", awkward)
    (entry,) = json_lines(stream)
    assert entry["message"] == f"could not connect with {REDACTED}"


@pytest.mark.usefixtures("restore_logging")
def test_python_warnings_become_log_records_so_json_output_stays_json() -> None:
    stream = configured("json")
    warnings.warn("something old", DeprecationWarning, stacklevel=1)
    (entry,) = json_lines(stream)
    assert entry["logger"] == "py.warnings"
    assert "something old" in entry["message"]


@pytest.mark.usefixtures("restore_logging")
def test_migrations_do_not_fill_the_log_with_alembic_info_lines(tmp_path: Path) -> None:
    stream = configured("json")
    with Database.open(f"sqlite:///{tmp_path / 'thaidraw.db'}"):
        pass
    loggers = {entry["logger"] for entry in json_lines(stream)}
    assert not any(name.startswith("alembic") for name in loggers)


def test_the_secrets_are_every_token_and_the_database_password() -> None:
    settings = BotSettings(
        _env_file=None,
        THAIDRAW_WEB_TOKEN="web-token",
        DISCORD_TOKEN="discord-token",
        LINE_CHANNEL_SECRET="line-secret",
        LINE_CHANNEL_ACCESS_TOKEN="line-access",
        DATABASE_URL="postgresql://thaidraw:db-password@db.internal/thaidraw",
    )
    assert set(secret_values(settings)) == {
        "web-token",
        "discord-token",
        "line-secret",
        "line-access",
        "db-password",
    }


def test_without_tokens_or_a_database_password_there_is_nothing_to_redact() -> None:
    settings = BotSettings(_env_file=None, DATABASE_URL="sqlite:////tmp/x.db")
    assert secret_values(settings) == []
