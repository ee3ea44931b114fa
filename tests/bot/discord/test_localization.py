"""The translator: each client sees a command in its own language, Thai or English."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.discord.localization import Bilingual, BilingualTranslator

DRAW = Bilingual("วาด", "draw")
CONTEXT = app_commands.TranslationContext(app_commands.TranslationContextLocation.other, None)


async def translate(text: app_commands.locale_str, locale: discord.Locale) -> str | None:
    return await BilingualTranslator().translate(text, locale, CONTEXT)


async def test_a_thai_text_is_shown_in_english_to_english_clients_only():
    thai = DRAW.localized("th")
    assert thai.message == "วาด"
    assert await translate(thai, discord.Locale.american_english) == "draw"
    assert await translate(thai, discord.Locale.british_english) == "draw"
    assert await translate(thai, discord.Locale.thai) is None  # already Thai
    assert await translate(thai, discord.Locale.japanese) is None  # Discord shows the Thai


async def test_an_english_text_is_shown_in_thai_to_thai_clients():
    english = DRAW.localized("en")
    assert english.message == "draw"
    assert await translate(english, discord.Locale.thai) == "วาด"
    assert await translate(english, discord.Locale.american_english) is None
