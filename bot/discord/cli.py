"""`thaidraw discord …`: what the bot tells Discord, shown without connecting."""

from __future__ import annotations

import asyncio
import json
import sys

import click

from bot.discord.commands import offline_payloads
from bot.settings import BotSettings
from generator.settings import SettingsError, load_settings


@click.group()
def discord() -> None:
    """The Discord adapter."""


@discord.command()
def commands() -> None:
    """Print the application-command payloads `thaidraw serve` syncs, as JSON (no token needed)."""
    try:
        settings = load_settings(BotSettings)
    except SettingsError as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    payloads = asyncio.run(offline_payloads(settings.limits()))
    click.echo(json.dumps(payloads, ensure_ascii=False, indent=2))
    scope = ", ".join(map(str, settings.discord_guild_ids)) or "every server (global)"
    click.echo(f"synced at start-up to: {scope}", err=True)
