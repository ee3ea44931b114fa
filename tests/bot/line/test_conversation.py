"""Recognising a mention of the bot from LINE's metadata, whatever name it is shown under."""

from __future__ import annotations

from linebot.v3.webhooks import AllMentionee, Mention, UserMentionee

from bot.line.conversation import without_self_mentions


def mention(index: int, length: int, *, is_self: bool = True) -> UserMentionee:
    return UserMentionee(type="user", index=index, length=length, is_self=is_self)


def test_a_mention_of_the_bot_is_cut_out_and_reported() -> None:
    text = "@ภาพวาดบอท วาด แมว"
    found = without_self_mentions(text, Mention(mentionees=[mention(0, 10)]))
    assert found == ("วาด แมว", True)


def test_positions_count_utf16_code_units_as_line_does() -> None:
    text = "🐱🐶 @บอท วาด แมว"  # each emoji is two UTF-16 code units
    found = without_self_mentions(text, Mention(mentionees=[mention(5, 4)]))
    assert found == ("🐱🐶" + " " * 3 + "วาด แมว", True)  # the mention became one space


def test_mentions_of_other_people_or_of_everyone_are_left_alone() -> None:
    text = "@Bob @All วาด แมว"
    others = Mention(
        mentionees=[mention(0, 4, is_self=False), AllMentionee(type="all", index=5, length=4)]
    )
    assert without_self_mentions(text, others) == (text, False)
    assert without_self_mentions(text, None) == (text, False)


def test_a_mention_in_the_middle_counts_too() -> None:
    text = "วาด แมว @ThaiDraw --steps 2"
    found = without_self_mentions(text, Mention(mentionees=[mention(8, 9)]))
    assert found == ("วาด แมว" + " " * 3 + "--steps 2", True)
