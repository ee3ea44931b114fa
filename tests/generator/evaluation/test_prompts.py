from __future__ import annotations

from pathlib import Path

import pytest

from generator.evaluation.prompts import (
    EvalPrompt,
    PromptsError,
    builtin_prompts,
    prompt_length,
    read_prompts,
)


def test_the_built_in_set_has_forty_glossed_prompts_short_and_long() -> None:
    prompts = read_prompts(builtin_prompts())
    assert len(prompts) >= 40
    assert len({prompt.thai for prompt in prompts}) == len(prompts)
    assert all(prompt.english for prompt in prompts)
    lengths = [prompt.length for prompt in prompts]
    assert lengths.count("short") >= 15
    assert lengths.count("long") >= 15


def test_the_built_in_labels_agree_with_the_rule_used_for_stored_prompts() -> None:
    for prompt in read_prompts(builtin_prompts()):
        assert prompt_length(prompt.thai) == prompt.length, prompt.thai


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("คฤหาสน์", "short"),
        ("คฤหาสน์ แฮรี่พอตเตอร์", "short"),
        ("แมวสีส้มนอนหลับอยู่บนกองหนังสือข้างหน้าต่าง", "long"),
    ],
)
def test_a_prompt_is_short_up_to_a_few_words(text: str, length: str) -> None:
    assert prompt_length(text) == length


def test_a_plain_file_holds_one_prompt_a_line(tmp_path: Path) -> None:
    path = tmp_path / "prompts.txt"
    path.write_text("แมวสีส้ม\n\nช้างเดินผ่านทุ่งนาสีเขียวในตอนเช้าที่มีหมอก\n", encoding="utf-8")
    assert read_prompts(path) == [
        EvalPrompt("แมวสีส้ม", None, "short"),
        EvalPrompt("ช้างเดินผ่านทุ่งนาสีเขียวในตอนเช้าที่มีหมอก", None, "long"),
    ]


def test_a_tsv_may_leave_out_the_gloss_and_the_length(tmp_path: Path) -> None:
    path = tmp_path / "prompts.tsv"
    path.write_text("en\tth\nan orange cat\tแมวสีส้ม\n\tดอกบัว\n", encoding="utf-8")
    assert read_prompts(path) == [
        EvalPrompt("แมวสีส้ม", "an orange cat", "short"),
        EvalPrompt("ดอกบัว", None, "short"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("th\tlength\nแมว\tmedium\n", r"prompts\.tsv:2: length must be short or long"),
        ("th\ten\n\n\tan orange cat\n", r"prompts\.tsv:3: no Thai prompt"),
        ("th\ten\n", "holds no prompts"),
    ],
)
def test_a_bad_prompts_file_is_refused_naming_the_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "prompts.tsv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PromptsError, match=message):
        read_prompts(path)
