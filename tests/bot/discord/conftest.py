"""A ThaiDraw bot on the real core (smoke models, SQLite) with a fake Discord around it.

One bot serves a whole test package (its generator process is the slow part); every test uses
channels of its own, so the messages it reads are its own.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest_asyncio

from bot.bridge import LoopBridge
from bot.core import Core
from bot.discord import MESSAGE_REF
from bot.discord.adapter import DiscordAdapter
from bot.discord.client import ThaiDrawClient
from bot.events import JobDone, JobEvent
from bot.service import DrawService, ServiceLimits
from bot.settings import BotSettings
from generator.settings import GeneratorSettings
from storage.database import Database
from tests.bot.conftest import EventLog, local_service
from tests.bot.discord.fake_discord import EPHEMERAL, FakeDiscord, Message
from tests.bot.discord.gateway import (
    Person,
    Place,
    command,
    guild_payload,
    reaction,
    snowflake,
)

OPEN_GUILD = 500000000000000001  # no restrictions
RESTRICTED_GUILD = 500000000000000002  # drawing only in ALLOWED_CHANNEL, by ALLOWED_ROLE
UNKNOWN_GUILD = 500000000000000003  # synced, but not in the client's cache
ALLOWED_CHANNEL = 510000000000000001
OTHER_RESTRICTED_CHANNEL = 510000000000000002
ALLOWED_ROLE = 520000000000000001
GUILD_IDS = (OPEN_GUILD, RESTRICTED_GUILD, UNKNOWN_GUILD)

ALICE = Person(530000000000000001, "alice")
BOB = Person(530000000000000002, "bob")
HOUR = 3600.0  # an edit interval no test outlasts: no optional edit ever happens


def open_place(**fields: Any) -> Place:
    """A fresh channel in the open server, so a test reads only its own messages."""
    return Place(OPEN_GUILD, snowflake(), **fields)


@dataclass
class DiscordBot:
    """A bot process as the tests see it: its core, its adapter, and its events."""

    settings: BotSettings
    service: DrawService
    adapter: DiscordAdapter
    log: EventLog
    fake: FakeDiscord

    @property
    def client(self) -> ThaiDrawClient:
        return self.adapter.client

    async def interact(self, payload: dict[str, Any]) -> list[Message]:
        """Deliver an interaction as the gateway does, wait until it is handled, and return
        what the person was told."""
        await _handled(self.client._connection.parse_interaction_create, payload)
        return self.fake.answers.get(payload["token"], [])

    async def react(
        self, message_id: int, emoji: str, person: Person, place: Place, *, removed: bool = False
    ) -> None:
        """Deliver MESSAGE_REACTION_ADD (or _REMOVE) and wait until the listener is done."""
        connection = self.client._connection
        parse = (
            connection.parse_message_reaction_remove
            if removed
            else connection.parse_message_reaction_add
        )
        await _handled(parse, reaction(message_id, emoji, person, place, removed=removed))

    async def draw(self, person: Person, place: Place, **options: str | int) -> str:
        """/draw; returns the accepted job's id."""
        answers = await self.interact(command("draw", person, place, **options))
        return accepted_job_id(answers)

    async def finished(self, job_id: str) -> Message:
        """The job's message once its result is shown."""
        await self.log.wait_for(job_id, JobDone)
        return await self.status_message(job_id)

    async def status_message(self, job_id: str) -> Message:
        job = await self.service.job(job_id)
        assert job is not None
        return self.fake.messages[int(job.message_refs[MESSAGE_REF])]

    async def stop(self, grace_seconds: float = 5.0) -> None:
        await self.adapter.stop()
        await self.service.stop(grace_seconds)
        await asyncio.to_thread(self.service.database.close)


def accepted_job_id(answers: list[Message]) -> str:
    """The job id in the answer to an accepted draw ("… (งาน ID) …")."""
    assert [answer.flags & EPHEMERAL for answer in answers] == [EPHEMERAL], answers
    match = re.search(r"\(งาน ([A-Za-z0-9_-]+)\)", answers[0].content)
    assert match is not None, answers[0].content
    return match[1]


async def _handled(parse: Callable[[dict[str, Any]], None], payload: dict[str, Any]) -> None:
    """Run a gateway parser and wait for the tasks it starts (command, button or listener)."""
    before = asyncio.all_tasks()
    parse(payload)
    await asyncio.gather(*(asyncio.all_tasks() - before))


async def start_bot(
    fake: FakeDiscord,
    data_dir: Path,
    smoke_settings: GeneratorSettings,
    *,
    edit_interval: float = HOUR,
    **settings: Any,
) -> DiscordBot:
    """Everything `thaidraw serve` starts for Discord, logged in to the fake (no gateway)."""
    bot_settings = BotSettings(
        _env_file=None,
        discord_token="test-token",
        discord_guild_ids=GUILD_IDS,
        discord_allowed_channel_ids=(ALLOWED_CHANNEL,),
        discord_allowed_role_ids=(ALLOWED_ROLE,),
        data_dir=data_dir,
        models="smoke",
        weights_dir=smoke_settings.weights_dir,
        device="cpu",
        **settings,
    )
    database = await asyncio.to_thread(Database.open, bot_settings.resolved_database_url())
    service = local_service(
        database,
        bot_settings.generator_part(),
        bot_settings.images_dir,
        ServiceLimits(
            max_queue=bot_settings.max_queue,
            max_jobs_per_user=bot_settings.max_jobs_per_user,
            max_jobs_per_minute=bot_settings.max_jobs_per_minute,
        ),
        batch_size=bot_settings.batch_size,
        continuous=bot_settings.continuous_batching,
    )
    core = Core(service, LoopBridge(asyncio.get_running_loop()), bot_settings)
    adapter = DiscordAdapter(core, edit_interval=edit_interval)
    log = EventLog()

    async def deliver(event: JobEvent) -> None:
        try:
            await adapter.on_event(event)
        finally:
            await log(event)

    service.subscribe("discord", deliver)
    await service.start()
    await adapter.login()
    # What GUILD_CREATE would bring after connecting: the servers the bot knows.
    connection = adapter.client._connection
    connection._add_guild_from_data(guild_payload(OPEN_GUILD, [], []))
    connection._add_guild_from_data(
        guild_payload(RESTRICTED_GUILD, [ALLOWED_CHANNEL, OTHER_RESTRICTED_CHANNEL], [ALLOWED_ROLE])
    )
    return DiscordBot(bot_settings, service, adapter, log, fake)


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord().running() as fake:
        yield fake


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def bot(
    fake_discord: FakeDiscord,
    smoke_settings: GeneratorSettings,
    tmp_path_factory: Any,
) -> AsyncIterator[DiscordBot]:
    """The package's bot; generous limits, since its tests share one service."""
    shared = await start_bot(
        fake_discord,
        tmp_path_factory.mktemp("discord-bot"),
        smoke_settings,
        max_jobs_per_user=20,
        max_jobs_per_minute=100,
    )
    yield shared
    await shared.stop()
