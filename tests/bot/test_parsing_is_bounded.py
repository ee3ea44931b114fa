"""No message can stall the bot: the length limit comes first, and the parser's work grows in
proportion to the message, whatever its shape.

Each message is timed against plain text of the same length, both as the fastest of several
runs, so that a busy machine slows both alike; the bound (20 × plain + 5 ms) is generous for a
linear parser and far below what a backtracking one took (`a:1111…x`: 0.9 s at 10,000 characters).
"""

from __future__ import annotations

import timeit
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import MAX_MESSAGE_CHARS, ParseContext, parse_message
from bot.web.draw_form import MAX_FIELD_CHARS
from generator.excerpt import QUOTED_CHARS

# The longest text each platform sends in one message.
PLATFORM_LIMITS = {"LINE": 5_000, "Discord": 4_000, "web field": MAX_FIELD_CHARS}
TIMES_PLAIN = 20
SLACK_SECONDS = 0.005

GROUP = ParseContext(blocklist=("เลือด", "gore"), bot_names=("ThaiDraw", "123456789"))
DIRECT = ParseContext(GROUP.limits, GROUP.blocklist, GROUP.bot_names, direct=True)

PREFIXES = [
    "/วาด ",
    "/draw ",
    "/วาด --neg ",
    "/วาด --style ",
    "/วาด --size ",
    "/วาด --steps ",
    "@ThaiDraw ",
    "@ThaiDraw วาด",
    "<@123456789> ",
    "/",
    "/วาดด",
    "",
]
# Pieces that each part of the parser treats specially; a message repeats a few of them.
UNITS = [
    "1",
    "๑",
    ":",
    ":-1",
    "a:1",
    "|",
    '"',
    "“",
    '"a" ',
    "-",
    "—",
    "– ",
    "--",
    "-a",
    "-neg",
    "--neg ",
    "--neg=",
    "a--neg",
    "--steps 1 ",
    "--size 1 x ",
    "--style ",
    "--init ",
    "--ไม่เอา",
    "--รอบ",
    "ภาพ ",
    "ภาพสวย ",
    "x",
    "×",
    "ก",
    " ",
    "=",
    "/",
    "@",
    "@ThaiDraw ",
    "เลือด",
    "\u200b",
    "\u0e4d",
    "\u0e48",
    "\U000f0000",
]


def fastest(message: str, context: ParseContext, runs: int = 5) -> float:
    return min(timeit.repeat(lambda: parse_message(message, context), number=1, repeat=runs))


def plain_message(length: int) -> str:
    return ("/วาด " + "แมวน้อย น่ารัก " * length)[:length]


@cache
def plain_seconds(length: int) -> float:
    return fastest(plain_message(length), GROUP, runs=9)


def assert_bounded(message: str, context: ParseContext) -> None:
    seconds = fastest(message, context)
    bound = TIMES_PLAIN * plain_seconds(len(message)) + SLACK_SECONDS
    assert seconds <= bound, f"{seconds * 1000:.1f} ms > {bound * 1000:.1f} ms: {message[:80]!r}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from(PREFIXES),
    unit=st.lists(st.sampled_from(UNITS) | st.text(min_size=1, max_size=3), min_size=1, max_size=3)
    .map("".join)
    .filter(bool),
    limit=st.sampled_from([*PLATFORM_LIMITS.values(), MAX_MESSAGE_CHARS]),
    direct=st.booleans(),
)
def test_no_message_up_to_a_platforms_limit_costs_much_more_than_plain_text(
    prefix: str, unit: str, limit: int, direct: bool
) -> None:
    message = (prefix + unit * (limit // len(unit) + 1))[:limit]
    assert_bounded(message, DIRECT if direct else GROUP)


@pytest.mark.parametrize("digits", [10_000, 15_000])
def test_a_weight_of_many_digits_is_read_in_one_pass(digits: int) -> None:
    # Reported: 0.9 s at 10,000 digits and 2.2 s at 15,000 (the weight regex backtracked).
    assert_bounded("/วาด a:" + "1" * digits + "x", GROUP)


@pytest.mark.parametrize("limit", PLATFORM_LIMITS.values())
def test_the_longest_message_each_platform_sends_is_parsed_within_the_bound(limit: int) -> None:
    for unit in ("a:1", ":", "--neg ", "-", '"a" ', "๑"):
        assert_bounded(("/วาด " + unit * limit)[:limit], GROUP)


@pytest.mark.parametrize(
    ("message", "command"),
    [
        ("/วาด " + "ก" * 100_000, "draw"),
        ("/วาด " + "ก " * 50_000, "draw"),
        ("@ThaiDraw วาด" + "a:1" * 40_000, "draw"),
        ("/help " + "ก" * 100_000, "help"),
        ("คุยกันเฉยๆ " * 20_000, None),
    ],
)
def test_a_message_over_the_limit_is_answered_from_its_first_words(
    message: str, command: str | None
) -> None:
    parsed = parse_message(message, GROUP)
    assert parsed.command == command
    assert fastest(message, GROUP) <= TIMES_PLAIN * plain_seconds(5_000) + SLACK_SECONDS
    if command == "draw":
        assert parsed.error == "ข้อความยาวเกินไป ใส่ข้อความสำหรับวาดได้ไม่เกิน 300 ตัวอักษร"


FLOOD = "ฮ" * 100_001


@pytest.mark.parametrize(
    "message",
    [
        "/วาด " + FLOOD,
        "/" + FLOOD[:10_000],  # an unknown command, to the bot
        "/วาด " + FLOOD[:10_000] + ":0",
        "/วาด " + FLOOD[:10_000] + ":500",
        "/วาด --steps " + FLOOD[:10_000],
        "/วาด แมว --aesthetic " + FLOOD[:10_000],
        "/วาด แมว --size " + FLOOD[:10_000],
        "/วาด แมว --style " + FLOOD[:10_000],
        "/วาด แมว --" + FLOOD[:10_000],
        "/วาด --neg-weight 0.5 --neg " + FLOOD[:10_000] + ":0",
    ],
)
def test_a_refusal_quotes_at_most_sixty_characters_of_the_message(message: str) -> None:
    parsed = parse_message(message, DIRECT)
    assert not parsed.ok
    for sentence in (parsed.error, parsed.error_english):
        assert sentence
        assert "ฮ" * (QUOTED_CHARS + 1) not in sentence
        assert len(sentence) < 700  # the longest template (the style list) and one excerpt
