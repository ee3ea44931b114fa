"""Request bodies read within limits: UTF-8, JSON no deeper than a bound, storable strings.

Python's JSON parser recurses once per level, so 100,000 `[` raise RecursionError inside it:
the nesting is measured first, with a scan whose cost is linear in the body.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

from storage.text import storable

MAX_JSON_DEPTH = 32  # the page's calls nest 3 levels, a LINE webhook about 6
# A JSON string or one bracket; commas and values are skipped. The string's closing quote is
# optional and its repeats possessive, so an unclosed string ends the scan instead of being
# tried again from each of its quotes: the scan stays linear.
_STRUCTURE = re.compile(r'"(?:[^"\\]++|\\.)*+"?|[\[\]{}]', re.DOTALL)

BodyProblem = Literal["not_utf8", "not_json", "too_deep"]


class BadBody(ValueError):
    """The body is not what was asked for; `problem` says how."""

    def __init__(self, problem: BodyProblem) -> None:
        super().__init__(problem)
        self.problem = problem


def nesting_depth(text: str, give_up_above: int) -> int:
    """How deeply `text`'s arrays and objects nest (brackets in strings do not count)."""
    depth = deepest = 0
    for match in _STRUCTURE.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > give_up_above:
                    break
        elif token in "]}":
            depth -= 1
    return deepest


def parse_json(body: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """The JSON value of `body`, with every string made storable (storage.text); or BadBody."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            raise BadBody("not_utf8") from None
    if nesting_depth(body, max_depth) > max_depth:
        raise BadBody("too_deep")
    try:
        value = json.loads(body)
    except ValueError:  # not JSON, or an integer too long to convert
        raise BadBody("not_json") from None
    return storable(value)
