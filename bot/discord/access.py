"""Who may draw where (the operator's channel and role lists), and who moderates."""

from __future__ import annotations

from collections.abc import Callable, Collection

import discord

from bot.discord import messages


class AccessPolicy:
    """The operator's allowed channels and roles, each list applying in the servers it names.

    A server none of whose channels (roles) are listed is open in every channel (to everyone).
    When the bot does not know a server's channels and roles yet, every listed id applies, so
    a restriction is never lifted by a cold cache.
    """

    def __init__(self, channel_ids: Collection[int], role_ids: Collection[int]) -> None:
        self.channel_ids = frozenset(channel_ids)
        self.role_ids = frozenset(role_ids)

    def refusal(self, interaction: discord.Interaction) -> str | None:
        """The Thai sentence why this person may not draw here, or None."""
        guild_id = interaction.guild_id
        guild = interaction.client.get_guild(guild_id) if guild_id is not None else None
        channels = _listed_here(self.channel_ids, guild, lambda g, i: g.get_channel_or_thread(i))
        if channels and not channels & _places(interaction):
            return messages.CHANNEL_NOT_ALLOWED
        roles = _listed_here(self.role_ids, guild, lambda g, i: g.get_role(i))
        if roles and not roles & _role_ids(interaction.user):
            return messages.ROLE_NOT_ALLOWED
        return None


def _listed_here(
    ids: frozenset[int],
    guild: discord.Guild | None,
    find: Callable[[discord.Guild, int], object | None],
) -> frozenset[int]:
    if guild is None:
        return ids
    return frozenset(i for i in ids if find(guild, i) is not None)


def _places(interaction: discord.Interaction) -> set[int | None]:
    """The channel, and for a thread also the channel it belongs to."""
    places = {interaction.channel_id}
    if isinstance(interaction.channel, discord.Thread):
        places.add(interaction.channel.parent_id)
    return places


def _role_ids(user: discord.User | discord.Member) -> set[int]:
    return {role.id for role in user.roles} if isinstance(user, discord.Member) else set()


def is_moderator(interaction: discord.Interaction) -> bool:
    """Members who may manage messages in the channel moderate the bot there."""
    return interaction.permissions.manage_messages


def bot_can_post(interaction: discord.Interaction) -> bool:
    """Whether the bot may send the status message, with its picture, in this channel."""
    in_thread = isinstance(interaction.channel, discord.Thread)
    needed = discord.Permissions(embed_links=True, attach_files=True)
    needed.update(send_messages_in_threads=in_thread, send_messages=not in_thread)
    return needed <= interaction.app_permissions
