"""`thaidraw parse MESSAGE`: how the bot understands a chat message, as JSON."""

from __future__ import annotations

import json

import click

from bot.commands import ParseContext, parse_message
from bot.settings import BotSettings
from generator.settings import SettingsError, load_settings

EXIT_REJECTED = 2


@click.command()
@click.argument("message")
@click.option(
    "--direct/--group",
    default=False,
    help="A one-to-one chat (`วาด …` without the slash is a command) or a group (the default).",
)
def parse(message: str, direct: bool) -> None:
    """Print how the bot understands MESSAGE; exit 0 when understood, 2 when rejected.

    Limits, the blocklist and the bot's names come from the environment, as for `thaidraw serve`.
    """
    try:
        settings = load_settings(BotSettings)
    except SettingsError as error:
        raise click.ClickException(str(error)) from None
    parsed = parse_message(message, ParseContext.from_settings(settings, direct=direct))
    # Bytes, so that the Thai text reaches the caller as UTF-8 whatever the locale says.
    click.echo(json.dumps(parsed.to_json(), ensure_ascii=False).encode())
    if not parsed.ok:
        raise SystemExit(EXIT_REJECTED)
