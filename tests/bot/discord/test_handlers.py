"""Slash commands from the interaction to the messages people see (real core, fake Discord)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import discord
import pytest
from PIL import Image

from bot import messages as core_messages
from bot.discord import messages
from bot.events import JobCancelled, JobStarted
from tests.bot.discord.conftest import (
    ALICE,
    ALLOWED_CHANNEL,
    ALLOWED_ROLE,
    BOB,
    OTHER_RESTRICTED_CHANNEL,
    RESTRICTED_GUILD,
    UNKNOWN_GUILD,
    DiscordBot,
    accepted_job_id,
    open_place,
)
from tests.bot.discord.fake_discord import EPHEMERAL
from tests.bot.discord.gateway import MODERATOR_PERMISSIONS, Person, Place, command, snowflake

pytestmark = pytest.mark.asyncio(loop_scope="package")

ARTIST = Person(snowflake(), "artist", roles=(ALLOWED_ROLE,))


async def test_a_draw_goes_from_the_slash_command_to_a_result_with_buttons(bot: DiscordBot):
    place = open_place()
    # Options in a dict, not as keywords: Python normalises identifiers (NFKC), and that
    # changes some Thai letters (the "ำ" of "คำสั่ง").
    thai_options = {"ข้อความ": "คฤหาสน์ --size 64", "ไม่เอา": "ภาพเบลอ", "รอบ": 2, "เลขสุ่ม": 7}
    answers = await bot.interact(command("วาด", ALICE, place, **thai_options))
    job_id = accepted_job_id(answers)
    assert answers[0].content.startswith("รับงานแล้ว!")

    result = await bot.finished(job_id)
    assert len(bot.fake.in_channel(place.channel_id)) == 1  # the status message became the result
    [picture] = bot.fake.attachment_bytes(result)
    assert Image.open(io.BytesIO(picture)).size == (64, 64)
    [embed] = result.embeds
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert fields[messages.FIELD_PROMPT] == "คฤหาสน์"
    assert fields[messages.FIELD_NEGATIVE] == "ภาพเบลอ"
    assert fields[messages.FIELD_SEED] == "7"
    assert fields[messages.FIELD_STEPS] == "2"
    assert embed["image"]["url"] == f"attachment://{result.file_names[0]}"
    assert result.custom_ids == [
        f"thaidraw:{action}:{job_id}" for action in ("again", "more", "delete")
    ]
    assert result.reactions == ["👍", "👎"]


async def test_the_answer_to_a_draw_says_what_the_bot_adjusted_in_the_request(bot):
    answers = await bot.interact(
        command("draw", ALICE, open_place(), prompt="แมว --size 70", steps=1)
    )
    accepted_job_id(answers)
    assert answers[0].content.splitlines()[1:] == [core_messages.size_rounded(64, 64, 16).thai]


async def test_the_english_twin_takes_the_same_options_and_a_field_beats_the_prompt(bot):
    place = open_place()
    job_id = await bot.draw(
        ALICE, place, prompt="แมว --style ภาพสีน้ำ --steps 9 --size 64", style="ภาพการ์ตูน", steps=2
    )
    job = await bot.service.job(job_id)
    assert job.request["styles"] == ["ภาพสีน้ำ", "ภาพการ์ตูน"]
    assert job.request["steps"] == 2
    assert job.conversation["channel_id"] == str(place.channel_id)
    await bot.finished(job_id)


async def test_a_refused_draw_is_one_thai_sentence_to_the_asker_and_changes_nothing(bot):
    place = open_place()
    answers = await bot.interact(command("draw", ALICE, place, prompt="แมว --steps ห้า"))
    assert [answer.content for answer in answers] == [
        core_messages.not_an_integer("--steps", "ห้า", "--steps 250").thai
    ]
    assert answers[0].flags & EPHEMERAL
    assert bot.fake.in_channel(place.channel_id) == []


async def test_an_attached_picture_is_the_starting_point(bot):
    place = open_place()
    start = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(start, format="PNG")
    upload = bot.fake.upload("start.png", start.getvalue(), "image/png")
    payload = command(
        "draw", ALICE, place, attachments={"init": upload}, prompt="แมว --size 64 --steps 2"
    )
    job_id = accepted_job_id(await bot.interact(payload))
    job = await bot.service.job(job_id)
    saved = await asyncio.to_thread(Path(job.request["init_image"]).read_bytes)
    assert saved == start.getvalue()
    await bot.finished(job_id)


async def test_an_attachment_that_is_no_picture_is_refused(bot):
    upload = bot.fake.upload("notes.txt", b"hello", "text/plain")
    payload = command("draw", ALICE, open_place(), attachments={"init": upload}, prompt="แมว")
    answers = await bot.interact(payload)
    assert [answer.content for answer in answers] == [messages.INIT_NOT_AN_IMAGE]


@pytest.mark.parametrize(
    ("person", "place", "refusal"),
    [
        (ARTIST, Place(RESTRICTED_GUILD, OTHER_RESTRICTED_CHANNEL), messages.CHANNEL_NOT_ALLOWED),
        (BOB, Place(RESTRICTED_GUILD, ALLOWED_CHANNEL), messages.ROLE_NOT_ALLOWED),
        (ARTIST, Place(UNKNOWN_GUILD, snowflake()), messages.CHANNEL_NOT_ALLOWED),
    ],
)
async def test_the_operators_channels_and_roles_are_kept(bot, person, place, refusal):
    answers = await bot.interact(command("draw", person, place, prompt="แมว"))
    assert [answer.content for answer in answers] == [refusal]
    assert bot.fake.in_channel(place.channel_id) == []


async def test_a_listed_role_in_a_listed_channel_may_draw(bot):
    job_id = await bot.draw(
        ARTIST, Place(RESTRICTED_GUILD, ALLOWED_CHANNEL), prompt="แมว --size 64 --steps 2"
    )
    await bot.finished(job_id)


async def test_where_the_bot_cannot_post_pictures_nothing_is_queued(bot):
    place = open_place()
    payload = command("draw", ALICE, place, prompt="แมว")
    payload["app_permissions"] = str(discord.Permissions(send_messages=True).value)
    answers = await bot.interact(payload)
    assert [answer.content for answer in answers] == [messages.BOT_CANNOT_POST]


async def test_an_interaction_delivered_twice_is_handled_once(bot):
    place = open_place()
    payload = command("draw", ALICE, place, prompt="แมว --size 64 --steps 2")
    job_id = accepted_job_id(await bot.interact(payload))
    await bot.interact(payload)  # e.g. replayed after a reconnect
    assert len(bot.fake.answers[payload["token"]]) == 1
    await bot.finished(job_id)
    assert [m.id for m in bot.fake.in_channel(place.channel_id)] == [
        (await bot.status_message(job_id)).id
    ]


async def test_help_styles_stats_and_the_queue_answer_only_the_asker(bot):
    place = open_place()
    for name, expected in (
        ("ช่วยเหลือ", "/วาด"),
        ("styles", "ภาพสีน้ำ (watercolour)"),
        ("สถิติ", "สถิติ 30 วันล่าสุด"),
        ("queue", "งานรอคิว"),
    ):
        [answer] = await bot.interact(command(name, ALICE, place))
        assert expected in answer.content
        assert answer.flags & EPHEMERAL
    assert bot.fake.in_channel(place.channel_id) == []


async def test_people_cancel_their_own_job_and_its_message_says_so(bot):
    place = open_place()
    job_id = await bot.draw(BOB, place, prompt="แมว --size 64 --steps 400")
    [answer] = await bot.interact(command("ยกเลิก", BOB, place, งาน=job_id))
    assert job_id in answer.content
    await bot.log.wait_for(job_id, JobCancelled)
    status = await bot.status_message(job_id)
    assert messages.CANCELLED in status.embeds[0]["description"]


async def test_moderators_see_clear_and_cancel_only_their_servers_jobs(bot):
    place = open_place()
    moderator = Person(snowflake(), "mod", permissions=MODERATOR_PERMISSIONS)
    running = await bot.draw(ALICE, place, prompt="ช้าง --size 64 --steps 400")
    await bot.log.wait_for(running, JobStarted)
    # Another size than the running job's, so they wait rather than join its batch.
    waiting = [await bot.draw(BOB, place, prompt=f"แมว {n} --size 80 --steps 2") for n in range(2)]
    elsewhere = await bot.draw(
        ARTIST, Place(RESTRICTED_GUILD, ALLOWED_CHANNEL), prompt="นก --size 64 --steps 2"
    )

    [refused] = await bot.interact(command("queue-admin", BOB, place, action="list"))
    assert refused.content == messages.MODERATORS_ONLY
    [listing] = await bot.interact(command("queue-admin", moderator, place, action="list"))
    assert all(job_id in listing.content for job_id in waiting)
    assert elsewhere not in listing.content
    assert running not in listing.content

    thai_options = {"คำสั่ง": "cancel", "งาน": elsewhere}
    [not_here] = await bot.interact(command("ดูแลคิว", moderator, place, **thai_options))
    assert not_here.content == messages.JOB_NOT_IN_THIS_SERVER
    [cleared] = await bot.interact(command("queue-admin", moderator, place, action="clear"))
    assert cleared.content == messages.cleared(2)
    [stopping] = await bot.interact(
        command("queue-admin", moderator, place, action="cancel", job=running)
    )
    assert running in stopping.content
    for job_id in [*waiting, running]:
        await bot.log.wait_for(job_id, JobCancelled)
    await bot.finished(elsewhere)
