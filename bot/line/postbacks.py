"""The data our quick-reply buttons carry back in postback events (`a=up&job=<id>`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, urlencode

MAX_DATA_CHARS = 300  # LINE's limit on postback data
_JOB_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class Action(StrEnum):
    SEE = "see"  # show the picture (or how far the job is)
    LIKE = "up"
    DISLIKE = "down"
    DRAW_AGAIN = "again"  # the same recipe with a new seed


@dataclass(frozen=True)
class Postback:
    action: Action
    job_id: str

    def encode(self) -> str:
        return urlencode({"a": self.action.value, "job": self.job_id})


def decode(data: str) -> Postback | None:
    """The button a postback came from; None for data we did not write (or no longer know)."""
    if len(data) > MAX_DATA_CHARS:
        return None
    fields = parse_qs(data, strict_parsing=False)
    actions, job_ids = fields.get("a", []), fields.get("job", [])
    if len(actions) != 1 or len(job_ids) != 1 or not _JOB_ID.fullmatch(job_ids[0]):
        return None
    try:
        return Postback(Action(actions[0]), job_ids[0])
    except ValueError:
        return None
