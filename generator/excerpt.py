"""What a message quotes back of a user's own text: the start of it, never the whole of a flood."""

from __future__ import annotations

import unicodedata

QUOTED_CHARS = 60
ELLIPSIS = "…"


def excerpt(text: str, limit: int = QUOTED_CHARS) -> str:
    """`text` when it has at most `limit` characters, else its start and an ellipsis (`limit`
    characters in all). The cut never separates a letter from its combining marks."""
    if len(text) <= limit:
        return text
    cut = limit - len(ELLIPSIS)
    while cut > 0 and unicodedata.category(text[cut])[0] == "M":
        cut -= 1
    return text[:cut].rstrip() + ELLIPSIS
