"""Who may draw where: the operator's channel and role lists apply in the servers they name."""

from __future__ import annotations

import dataclasses

import discord
import pytest

from bot.discord import messages
from bot.discord.access import AccessPolicy, bot_can_post, is_moderator
from bot.discord.client import INTENTS
from tests.bot.discord.fake_discord import BOT_USER_ID, user_payload
from tests.bot.discord.gateway import (
    BOT_PERMISSIONS,
    MODERATOR_PERMISSIONS,
    Person,
    Place,
    command,
    guild_payload,
)

OPEN, RESTRICTED, UNCACHED = 1001, 1002, 1003
ALLOWED, ELSEWHERE = 2001, 2002
ARTIST = 3001
POLICY = AccessPolicy(channel_ids=[ALLOWED], role_ids=[ARTIST])
MEMBER = Person(4001, "member")
ARTIST_MEMBER = Person(4002, "artist", roles=(ARTIST,))


@pytest.fixture(scope="module")
def client() -> discord.Client:
    """A client as after logging in and GUILD_CREATE for two servers; it never connects."""
    client = discord.Client(intents=INTENTS)
    bot_user = user_payload(BOT_USER_ID, "ThaiDraw", bot=True)
    client._connection.user = discord.ClientUser(state=client._connection, data=bot_user)
    client._connection._add_guild_from_data(guild_payload(OPEN, [], []))
    client._connection._add_guild_from_data(
        guild_payload(RESTRICTED, [ALLOWED, ELSEWHERE], [ARTIST])
    )
    return client


def interaction(client: discord.Client, person: Person, place: Place) -> discord.Interaction:
    return discord.Interaction(
        data=command("draw", person, place, prompt="แมว"), state=client._connection
    )


def test_a_server_with_nothing_listed_is_open_everywhere_to_everyone(client):
    assert POLICY.refusal(interaction(client, MEMBER, Place(OPEN, 5555))) is None


def test_a_restricted_server_allows_only_its_listed_channels_and_roles(client):
    assert POLICY.refusal(interaction(client, ARTIST_MEMBER, Place(RESTRICTED, ALLOWED))) is None
    refused_channel = POLICY.refusal(
        interaction(client, ARTIST_MEMBER, Place(RESTRICTED, ELSEWHERE))
    )
    assert refused_channel == messages.CHANNEL_NOT_ALLOWED
    refused_role = POLICY.refusal(interaction(client, MEMBER, Place(RESTRICTED, ALLOWED)))
    assert refused_role == messages.ROLE_NOT_ALLOWED


def test_a_thread_counts_as_the_channel_it_belongs_to(client):
    thread = Place(RESTRICTED, 6666, thread_of=ALLOWED)
    assert POLICY.refusal(interaction(client, ARTIST_MEMBER, thread)) is None


def test_an_unknown_server_gets_every_listed_restriction(client):
    refused = POLICY.refusal(interaction(client, ARTIST_MEMBER, Place(UNCACHED, 7777)))
    assert refused == messages.CHANNEL_NOT_ALLOWED


def test_without_lists_everyone_draws_everywhere(client):
    anywhere = AccessPolicy(channel_ids=[], role_ids=[])
    assert anywhere.refusal(interaction(client, MEMBER, Place(UNCACHED, 7777))) is None


def test_the_bot_must_be_able_to_post_its_picture_where_it_is_asked(client):
    place = Place(OPEN, 5555)
    assert bot_can_post(interaction(client, MEMBER, place))
    payload = command("draw", MEMBER, place, prompt="แมว")
    without_files = BOT_PERMISSIONS & ~discord.Permissions(attach_files=True)
    payload["app_permissions"] = str(without_files.value)
    assert not bot_can_post(discord.Interaction(data=payload, state=client._connection))


def test_in_a_thread_the_bot_needs_to_post_in_threads(client):
    thread = Place(OPEN, 6666, thread_of=5555)
    payload = command("draw", MEMBER, thread, prompt="แมว")
    only_channels = BOT_PERMISSIONS & ~discord.Permissions(send_messages_in_threads=True)
    payload["app_permissions"] = str(only_channels.value)
    assert not bot_can_post(discord.Interaction(data=payload, state=client._connection))


def test_moderators_are_those_who_may_manage_messages(client):
    moderator = dataclasses.replace(MEMBER, permissions=MODERATOR_PERMISSIONS)
    assert is_moderator(interaction(client, moderator, Place(OPEN, 5555)))
    assert not is_moderator(interaction(client, MEMBER, Place(OPEN, 5555)))
