"""Discord among the bot's platforms: on when DISCORD_TOKEN is set."""

from __future__ import annotations

import asyncio

import pytest

from bot.bridge import LoopBridge
from bot.core import Core
from bot.discord.adapter import DiscordAdapter
from bot.event_hub import NotDelivered
from bot.events import JobCancelled
from bot.serve import enabled_adapters
from tests.bot.discord.conftest import ALICE, open_place

pytestmark = pytest.mark.asyncio(loop_scope="package")


async def test_discord_is_enabled_by_its_token(bot):
    bridge = LoopBridge(asyncio.get_running_loop())
    with_token = enabled_adapters(Core(bot.service, bridge, bot.settings))
    assert [type(a) for a in with_token if a.platform == "discord"] == [DiscordAdapter]
    without_token = bot.settings.model_copy(update={"discord_token": None})
    assert "discord" not in [
        a.platform for a in enabled_adapters(Core(bot.service, bridge, without_token))
    ]


async def test_stop_ends_the_gateway_connection_even_while_it_keeps_failing(bot):
    adapter = DiscordAdapter(
        Core(bot.service, LoopBridge(asyncio.get_running_loop()), bot.settings)
    )
    await adapter.start()  # the fake has no gateway: discord.py keeps retrying
    await asyncio.sleep(0.1)
    async with asyncio.timeout(30):
        await adapter.stop()
    assert adapter.client.is_closed()


async def test_an_event_once_the_client_is_closed_is_refused_so_its_job_stays_owed(bot):
    job_id = await bot.draw(ALICE, open_place(), prompt="แมว --size 64 --steps 2")
    await bot.finished(job_id)
    adapter = DiscordAdapter(
        Core(bot.service, LoopBridge(asyncio.get_running_loop()), bot.settings)
    )
    await adapter.login()
    await adapter.stop()
    with pytest.raises(NotDelivered):
        await adapter.on_event(JobCancelled(await bot.service.job(job_id)))
