"""The client across its life: commands synced at login, and a restart that loses nothing."""

from __future__ import annotations

import asyncio

import pytest

from bot.discord.client import ThaiDrawClient
from bot.discord.commands import offline_payloads
from bot.events import JobDone, JobStarted
from tests.bot.discord.conftest import (
    ALICE,
    BOB,
    GUILD_IDS,
    DiscordBot,
    accepted_job_id,
    open_place,
    start_bot,
)
from tests.bot.discord.gateway import button, snowflake

pytestmark = pytest.mark.asyncio(loop_scope="package")


async def test_login_syncs_the_same_commands_to_each_configured_server(bot: DiscordBot):
    expected = await offline_payloads(bot.settings.limits())
    for guild_id in GUILD_IDS:
        assert bot.fake.synced[guild_id] == expected
    assert None not in bot.fake.synced  # nothing global when servers are configured


async def test_after_a_restart_old_buttons_work_and_left_jobs_finish_in_their_messages(
    fake_discord, smoke_settings, tmp_path
):
    place = open_place()
    first = await start_bot(fake_discord, tmp_path, smoke_settings, batch_size=1)
    done_id = await first.draw(ALICE, place, prompt="แมว --size 64 --steps 2")
    done = await first.finished(done_id)
    left_id = await first.draw(BOB, place, prompt="ช้าง --size 64 --steps 10")
    await first.log.wait_for(left_id, JobStarted)
    left_message = await first.status_message(left_id)
    await first.stop(grace_seconds=0)  # the running job is interrupted

    second = await start_bot(fake_discord, tmp_path, smoke_settings)
    try:
        assert (await second.finished(left_id)).id == left_message.id
        again = button(fake_discord.payload(done), f"thaidraw:again:{done_id}", BOB, place)
        again_id = accepted_job_id(await second.interact(again))
        assert (await second.service.job(again_id)).raw_text == "/วาด แมว --size 64 --steps 2"
        await second.react(done.id, "👍", BOB, place)
        counts = await asyncio.to_thread(second.service.database.feedback.counts, done_id)
        assert counts.up == 1
        await second.finished(again_id)
        messages_in_channel = [m.id for m in fake_discord.in_channel(place.channel_id)]
        again_message = await second.status_message(again_id)
        assert messages_in_channel == [done.id, left_message.id, again_message.id]
    finally:
        await second.stop()


async def test_a_server_that_refuses_the_commands_does_not_stop_the_others(bot, caplog):
    refusing, welcoming = snowflake(), snowflake()
    bot.fake.foreign_guilds.add(refusing)
    settings = bot.settings.model_copy(update={"discord_guild_ids": (refusing, welcoming)})
    client = ThaiDrawClient(settings, bot.client.handlers, bot.client.reactions)
    try:
        await client.login("test-token")
    finally:
        await client.close()
    assert welcoming in bot.fake.synced
    assert refusing not in bot.fake.synced
    assert f"cannot add the commands to server {refusing}" in caplog.text


async def test_a_result_discord_could_not_show_is_shown_in_its_message_after_a_restart(
    fake_discord, smoke_settings, tmp_path, monkeypatch
):
    place = open_place()
    first = await start_bot(fake_discord, tmp_path, smoke_settings)
    show = first.adapter.status.show

    async def discord_down_for_results(event) -> None:
        if isinstance(event, JobDone):
            raise ConnectionError("Discord is unreachable")
        await show(event)

    monkeypatch.setattr(first.adapter.status, "show", discord_down_for_results)
    job_id = await first.draw(ALICE, place, prompt="แมว --size 64 --steps 2")
    await first.log.wait_for(job_id, JobDone)
    waiting_message = await first.status_message(job_id)
    await first.stop()

    second = await start_bot(fake_discord, tmp_path, smoke_settings)
    try:
        shown = await second.finished(job_id)
        assert shown.id == waiting_message.id
        assert fake_discord.attachment_bytes(shown) == [
            (second.settings.images_dir / f"{job_id}.png").read_bytes()
        ]
    finally:
        await second.stop()
