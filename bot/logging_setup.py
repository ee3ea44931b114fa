"""Logs for operators: one JSON object per line or readable text, with job ids, never secrets."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any, Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings
from sqlalchemy.engine import make_url

LogFormat = Literal["text", "json"]

REDACTED = "[redacted]"

# Loggers whose INFO lines say nothing an operator needs (alembic: "Context impl SQLiteImpl.").
QUIET_LOGGERS = ("alembic",)

# What every LogRecord carries; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class Redactor:
    """Replaces every configured secret value in a piece of text."""

    def __init__(self, secrets: Iterable[str]) -> None:
        values = {secret for secret in secrets if secret}
        # In JSON a secret may appear escaped (quotes, backslashes, control characters).
        values |= {json.dumps(secret, ensure_ascii=False)[1:-1] for secret in values}
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted(values, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a caller added with `extra=` (such as `job_id`)."""
    return {
        key: value
        for key, value in vars(record).items()
        if key not in _STANDARD_ATTRIBUTES and not key.startswith("_")
    }


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [job_id=… …]: message`, then any traceback; secrets redacted."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def usesTime(self) -> bool:
        return True

    def formatMessage(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{key}={value}" for key, value in extra_fields(record).items())
        shown = f" [{fields}]" if fields else ""
        return f"{record.asctime} {record.levelname} {record.name}{shown}: {record.message}"

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line; secrets redacted."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.processName,
            "message": record.getMessage(),
            **extra_fields(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return self.redact(json.dumps(entry, ensure_ascii=False, default=str))


def configure_logging(
    log_format: LogFormat,
    secrets: Iterable[str] = (),
    *,
    level: int = logging.INFO,
    stream: IO[str] | None = None,
) -> None:
    """Send every log record of this process to `stream` (stderr) in the chosen format."""
    redact = Redactor(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(redact) if log_format == "json" else TextFormatter(redact))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.captureWarnings(True)  # warnings become records, so JSON output stays JSON


def secret_values(settings: BaseSettings) -> list[str]:
    """Every secret the settings hold: SecretStr fields and the database URL's password."""
    secrets = [
        value.get_secret_value()
        for name in type(settings).model_fields
        if isinstance(value := getattr(settings, name), SecretStr)
    ]
    database_url = getattr(settings, "database_url", None)
    password = make_url(database_url).password if database_url else None
    if password:
        secrets.append(str(password))
    return secrets
