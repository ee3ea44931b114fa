"""Reactions on result messages, kept as feedback on the job they show."""

from __future__ import annotations

import re

import discord

from bot.discord import PLATFORM
from bot.service import DrawService, Origin

APPROVING = frozenset({"👍", "❤", "🔥", "😍", "⭐"})
DISAPPROVING = frozenset({"👎", "😕", "💩"})
INVITATION = ("👍", "👎")  # the bot adds these to every result

# Skin tones and the emoji presentation selector do not change what a reaction means.
_MODIFIERS = re.compile("[\ufe0f\U0001f3fb-\U0001f3ff]")


def emoji_value(emoji: str) -> int:
    """+1 for approval, -1 for disapproval, 0 for any other emoji."""
    base = _MODIFIERS.sub("", emoji)
    if base in APPROVING:
        return 1
    if base in DISAPPROVING:
        return -1
    return 0


class ReactionFeedback:
    """Stores reactions added to and removed from the messages that show jobs."""

    def __init__(self, service: DrawService) -> None:
        self.service = service

    async def record(self, reaction: discord.RawReactionActionEvent, bot_user_id: int) -> None:
        if reaction.user_id == bot_user_id:
            return
        # Removal events carry no member and the message may not be cached: storage knows it.
        job = await self.service.job_of_message(PLATFORM, str(reaction.message_id))
        if job is None:
            return
        name = reaction.member.display_name if reaction.member is not None else ""
        label = str(reaction.emoji)
        await self.service.record_feedback(
            job.id,
            Origin(PLATFORM, str(reaction.user_id), name),
            "emoji",
            label,
            emoji_value(label),
            removed=reaction.event_type == "REACTION_REMOVE",
        )
