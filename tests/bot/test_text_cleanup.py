"""What phones do to a message is undone before the bot reads it."""

from __future__ import annotations

from bot.text_cleanup import Word, clean_text, split_words


def test_zero_width_characters_are_removed() -> None:
    assert clean_text("คฤห\u200bาสน์\u200c\u200d\ufeff") == "คฤหาสน์"


def test_direction_marks_and_control_characters_are_removed() -> None:
    assert clean_text("\u200fแมว\x00\x7f") == "แมว"


def test_private_use_characters_and_lone_surrogates_are_removed() -> None:
    assert clean_text("แมว\ue000\U000f0001\ud800") == "แมว"


def test_full_width_ascii_becomes_ascii() -> None:
    assert clean_text("／วาด　ｃａｔ －－ｓｔｅｐｓ １２０：２") == "/วาด cat --steps 120:2"


def test_curly_quotes_become_straight_quotes() -> None:
    assert clean_text("“ภาพ” ‘child’s’") == "\"ภาพ\" 'child's'"


def test_thai_digits_become_arabic_digits() -> None:
    assert clean_text("--steps ๒๕๐") == "--steps 250"


def test_newlines_tabs_and_repeated_spaces_become_one_space() -> None:
    assert clean_text("  /วาด\n\nคฤหาสน์\t\u00a0 แฟนตาซี \r\n") == "/วาด คฤหาสน์ แฟนตาซี"


def test_text_is_composed_and_split_sara_am_is_folded() -> None:
    assert clean_text("e\u0301 น\u0e49\u0e4d\u0e32") == "\u00e9 น\u0e49\u0e33"


def test_words_are_split_at_spaces() -> None:
    assert split_words("คฤหาสน์ —neg ภาพเบลอ") == [
        Word("คฤหาสน์"),
        Word("—neg"),
        Word("ภาพเบลอ"),
    ]


def test_quoted_text_is_one_literal_word() -> None:
    assert split_words('ภาพ "—neg คือ | ข้อความ:2" ต่อ') == [
        Word("ภาพ"),
        Word("—neg คือ | ข้อความ:2", quoted=True),
        Word("ต่อ"),
    ]


def test_quotes_next_to_a_word_still_start_a_literal_word() -> None:
    assert split_words('ป้าย"ร้าน"') == [Word("ป้าย"), Word("ร้าน", quoted=True)]


def test_empty_quotes_say_nothing() -> None:
    assert split_words('แมว "" " " ส้ม') == [Word("แมว"), Word("ส้ม")]


def test_a_quote_without_a_partner_is_an_ordinary_character() -> None:
    assert split_words('จอ 12" สีดำ') == [Word("จอ"), Word('12"'), Word("สีดำ")]
