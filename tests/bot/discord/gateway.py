"""Gateway payloads as Discord sends them: interactions, reactions, and the servers' cache."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import discord

from tests.bot.discord.fake_discord import APPLICATION_ID, TIMESTAMP, user_payload

# What the bot may do in an ordinary channel where it was invited with the README's permissions.
BOT_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    read_message_history=True,
)
MEMBER_PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True)
MODERATOR_PERMISSIONS = MEMBER_PERMISSIONS | discord.Permissions(manage_messages=True)

_ids = itertools.count(600000000000000000)


def snowflake() -> int:
    return next(_ids)


@dataclass(frozen=True)
class Person:
    """A member of a server, as an interaction or reaction carries them."""

    id: int
    name: str
    roles: tuple[int, ...] = ()
    permissions: discord.Permissions = MEMBER_PERMISSIONS

    def member(self) -> dict[str, Any]:
        return {
            "user": user_payload(self.id, self.name),
            "roles": [str(role) for role in self.roles],
            "joined_at": TIMESTAMP,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
            "communication_disabled_until": None,
            "permissions": str(self.permissions.value),
        }


@dataclass(frozen=True)
class Place:
    """Where an interaction happens: a server and one of its channels."""

    guild_id: int
    channel_id: int
    upload_limit: int = discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
    thread_of: int | None = None  # for a thread: the channel it belongs to


def guild_payload(guild_id: int, channel_ids: list[int], role_ids: list[int]) -> dict[str, Any]:
    """A server as GUILD_CREATE describes it, for the client's cache."""
    return {
        "id": str(guild_id),
        "name": f"server {guild_id}",
        "owner_id": "1",
        "features": [],
        "emojis": [],
        "stickers": [],
        "member_count": 3,
        "premium_tier": 0,
        "channels": [_channel(channel_id, guild_id) for channel_id in channel_ids],
        "roles": [
            {
                "id": str(role_id),
                "name": f"role {role_id}",
                "permissions": "0",
                "position": index,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
            for index, role_id in enumerate([guild_id, *role_ids])  # @everyone has the server's id
        ],
    }


def _channel(channel_id: int, guild_id: int, thread_of: int | None = None) -> dict[str, Any]:
    if thread_of is not None:
        return {
            "id": str(channel_id),
            "type": 11,
            "guild_id": str(guild_id),
            "parent_id": str(thread_of),
            "owner_id": "1",
            "name": f"thread-{channel_id}",
            "message_count": 0,
            "member_count": 1,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": TIMESTAMP,
            },
        }
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": f"channel-{channel_id}",
        "position": 0,
        "permission_overwrites": [],
        "nsfw": False,
        "parent_id": None,
    }


def _interaction(
    kind: int, data: dict[str, Any], person: Person, place: Place, **extra: Any
) -> dict[str, Any]:
    interaction_id = snowflake()
    return {
        "id": str(interaction_id),
        "application_id": str(APPLICATION_ID),
        "type": kind,
        "token": f"token-{interaction_id}",
        "version": 1,
        "guild_id": str(place.guild_id),
        "guild": {"id": str(place.guild_id), "locale": "th", "features": []},
        "channel_id": str(place.channel_id),
        "channel": _channel(place.channel_id, place.guild_id, place.thread_of),
        "member": person.member(),
        "app_permissions": str(BOT_PERMISSIONS.value),
        "locale": "th",
        "guild_locale": "th",
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(place.guild_id)},
        "context": 0,
        "attachment_size_limit": place.upload_limit,
        "data": data,
        **extra,
    }


_OPTION_TYPES = {str: 3, int: 4}


def command(
    name: str,
    person: Person,
    place: Place,
    *,
    attachments: dict[str, dict[str, Any]] | None = None,
    **options: str | int,
) -> dict[str, Any]:
    """A slash command as typed in a server; `attachments`: option name → uploaded file."""
    typed = [
        {"name": option, "type": _OPTION_TYPES[type(value)], "value": value}
        for option, value in options.items()
    ]
    attachments = attachments or {}
    typed += [
        {"name": option, "type": 11, "value": file["id"]} for option, file in attachments.items()
    ]
    data: dict[str, Any] = {
        "id": str(snowflake()),
        "name": name,
        "type": 1,
        "guild_id": str(place.guild_id),
        "options": typed,
    }
    if attachments:
        data["resolved"] = {"attachments": {file["id"]: file for file in attachments.values()}}
    return _interaction(2, data, person, place)


def button(message: dict[str, Any], custom_id: str, person: Person, place: Place) -> dict[str, Any]:
    """A press on a button of `message` (a message payload from the fake)."""
    data = {"custom_id": custom_id, "component_type": 2}
    return _interaction(3, data, person, place, message=message)


def reaction(
    message_id: int, emoji: str, person: Person, place: Place, *, removed: bool = False
) -> dict[str, Any]:
    """MESSAGE_REACTION_ADD, or _REMOVE (which carries no member)."""
    payload: dict[str, Any] = {
        "user_id": str(person.id),
        "channel_id": str(place.channel_id),
        "message_id": str(message_id),
        "guild_id": str(place.guild_id),
        "emoji": {"id": None, "name": emoji},
        "burst": False,
        "type": 0,
    }
    if not removed:
        payload["member"] = person.member()
    return payload
