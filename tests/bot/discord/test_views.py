"""The buttons under a result: 🎲 draws again, ➕ draws on, 🗑️ deletes (for some people)."""

from __future__ import annotations

import pytest

from bot.discord import messages
from tests.bot.discord.conftest import ALICE, BOB, DiscordBot, accepted_job_id, open_place
from tests.bot.discord.fake_discord import Message
from tests.bot.discord.gateway import MODERATOR_PERMISSIONS, Person, Place, button, snowflake

pytestmark = pytest.mark.asyncio(loop_scope="package")


async def finished_result(bot: DiscordBot, place: Place) -> tuple[str, Message]:
    job_id = await bot.draw(ALICE, place, prompt="คฤหาสน์ --size 64 --steps 2", neg="ภาพเบลอ")
    return job_id, await bot.finished(job_id)


async def press(bot: DiscordBot, result: Message, action: str, person: Person, place: Place):
    [custom_id] = [cid for cid in result.custom_ids if cid.startswith(f"thaidraw:{action}:")]
    return await bot.interact(button(bot.fake.payload(result), custom_id, person, place))


async def test_again_draws_the_same_recipe_with_a_new_seed_for_whoever_pressed(bot):
    place = open_place()
    job_id, result = await finished_result(bot, place)
    again_id = accepted_job_id(await press(bot, result, "again", BOB, place))
    original, again = await bot.service.job(job_id), await bot.service.job(again_id)
    assert again.request["prompts"] == original.request["prompts"]
    assert again.request["negatives"] == original.request["negatives"]
    assert again.request["seed"] != original.request["seed"]
    assert again.conversation["author_id"] == str(BOB.id)
    again_result = await bot.finished(again_id)
    assert again_result.channel_id == place.channel_id
    assert again_result.id != result.id


async def test_more_continues_from_the_finished_picture_with_as_many_steps_again(bot):
    place = open_place()
    job_id, result = await finished_result(bot, place)
    more_id = accepted_job_id(await press(bot, result, "more", ALICE, place))
    more = await bot.service.job(more_id)
    assert more.request["init_image"].endswith(f"{job_id}.png")
    assert more.request["steps"] == 2
    await bot.finished(more_id)


async def test_delete_is_refused_to_others_and_allowed_to_the_author(bot):
    place = open_place()
    _, result = await finished_result(bot, place)
    [refusal] = await press(bot, result, "delete", BOB, place)
    assert refusal.content == messages.DELETE_NOT_ALLOWED
    assert not bot.fake.messages[result.id].deleted
    assert await press(bot, result, "delete", ALICE, place) == []
    assert bot.fake.messages[result.id].deleted


async def test_moderators_may_delete_anyones_result(bot):
    place = open_place()
    _, result = await finished_result(bot, place)
    moderator = Person(snowflake(), "mod", permissions=MODERATOR_PERMISSIONS)
    await press(bot, result, "delete", moderator, place)
    assert bot.fake.messages[result.id].deleted
