"""Reactions on results are kept as feedback; the bot's own invitations are not."""

from __future__ import annotations

import asyncio

import pytest

from bot.discord.reactions import emoji_value
from tests.bot.discord.conftest import ALICE, BOB, DiscordBot, open_place
from tests.bot.discord.fake_discord import BOT_USER_ID
from tests.bot.discord.gateway import Person

on_the_bot = pytest.mark.asyncio(loop_scope="package")


@pytest.mark.parametrize(
    ("emoji", "value"),
    [
        ("👍", 1),
        ("❤️", 1),
        ("🔥", 1),
        ("😍", 1),
        ("⭐", 1),
        ("👍🏽", 1),  # a skin tone is still a thumbs-up
        ("👎", -1),
        ("😕", -1),
        ("💩", -1),
        ("🎉", 0),
        ("<:party:123456>", 0),  # a server's own emoji
    ],
)
def test_emoji_values(emoji, value):
    assert emoji_value(emoji) == value


async def feedback_of(bot: DiscordBot, job_id: str) -> list[tuple[str, int, str]]:
    rows = await asyncio.to_thread(bot.service.database.feedback.for_job, job_id)
    return [(row.label, row.value, row.action) for row in rows]


@on_the_bot
async def test_reactions_added_and_removed_are_stored_with_their_values(bot):
    place = open_place()
    job_id = await bot.draw(ALICE, place, prompt="แมว --size 64 --steps 2")
    result = await bot.finished(job_id)
    await bot.react(result.id, "❤️", ALICE, place)
    await bot.react(result.id, "💩", BOB, place)
    await bot.react(result.id, "🎉", BOB, place)
    await bot.react(result.id, "❤️", ALICE, place, removed=True)
    assert await feedback_of(bot, job_id) == [
        ("❤️", 1, "added"),
        ("💩", -1, "added"),
        ("🎉", 0, "added"),
        ("❤️", 1, "removed"),
    ]
    counts = await asyncio.to_thread(bot.service.database.feedback.counts, job_id)
    assert (counts.up, counts.down) == (0, 1)


@on_the_bot
async def test_the_bots_own_reactions_and_other_messages_are_ignored(bot):
    place = open_place()
    job_id = await bot.draw(ALICE, place, prompt="แมว --size 64 --steps 2")
    result = await bot.finished(job_id)
    assert result.reactions == ["👍", "👎"]  # the invitation
    the_bot = Person(BOT_USER_ID, "ThaiDraw")
    await bot.react(result.id, "👍", the_bot, place)
    await bot.react(999, "👍", ALICE, place)
    assert await feedback_of(bot, job_id) == []
