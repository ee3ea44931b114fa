"""Text as both databases can store it and every answer can encode it.

A lone UTF-16 surrogate (JSON allows `"\\ud800"`) cannot be encoded as UTF-8, and PostgreSQL
refuses NUL characters in text. Either would fail a write half-way, so storage removes both from
every text it keeps; adapters use the same functions on what they read, before they answer.
"""

from __future__ import annotations

import re
from typing import Any

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(text: str) -> str:
    """`text` without NULs and lone surrogates (a well-formed pair becomes its character)."""
    if not _UNSTORABLE.search(text):
        return text
    paired = text.encode("utf-16", "surrogatepass").decode("utf-16", "ignore")
    return paired.replace("\x00", "")


def storable(value: Any) -> Any:
    """A JSON-like value with every string in it (keys too) made storable; other values as is."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(storable(item) for item in value)
    return value
