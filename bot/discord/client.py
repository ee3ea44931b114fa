"""The discord.py client: commands, buttons and reactions arrive here."""

from __future__ import annotations

import logging

import discord
from discord import app_commands

from bot.discord.commands import command_scopes, install_commands
from bot.discord.handlers import InteractionHandlers
from bot.discord.localization import BilingualTranslator
from bot.discord.reactions import ReactionFeedback
from bot.discord.views import JobButton
from bot.settings import BotSettings

log = logging.getLogger(__name__)

# Slash commands need no intent; reactions need the (unprivileged) reactions intent, and the
# server cache that tells which server an allowed channel or role belongs to needs `guilds`.
INTENTS = discord.Intents(guilds=True, guild_reactions=True)


class ThaiDrawClient(discord.Client):
    """Holds the command tree and the handlers its commands, buttons and reactions reach."""

    user: discord.ClientUser  # set at login, before any event arrives

    def __init__(
        self, settings: BotSettings, handlers: InteractionHandlers, reactions: ReactionFeedback
    ) -> None:
        super().__init__(intents=INTENTS, allowed_mentions=discord.AllowedMentions.none())
        self.handlers = handlers
        self.reactions = reactions
        self.guild_ids = settings.discord_guild_ids
        self.tree = app_commands.CommandTree(self)
        install_commands(self.tree, settings.limits(), self.guild_ids)

    async def setup_hook(self) -> None:
        """At login: route the buttons of old results again, then sync the commands."""
        self.add_dynamic_items(JobButton)
        await self.tree.set_translator(BilingualTranslator())
        for guild in command_scopes(self.guild_ids):
            try:
                await self.tree.sync(guild=guild)
            except discord.Forbidden:
                # One wrong id in DISCORD_GUILD_IDS should not keep the bot from the others.
                log.error(
                    "cannot add the commands to server %s: is the bot in it, invited with the "
                    "applications.commands scope?",
                    guild.id if guild else "(global)",
                )
        log.info("Discord commands sent to %s", self.guild_ids or "every server")

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s in %d servers", self.user, len(self.guilds))

    async def on_raw_reaction_add(self, reaction: discord.RawReactionActionEvent) -> None:
        await self.reactions.record(reaction, self.user.id)

    async def on_raw_reaction_remove(self, reaction: discord.RawReactionActionEvent) -> None:
        await self.reactions.record(reaction, self.user.id)
