from __future__ import annotations

from generator.evaluation.tables import screen_width, text_table


def test_thai_marks_take_no_column() -> None:
    assert screen_width("คฤหาสน์ แฟนตาซี") == 13
    assert screen_width("ช้าง") == 3


def test_columns_line_up_on_screen_with_thai_names() -> None:
    table = text_table(
        ("prompts", "jobs", "approval"),
        [("คฤหาสน์ แฟนตาซี", "12", "83%"), ("short", "3", "100%")],
    )
    header, mansion, short = table.splitlines()
    assert (
        screen_width(header) == screen_width(mansion) == screen_width(short) == 13 + 2 + 4 + 2 + 8
    )
    assert short == "short" + " " * 13 + "3" + " " * 6 + "100%"
