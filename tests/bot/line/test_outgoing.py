"""LINE messages for finished jobs, and how several answers share one request."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from linebot.v3.messaging import ImageMessage, TextMessage

from bot.line import messages
from bot.line.outgoing import (
    MAX_MESSAGES,
    compose,
    feedback_buttons,
    finished_job,
    see_picture_button,
    text,
)
from generator.request import DrawRequest, WeightedPrompt
from storage.records import JobRecord

BASE = "https://draw.example/"


def job(status: str = "done", **refs: Any) -> JobRecord:
    request = DrawRequest(
        prompts=(WeightedPrompt("คฤหาสน์", 1.0), WeightedPrompt("ทะเล", 0.5)),
        negatives=(WeightedPrompt("ภาพเบลอ", 0.4),),
        styles=("ภาพสีน้ำ",),
        steps=250,
        width=256,
        height=192,
        seed=42,
    )
    now = datetime.now(UTC)
    return JobRecord(
        id="job_ID-42abc",
        user_id=1,
        platform="line",
        conversation={"to": "U1", "source": "user", "user": "U1"},
        raw_text="/วาด …",
        request=request.to_dict(),
        status=status,  # type: ignore[arg-type]
        created_at=now,
        started_at=now,
        finished_at=now,
        seed=42,
        steps=250,
        width=256,
        height=192,
        styles=("ภาพสีน้ำ",),
        model_versions={},
        error=None,
        attempts=0,
        message_refs=refs,
        images=(),
    )


def test_a_done_job_is_its_picture_by_job_id_and_a_caption_with_the_recipe() -> None:
    bundle = finished_job(job(line_seconds=31.4), BASE)
    picture, caption = bundle.messages
    assert isinstance(picture, ImageMessage)
    assert picture.original_content_url == "https://draw.example/images/job_ID-42abc.png"
    assert picture.preview_image_url == "https://draw.example/images/job_ID-42abc-preview.jpg"
    assert isinstance(caption, TextMessage)
    assert caption.text == (
        "“คฤหาสน์ | ทะเล:0.5”\n"
        "ไม่เอา: ภาพเบลอ\n"
        "สไตล์: ภาพสีน้ำ\n"
        "seed 42 · 250 รอบ · 256×192 · 31 วินาที\n"
        "งาน job_ID-42abc"
    )
    assert [item.action.label for item in bundle.buttons] == [
        messages.LIKE,
        messages.DISLIKE,
        messages.DRAW_AGAIN,
    ]


def test_a_failed_job_is_one_thai_sentence() -> None:
    bundle = finished_job(job("failed", line_failure="ภาพนี้ใหญ่เกินไป"), BASE)
    assert [message.text for message in bundle.messages] == ["ภาพนี้ใหญ่เกินไป"]
    assert bundle.buttons == ()


def test_a_result_held_back_by_the_push_quota_says_so() -> None:
    _, caption = finished_job(job(line_push_refused=True), BASE).messages
    assert caption.text.endswith(messages.QUOTA_OUT)


def test_the_last_message_carries_every_bundles_buttons_later_ones_winning_a_label() -> None:
    first = finished_job(job(), BASE)
    newer = text("รับงานแล้ว!", [*feedback_buttons("newer1"), see_picture_button("newer1")])
    sent = compose([first, newer])
    assert len(sent) == 3
    assert sent[0].quick_reply is None
    items = sent[-1].quick_reply.items
    assert [item.action.data for item in items] == [
        "a=up&job=newer1",
        "a=down&job=newer1",
        "a=again&job=newer1",
        "a=see&job=newer1",
    ]


def test_more_than_five_messages_never_go_in_one_request() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        compose([finished_job(job(), BASE)] * 3)
    assert len(compose([text("x")] * MAX_MESSAGES)) == MAX_MESSAGES


def test_nothing_to_say_is_no_messages() -> None:
    assert compose([]) == []
