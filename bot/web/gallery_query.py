"""The gallery's filters as they arrive in the address (`?style=ภาพสวย&vote=liked&before=…`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import get_args

from bot.web.context import JOB_ID
from bot.web.errors import FormError
from generator.styles import find_style
from storage.gallery import VoteFilter

DEFAULT_LIMIT = 24
MAX_LIMIT = 60


@dataclass(frozen=True)
class GalleryQuery:
    style: str | None = None  # a preset name
    vote: VoteFilter | None = None
    before: str | None = None
    limit: int = DEFAULT_LIMIT


def read_gallery_query(args: Mapping[str, str]) -> GalleryQuery:
    """Empty values mean "any"; a style may be named in Thai or English. Raises FormError."""
    style = None
    if args.get("style"):
        style = find_style(args["style"])
        if style is None:
            raise FormError("style")
    vote = args.get("vote") or None
    if vote is not None and vote not in get_args(VoteFilter):
        raise FormError("vote")
    before = args.get("before") or None
    if before is not None and not JOB_ID.fullmatch(before):
        raise FormError("before")
    limit_text = args.get("limit") or str(DEFAULT_LIMIT)
    # ASCII decimals only ("²" is a digit to isdigit, not to int), and few enough for int.
    well_formed = limit_text.isascii() and limit_text.isdecimal() and len(limit_text) <= 4
    if not well_formed or not 1 <= int(limit_text) <= MAX_LIMIT:
        raise FormError("limit")
    return GalleryQuery(style, vote, before, int(limit_text))  # type: ignore[arg-type]
