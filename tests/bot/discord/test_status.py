"""The status message that follows a job: place in line, throttled progress, result, failure."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.discord import messages
from bot.discord.embeds import PREVIEW_NAME
from bot.events import JobFailed, JobProgressed
from tests.bot.discord.conftest import ALICE, accepted_job_id, open_place
from tests.bot.discord.gateway import command

pytestmark = pytest.mark.asyncio(loop_scope="package")

STEPS = 8


async def test_progress_edits_wait_for_the_interval_however_many_steps_report(bot):
    place = open_place()
    job_id = await bot.draw(ALICE, place, prompt=f"แมว --size 64 --steps {STEPS}")
    result = await bot.finished(job_id)
    progressed = [e for e in bot.log.of(job_id) if isinstance(e, JobProgressed)]
    assert len(progressed) == STEPS
    # Sent while waiting, edited when started and when done; the interval (an hour) never passed.
    assert len(bot.fake.edits_of(result.id)) == 2


async def test_each_due_progress_edit_shows_the_bar_and_the_preview(bot, monkeypatch):
    monkeypatch.setattr(bot.adapter.status.throttle, "interval", 0)
    place = open_place()
    job_id = await bot.draw(ALICE, place, prompt=f"แมว --size 64 --steps {STEPS}")
    result = await bot.finished(job_id)
    edits = bot.fake.edits_of(result.id)
    progress_edits = [edit for edit in edits if "%" in edit.body["embeds"][0]["description"]]
    assert len(progress_edits) == STEPS
    last = progress_edits[-1]
    assert f"100% ({STEPS}/{STEPS} รอบ)" in last.body["embeds"][0]["description"]
    assert last.body["embeds"][0]["image"]["url"] == f"attachment://{PREVIEW_NAME}"
    [(name, preview)] = last.files
    assert name == PREVIEW_NAME
    assert Image.open(io.BytesIO(preview)).format == "JPEG"


async def test_the_first_message_tells_the_place_in_line(bot):
    place = open_place()
    job_id = await bot.draw(ALICE, place, prompt="แมว --size 64 --steps 2")
    result = await bot.finished(job_id)
    [sent] = [
        call
        for call in bot.fake.calls
        if call.method == "POST" and call.path == f"/channels/{place.channel_id}/messages"
    ]
    assert "⏳" in sent.body["embeds"][0]["description"]
    assert f"<@{ALICE.id}>" in result.embeds[0]["description"]


async def test_a_picture_over_the_upload_limit_is_shown_as_its_preview_with_a_link(
    bot, monkeypatch
):
    monkeypatch.setattr(bot.adapter.status, "public_base_url", "https://draw.example/")
    place = open_place(upload_limit=100)
    job_id = await bot.draw(ALICE, place, prompt="แมว --size 64 --steps 2")
    result = await bot.finished(job_id)
    assert result.file_names == [f"{job_id}-preview.jpg"]
    link = f"https://draw.example/images/{job_id}.png"
    assert messages.shrunk_picture(link) in result.embeds[0]["description"]


async def test_a_failed_job_says_why_in_its_message(bot):
    place = open_place()
    broken = bot.fake.upload("start.png", b"not a picture", "image/png")
    payload = command(
        "draw", ALICE, place, attachments={"init": broken}, prompt="แมว --size 64 --steps 2"
    )
    job_id = accepted_job_id(await bot.interact(payload))
    failed = await bot.log.wait_for(job_id, JobFailed)
    status = await bot.status_message(job_id)
    assert status.embeds[0]["description"].startswith(messages.failed(failed.reason))
    assert status.attachments == []
    assert status.components == []
