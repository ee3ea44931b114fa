"""The application commands as Discord receives them: valid, bilingual, within the limits."""

from __future__ import annotations

import copy

from bot.discord.commands import command_scopes, offline_payloads
from generator.request import RequestLimits
from generator.styles import STYLE_ENGLISH, STYLE_PRESETS
from tests.bot.discord.discord_rules import problems

THAI_AND_ENGLISH = {
    "วาด": "draw",
    "คิว": "queue",
    "ยกเลิก": "cancel",
    "สถิติ": "stats",
    "ช่วยเหลือ": "help",
    "สไตล์": "styles",
    "ดูแลคิว": "queue-admin",
}


def by_name(payloads: list[dict]) -> dict[str, dict]:
    return {command["name"]: command for command in payloads}


def options_of(command: dict) -> dict[str, dict]:
    return {option["name"]: option for option in command["options"]}


async def test_every_payload_keeps_discords_rules():
    assert problems(await offline_payloads(RequestLimits())) == []


async def test_the_checker_finds_broken_rules():
    draw = by_name(await offline_payloads(RequestLimits()))["draw"]
    broken = copy.deepcopy(draw)
    broken["name"] = "Draw Now"
    broken["options"].append({**broken["options"][0], "required": True})
    broken["options"][1]["description"] = "x" * 101
    broken["options"] *= 4
    found = "\n".join(problems([broken, draw]))
    for expected in (
        "breaks the name pattern",
        "is not lower-case",
        "more than 25",
        "a required option follows an optional one",
        "description of 101 characters",
        "appears twice",
    ):
        assert expected in found


async def test_each_thai_command_has_an_english_twin_with_the_same_options():
    commands = by_name(await offline_payloads(RequestLimits()))
    assert set(commands) == set(THAI_AND_ENGLISH) | set(THAI_AND_ENGLISH.values())
    for thai, english in THAI_AND_ENGLISH.items():
        thai_options, english_options = commands[thai]["options"], commands[english]["options"]
        assert [o["name_localizations"]["en-US"] for o in thai_options] == [
            o["name"] for o in english_options
        ]
        assert [o["name"] for o in thai_options] == [
            o["name_localizations"]["th"] for o in english_options
        ]
        assert [(o["type"], o["required"]) for o in thai_options] == [
            (o["type"], o["required"]) for o in english_options
        ]
        assert commands[thai]["description"] == commands[english]["description_localizations"]["th"]
        assert (
            commands[english]["description"] == commands[thai]["description_localizations"]["en-US"]
        )


async def test_draw_offers_the_presets_and_the_sizes_and_steps_the_operator_allows():
    limits = RequestLimits(max_steps=300, max_size=256)
    options = options_of(by_name(await offline_payloads(limits))["วาด"])
    assert options["ข้อความ"]["required"] is True
    styles = options["สไตล์"]["choices"]
    assert [choice["value"] for choice in styles] == list(STYLE_PRESETS)
    assert [choice["name_localizations"]["en-US"] for choice in styles] == [
        STYLE_ENGLISH[style] for style in STYLE_PRESETS
    ]
    sizes = [choice["value"] for choice in options["ขนาด"]["choices"]]
    assert sizes == ["128x128", "256x256", "256x144", "144x256"]
    assert (options["รอบ"]["min_value"], options["รอบ"]["max_value"]) == (1, 300)
    assert options["รูปเริ่มต้น"]["type"] == 11  # an attachment


async def test_commands_are_for_servers_and_the_queue_admin_for_message_managers():
    commands = by_name(await offline_payloads(RequestLimits()))
    assert all(command["contexts"] == [0] for command in commands.values())  # servers only
    manage_messages = 1 << 13
    for name in ("ดูแลคิว", "queue-admin"):
        assert commands[name]["default_member_permissions"] == manage_messages
    assert commands["วาด"]["default_member_permissions"] is None


def test_commands_go_to_the_configured_servers_or_else_everywhere():
    assert [scope.id for scope in command_scopes([11, 22])] == [11, 22]
    assert command_scopes([]) == [None]  # a global sync
