"""The application commands, each in Thai (/วาด) with an English twin (/draw), and their payloads.

There is no `from __future__ import annotations` here on purpose: discord.py reads a callback's
annotations when it builds the command, and the steps range in them is the operator's limit.
"""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord
from discord import app_commands

from bot.discord.handlers import DrawOptions, handlers_of
from bot.discord.localization import (
    CANCEL,
    DRAW,
    HELP,
    LANDSCAPE,
    LANGUAGES,
    MODERATE,
    MODERATE_ACTIONS,
    PORTRAIT,
    QUEUE,
    SQUARE,
    STATS,
    STYLES,
    Bilingual,
    BilingualTranslator,
    CommandWording,
    Language,
)
from generator.request import MAX_SEED, RequestLimits, round_side
from generator.styles import STYLE_ENGLISH, STYLE_PRESETS

Callback = Callable[..., Awaitable[None]]
SQUARE_SIDES = (128, 256, 384, 512, 768, 1024)


def style_choices(language: Language) -> list[app_commands.Choice[str]]:
    """The 15 presets; the value is the Thai name the core's parser knows."""
    return [
        app_commands.Choice(
            name=Bilingual(style, STYLE_ENGLISH[style]).localized(language), value=style
        )
        for style in STYLE_PRESETS
    ]


def size_choices(limits: RequestLimits, language: Language) -> list[app_commands.Choice[str]]:
    """Squares within the limits, and the largest of them also as 16:9 landscape and portrait."""
    sides = [side for side in SQUARE_SIDES if limits.min_size <= side <= limits.max_size]
    shapes = [(side, side, SQUARE) for side in sides]
    if sides:
        short = round_side(sides[-1] * 9 // 16)
        if short >= limits.min_size:
            shapes += [(sides[-1], short, LANDSCAPE), (short, sides[-1], PORTRAIT)]
    return [
        app_commands.Choice(
            name=Bilingual(f"{w}×{h} {shape.th}", f"{w}×{h} {shape.en}").localized(language),
            value=f"{w}x{h}",
        )
        for w, h, shape in shapes
    ]


def _draw_callback(limits: RequestLimits) -> Callback:
    async def draw(
        interaction: discord.Interaction,
        prompt: str,
        neg: str | None = None,
        style: str | None = None,
        steps: app_commands.Range[int, 1, limits.max_steps] | None = None,
        size: str | None = None,
        seed: app_commands.Range[int, 0, MAX_SEED] | None = None,
        init: discord.Attachment | None = None,
    ) -> None:
        options = DrawOptions(prompt, neg, style, steps, size, seed, init)
        await handlers_of(interaction).draw(interaction, options)

    return draw


def _cancel_callback() -> Callback:
    async def cancel(interaction: discord.Interaction, job: str | None = None) -> None:
        await handlers_of(interaction).cancel(interaction, job)

    return cancel


def _moderate_callback() -> Callback:
    async def moderate(
        interaction: discord.Interaction, action: str, job: str | None = None
    ) -> None:
        await handlers_of(interaction).moderate(interaction, action, job)

    return moderate


async def _show_queue(interaction: discord.Interaction) -> None:
    await handlers_of(interaction).show_queue(interaction)


async def _stats(interaction: discord.Interaction) -> None:
    await handlers_of(interaction).stats(interaction)


async def _help(interaction: discord.Interaction) -> None:
    await handlers_of(interaction).help(interaction)


async def _styles(interaction: discord.Interaction) -> None:
    await handlers_of(interaction).styles(interaction)


def _worded(
    callback: Callback, wording: CommandWording, language: Language
) -> app_commands.Command:
    """A server-only command named and described in `language`, localised in the other.

    Commands with options need a fresh callback per language: discord.py's rename and describe
    decorators write onto the function.
    """
    if wording.options:
        names = {
            param: option.name.localized(language) for param, option in wording.options.items()
        }
        descriptions = {
            param: option.description.localized(language)
            for param, option in wording.options.items()
        }
        callback = app_commands.describe(**descriptions)(app_commands.rename(**names)(callback))
    command = app_commands.Command(
        name=wording.name.plain(language),
        description=wording.description.localized(language),
        callback=callback,
    )
    return app_commands.guild_only(command)


def commands_in(language: Language, limits: RequestLimits) -> list[app_commands.Command]:
    draw = app_commands.choices(style=style_choices(language), size=size_choices(limits, language))(
        _draw_callback(limits)
    )
    moderate = app_commands.choices(
        action=[
            app_commands.Choice(name=words.localized(language), value=action)
            for action, words in MODERATE_ACTIONS.items()
        ]
    )(_moderate_callback())
    return [
        _worded(draw, DRAW, language),
        _worded(_show_queue, QUEUE, language),
        _worded(_cancel_callback(), CANCEL, language),
        _worded(_stats, STATS, language),
        _worded(_help, HELP, language),
        _worded(_styles, STYLES, language),
        app_commands.default_permissions(manage_messages=True)(
            _worded(moderate, MODERATE, language)
        ),
    ]


def thaidraw_commands(limits: RequestLimits) -> list[app_commands.Command]:
    """Every command in Thai, then every English twin."""
    return [command for language in LANGUAGES for command in commands_in(language, limits)]


def command_scopes(guild_ids: Sequence[int]) -> list[discord.Object | None]:
    """Where the commands live: the given servers (they appear at once), else everywhere."""
    return [discord.Object(id=guild_id) for guild_id in guild_ids] or [None]


def install_commands(
    tree: app_commands.CommandTree, limits: RequestLimits, guild_ids: Sequence[int]
) -> None:
    guilds = [discord.Object(id=guild_id) for guild_id in guild_ids]
    for command in thaidraw_commands(limits):
        if guilds:
            tree.add_command(command, guilds=guilds)
        else:
            tree.add_command(command)


async def command_payloads(
    tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None = None
) -> list[dict[str, Any]]:
    """What `tree.sync(guild=guild)` sends Discord (its translator must be set)."""
    translator = tree.translator
    assert translator is not None  # every ThaiDraw tree has the BilingualTranslator
    return [
        await command.get_translated_payload(tree, translator)
        for command in tree.get_commands(guild=guild)
    ]


async def offline_payloads(limits: RequestLimits) -> list[dict[str, Any]]:
    """The payloads of every command, built without a token or a connection."""
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    install_commands(tree, limits, ())
    await tree.set_translator(BilingualTranslator())
    return await command_payloads(tree)
