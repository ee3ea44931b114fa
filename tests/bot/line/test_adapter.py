"""The LINE adapter inside a real `thaidraw serve --models smoke`, talking to a fake LINE.

One bot process serves the whole module (starting one costs seconds); every test uses its own
users or groups so they do not see each other's jobs. The push-quota test pauses pushing in
that process, so it comes last.
"""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from bot import messages as core_messages
from bot.commands import ParseContext, parse_message
from bot.line import messages
from bot.line.postbacks import decode
from generator.weights.layout import WeightsLayout
from storage.database import Database
from storage.records import JobRecord
from storage.urls import default_database_url
from tests.bot.line.conftest import (
    ACCESS_TOKEN,
    SECRET,
    Call,
    EventFactory,
    FakeLine,
    png_bytes,
    sign,
    webhook_body,
)

REPOSITORY = Path(__file__).resolve().parents[3]
SMALL = "--steps 2 --size 64"
# LINE needs HTTPS: in production a reverse proxy at this address forwards to the bot.
PUBLIC_BASE_URL = "https://thaidraw.example"
ALL_STATUSES = ("queued", "running", "done", "failed", "cancelled")


@dataclass
class RunningBot:
    url: str
    data_dir: Path
    log_path: Path

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, float]:
        """POST to the webhook; the status and how long the answer took."""
        request = urllib.request.Request(f"{self.url}/line/webhook", body, headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        return status, time.monotonic() - started

    def send(self, *events: dict) -> int:
        """Deliver events as LINE does: JSON signed with the channel secret."""
        body = webhook_body(*events)
        status, seconds = self.post(body, signed_headers(body))
        assert seconds < 1.0, f"the webhook took {seconds:.2f} s to answer"
        return status

    def get(self, url: str) -> tuple[int, str, bytes]:
        """Fetch a public URL the way the reverse proxy would, from the bot itself."""
        url = url.replace(PUBLIC_BASE_URL, self.url)
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), b""

    def database(self) -> Database:
        return Database.open(default_database_url(self.data_dir), migrate=False)

    def job(self, job_id: str) -> JobRecord:
        with self.database() as database:
            job = database.jobs.get(job_id)
        assert job is not None
        return job

    def job_count(self) -> int:
        with self.database() as database:
            return len(database.jobs.in_states(ALL_STATUSES))

    def wait_for(self, job_id: str, what: str, check: Callable[[JobRecord], bool]) -> JobRecord:
        """The job once `check` holds: the bot records some things just after LINE answered."""
        deadline = time.monotonic() + 60
        while not check(job := self.job(job_id)):
            assert time.monotonic() < deadline, f"job {job_id} never got {what}: {job}"
            time.sleep(0.05)
        return job

    def wait_for_status(self, job_id: str, status: str) -> JobRecord:
        return self.wait_for(job_id, status, lambda job: job.status == status)

    def wait_for_ref(self, job_id: str, key: str, value: object) -> JobRecord:
        def has_it(job: JobRecord) -> bool:
            return job.message_refs.get(key) == value

        return self.wait_for(job_id, f"{key}={value}", has_it)


def signed_headers(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Line-Signature": sign(body)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(port: int, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log_path.read_text()
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"the bot did not listen on {port}: {log_path.read_text()}")


@pytest.fixture(scope="module")
def bot(
    tmp_path_factory: pytest.TempPathFactory, smoke_layout: WeightsLayout, fake_line: FakeLine
) -> Iterator[RunningBot]:
    data_dir = tmp_path_factory.mktemp("line-bot")
    port = free_port()
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("THAIDRAW_", "LINE_", "DISCORD_", "PUBLIC_BASE_URL", "DATABASE_"))
    }
    environment |= {
        "PYTHONPATH": str(REPOSITORY),
        "THAIDRAW_DATA_DIR": str(data_dir),
        "THAIDRAW_WEIGHTS_DIR": str(smoke_layout.root.parent),
        "THAIDRAW_DEVICE": "cpu",
        "THAIDRAW_PORT": str(port),
        "THAIDRAW_MAX_JOBS_PER_USER": "5",
        "THAIDRAW_MAX_JOBS_PER_MINUTE": "30",
        "LINE_CHANNEL_SECRET": SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN,
        "LINE_API_BASE_URL": fake_line.url,
        "LINE_DATA_API_BASE_URL": fake_line.url,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
    }
    log_path = data_dir / "bot.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--models", "smoke"],
            cwd=data_dir,
            env=environment,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_listening(port, process, log_path)
        yield RunningBot(f"http://127.0.0.1:{port}", data_dir, log_path)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def job_id_of(call: Call) -> str:
    """The job an acknowledgement is about, from its "ดูรูป" button."""
    postback = decode(call.button_data(messages.SEE_PICTURE))
    assert postback is not None
    return postback.job_id


def draw(bot: RunningBot, fake_line: FakeLine, event: dict) -> tuple[Call, str]:
    """Send a draw command; its acknowledgement and the job id."""
    assert bot.send(event) == 200
    acknowledgement = fake_line.reply_for(event["replyToken"])
    return acknowledgement, job_id_of(acknowledgement)


# --- the conversation ------------------------------------------------------------------------


@dataclass(frozen=True)
class FinishedDraw:
    acknowledgement: Call
    job_id: str
    result: Call


@pytest.fixture(scope="module")
def finished_draw(bot: RunningBot, fake_line: FakeLine) -> FinishedDraw:
    """One draw in a one-to-one chat, followed to its pushed picture (several tests read it)."""
    command = EventFactory().text(
        f"/วาด คฤหาสน์ แฟนตาซี --neg ภาพเบลอ --seed 7 {SMALL}", user="Udraw"
    )
    acknowledgement, job_id = draw(bot, fake_line, command)
    result = fake_line.wait_for(FakeLine.PUSH, lambda c: c.body["to"] == "Udraw")[0]
    return FinishedDraw(acknowledgement, job_id, result)


def test_a_draw_is_acknowledged_with_its_place_in_the_queue_and_a_loading_animation(
    finished_draw: FinishedDraw, fake_line: FakeLine
) -> None:
    (acknowledgement,) = finished_draw.acknowledgement.texts
    assert acknowledgement.startswith("รับงานแล้ว!")
    assert messages.COMES_BY_ITSELF in acknowledgement
    assert finished_draw.acknowledgement.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    loading = fake_line.wait_for(FakeLine.LOADING, lambda c: c.body["chatId"] == "Udraw")
    assert 5 <= loading[0].body["loadingSeconds"] <= 60


def test_the_acknowledgement_says_what_the_bot_adjusted_in_the_request(
    bot: RunningBot, fake_line: FakeLine, events: EventFactory
) -> None:
    acknowledgement, _ = draw(
        bot, fake_line, events.text("/วาด แมว --steps 1 --size 70", user="Ufix")
    )
    (said,) = acknowledgement.texts
    assert said.splitlines()[1] == core_messages.size_rounded(64, 64, 16).thai


def test_the_finished_picture_comes_with_its_recipe_and_feedback_buttons(
    finished_draw: FinishedDraw, bot: RunningBot
) -> None:
    result, job_id = finished_draw.result, finished_draw.job_id
    assert result.headers["X-Line-Retry-Key"]
    (picture,) = result.images
    assert picture["originalContentUrl"] == f"{PUBLIC_BASE_URL}/images/{job_id}.png"
    assert picture["previewImageUrl"] == f"{PUBLIC_BASE_URL}/images/{job_id}-preview.jpg"
    (caption,) = result.texts
    for part in ("คฤหาสน์ แฟนตาซี", "ไม่เอา: ภาพเบลอ", "seed 7", "2 รอบ", "64×64", job_id):
        assert part in caption
    assert [action["label"] for action in result.buttons] == [
        messages.LIKE,
        messages.DISLIKE,
        messages.DRAW_AGAIN,
    ]
    bot.wait_for_ref(job_id, "line_state", "delivered")


def test_the_picture_urls_serve_a_png_and_a_small_jpeg_preview(
    finished_draw: FinishedDraw, bot: RunningBot
) -> None:
    picture = finished_draw.result.images[0]
    status, content_type, full = bot.get(picture["originalContentUrl"])
    assert (status, content_type) == (200, "image/png")
    assert Image.open(io.BytesIO(full)).size == (64, 64)
    status, content_type, preview = bot.get(picture["previewImageUrl"])
    assert (status, content_type) == (200, "image/jpeg")
    assert len(preview) < 1024 * 1024
    assert Image.open(io.BytesIO(preview)).format == "JPEG"


def test_unknown_or_traversing_picture_names_are_404(bot: RunningBot) -> None:
    for name in ("nosuchjob1.png", "..%2Fthaidraw.db", "..%2F..%2Fbot.log", "abc.png"):
        assert bot.get(f"{PUBLIC_BASE_URL}/images/{name}")[0] == 404


def test_feedback_buttons_are_stored_with_the_job_and_the_user(
    finished_draw: FinishedDraw, bot: RunningBot, fake_line: FakeLine, events: EventFactory
) -> None:
    result, job_id = finished_draw.result, finished_draw.job_id
    like = events.postback(result.button_data(messages.LIKE), user="Udraw")
    assert bot.send(like) == 200
    thanks = fake_line.reply_for(like["replyToken"])
    assert thanks.texts == [messages.THANKS_LIKE]
    dislike = events.postback(result.button_data(messages.DISLIKE), user="Uother")
    assert bot.send(dislike) == 200
    fake_line.reply_for(dislike["replyToken"])

    with bot.database() as database:
        stored = database.feedback.for_job(job_id)
        counts = database.feedback.counts(job_id)
    assert [(f.kind, f.label, f.value) for f in stored] == [
        ("postback", "👍", 1),
        ("postback", "👎", -1),
    ]
    assert (counts.up, counts.down) == (1, 1)


def test_draw_again_queues_the_same_recipe_with_a_new_seed(
    finished_draw: FinishedDraw, bot: RunningBot, fake_line: FakeLine, events: EventFactory
) -> None:
    again = events.postback(finished_draw.result.button_data(messages.DRAW_AGAIN), user="Uagain")
    assert bot.send(again) == 200
    second_id = job_id_of(fake_line.reply_for(again["replyToken"]))

    first, second = bot.job(finished_draw.job_id), bot.job(second_id)
    assert second_id != first.id
    assert second.request["prompts"] == first.request["prompts"]
    assert second.request["steps"] == 2
    assert second.seed != first.seed
    assert second.conversation["user"] == "Uagain"


def test_a_button_of_an_unknown_job_gets_a_thai_sentence(
    bot: RunningBot, fake_line: FakeLine, events: EventFactory
) -> None:
    vote = events.postback("a=up&job=nosuchjob123", user="Ulost")
    see = events.postback("a=see&job=nosuchjob123", user="Ulost")
    junk = events.postback("something=else", user="Ulost")
    assert bot.send(vote, see, junk) == 200
    assert fake_line.reply_for(vote["replyToken"]).texts == [core_messages.JOB_NOT_FOUND.thai]
    assert fake_line.reply_for(see["replyToken"]).texts == [core_messages.JOB_NOT_FOUND.thai]
    assert fake_line.reply_for(junk["replyToken"]).texts == [messages.UNKNOWN_BUTTON]


def test_a_bad_draw_command_gets_the_thai_reason_and_no_job(
    bot: RunningBot, fake_line: FakeLine, events: EventFactory
) -> None:
    text = "/วาด แมว --steps มาก"
    expected = parse_message(text, ParseContext(direct=True)).error
    jobs_before = bot.job_count()
    command = events.text(text, user="Ubad")
    assert bot.send(command) == 200
    assert fake_line.reply_for(command["replyToken"]).texts == [expected]
    assert expected is not None
    assert "--steps" in expected
    assert bot.job_count() == jobs_before


def test_following_the_bot_gets_the_help(
    bot: RunningBot, fake_line: FakeLine, events: EventFactory
) -> None:
    follow = events.follow(user="Unew")
    assert bot.send(follow) == 200
    assert fake_line.reply_for(follow["replyToken"]).texts == [core_messages.HELP]


# --- groups ----------------------------------------------------------------------------------


def test_in_a_group_chat_without_a_command_or_mention_gets_no_reply(
    bot: RunningBot, fake_line: FakeLine, events: EventFactory
) -> None:
    chatter = events.text("วาดรูปสวยจัง ไปกินข้าวกัน", user="Uchat", group="Cgroup1")
    command = events.text("/คิว", user="Uchat", group="Cgroup1")
    assert bot.send(chatter, command) == 200
    fake_line.reply_for(command["replyToken"])  # events are handled in order: chatter is done
    assert fake_line.reply_to(chatter["replyToken"]) == []
    assert fake_line.calls(FakeLine.LOADING, lambda c: c.body["chatId"] == "Uchat") == []


def test_in_a_group_a_mention_of_the_bot_is_a_command_and_the_picture_waits_for_its_button(
    bot: RunningBot, fake_line: FakeLine, events: EventFactory
) -> None:
    # The bot is shown as "ภาพวาดบอท" in this group: only LINE's isSelf marks the mention.
    text = f"@ภาพวาดบอท วาด ป่าไม้ {SMALL}"
    mention = {"index": 0, "length": len("@ภาพวาดบอท"), "type": "user", "isSelf": True}
    command = events.text(text, user="Umention", group="Cgroup2", mentions=[mention])
    acknowledgement, job_id = draw(bot, fake_line, command)
    assert messages.ASK_FOR_IT in acknowledgement.texts[0]

    bot.wait_for_status(job_id, "done")
    see = events.postback(acknowledgement.button_data(messages.SEE_PICTURE), user="Umention")
    assert bot.send(see) == 200
    shown = fake_line.reply_for(see["replyToken"])
    assert shown.images[0]["originalContentUrl"].endswith(f"/images/{job_id}.png")
    assert fake_line.pushes_to("Cgroup2") == []  # auto mode never pushes to a whole group
    bot.wait_for_ref(job_id, "line_state", "delivered")


def test_a_mention_of_someone_else_is_not_for_the_bot(
    bot: RunningBot, fake_line: FakeLine, events: EventFactory
) -> None:
    mention = {"index": 0, "length": 4, "type": "user", "userId": "Ubob", "isSelf": False}
    chatter = events.text("@Bob วาด แมว ให้หน่อย", user="Ucarol", group="Cgroup3", mentions=[mention])
    command = events.text("/คิว", user="Ucarol", group="Cgroup3")
    assert bot.send(chatter, command) == 200
    fake_line.reply_for(command["replyToken"])
    assert fake_line.reply_to(chatter["replyToken"]) == []


# --- the webhook's own rules ------------------------------------------------------------------


def test_a_forged_signature_is_400_and_changes_nothing(
    bot: RunningBot, fake_line: FakeLine, events: EventFactory
) -> None:
    command = events.text(f"/วาด ปราสาท {SMALL}", user="Uforged")
    body = webhook_body(command)
    jobs_before = bot.job_count()

    forged = sign(body, secret="not-the-channel-secret")
    assert bot.post(body, {"X-Line-Signature": forged})[0] == 400
    assert bot.post(body, {})[0] == 400
    assert bot.post(body + b" ", signed_headers(body))[0] == 400  # body changed after signing

    # Nothing was stored, not even the event id: the genuine delivery is still handled.
    assert bot.job_count() == jobs_before
    assert fake_line.reply_to(command["replyToken"]) == []
    assert bot.send(command) == 200
    fake_line.reply_for(command["replyToken"])
    assert bot.job_count() == jobs_before + 1


def test_a_redelivered_event_makes_one_job(
    bot: RunningBot, fake_line: FakeLine, events: EventFactory
) -> None:
    command = events.text(f"/วาด ดอกไม้ {SMALL}", user="Uredelivery")
    jobs_before = bot.job_count()
    assert bot.send(command) == 200
    fake_line.reply_for(command["replyToken"])
    redelivered = {**command, "deliveryContext": {"isRedelivery": True}}
    later = events.text("/คิว", user="Uredelivery")
    assert bot.send(redelivered, later) == 200
    fake_line.reply_for(later["replyToken"])

    assert len(fake_line.reply_to(command["replyToken"])) == 1
    assert bot.job_count() == jobs_before + 1


def test_the_verify_button_gets_200(bot: RunningBot) -> None:
    body = json.dumps({"destination": "Ubotdestination", "events": []}).encode()
    assert bot.post(body, signed_headers(body))[0] == 200


def test_malformed_signed_bodies_are_400_not_500(bot: RunningBot) -> None:
    for body in (b"{not json", b"[]", b'{"events": "many"}', b"\xff\xfe"):
        assert bot.post(body, signed_headers(body))[0] == 400, body


def test_unknown_or_broken_events_are_skipped_and_the_rest_handled(
    bot: RunningBot, fake_line: FakeLine, events: EventFactory
) -> None:
    future_kind = {**events.text("hi"), "type": "somethingNew"}
    broken = {"type": "message", "mode": "active"}  # no id, no source, no message
    command = events.text("/ช่วยเหลือ", user="Uunknown")
    assert bot.send(future_kind, broken, 42, command) == 200
    assert fake_line.reply_for(command["replyToken"]).texts == [core_messages.HELP]


# --- pictures users send ---------------------------------------------------------------------


def test_a_photo_becomes_the_starting_point_of_a_draw_with_init(
    bot: RunningBot, fake_line: FakeLine, events: EventFactory
) -> None:
    fake_line.contents["photo-1"] = png_bytes((120, 90))
    photo = events.image("photo-1", user="Uphoto")
    assert bot.send(photo) == 200
    assert fake_line.reply_for(photo["replyToken"]).texts == [messages.PHOTO_SAVED]
    content_calls = fake_line.calls("/v2/bot/message/photo-1/content")
    assert content_calls[0].headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"

    _, job_id = draw(bot, fake_line, events.text(f"/วาด แมว --init {SMALL}", user="Uphoto"))
    init_image = Path(bot.wait_for_status(job_id, "done").request["init_image"])
    assert init_image.is_relative_to(bot.data_dir / "uploads")
    assert "photo-1" not in init_image.name
    assert Image.open(init_image).size == (120, 90)


def test_init_without_a_photo_and_photos_the_bot_cannot_use_get_thai_sentences(
    bot: RunningBot, fake_line: FakeLine, events: EventFactory
) -> None:
    command = events.text(f"/วาด แมว --init {SMALL}", user="Unophoto")
    fake_line.contents["not-a-photo"] = b"MZ\x90\x00 this is not a picture"
    photo = events.image("not-a-photo", user="Unophoto")
    missing = events.image("deleted-on-line", user="Unophoto")
    linked = events.image("linked", user="Unophoto", link="https://elsewhere.example/a.jpg")
    assert bot.send(command, photo, missing, linked) == 200
    assert fake_line.reply_for(command["replyToken"]).texts == [core_messages.NO_INIT_IMAGE.thai]
    assert fake_line.reply_for(photo["replyToken"]).texts == [messages.PHOTO_NOT_A_PICTURE]
    assert fake_line.reply_for(missing["replyToken"]).texts == [messages.PHOTO_DOWNLOAD_FAILED]
    assert fake_line.reply_for(linked["replyToken"]).texts == [messages.PHOTO_FROM_LINK]
    assert fake_line.calls("/v2/bot/message/linked/content") == []


# --- last: these change the bot for the rest of the module -----------------------------------


def test_no_secret_appears_in_the_logs(bot: RunningBot) -> None:
    log = bot.log_path.read_text(errors="replace")
    assert "ThaiDraw is running" in log
    assert SECRET not in log
    assert ACCESS_TOKEN not in log


def test_when_the_push_quota_is_spent_the_user_is_told_and_the_job_is_kept(
    bot: RunningBot, fake_line: FakeLine, events: EventFactory
) -> None:
    fake_line.push_status = 429
    _, job_id = draw(bot, fake_line, events.text(f"/วาด ดวงจันทร์ {SMALL}", user="Uquota"))
    fake_line.wait_for(FakeLine.PUSH, lambda c: c.body["to"] == "Uquota")
    assert bot.wait_for_ref(job_id, "line_push_refused", True).status == "done"  # kept

    # The next message, whatever it says, brings the picture and the plain explanation.
    hello = events.text("สวัสดี", user="Uquota")
    assert bot.send(hello) == 200
    answer = fake_line.reply_for(hello["replyToken"])
    assert answer.images[0]["originalContentUrl"].endswith(f"/images/{job_id}.png")
    assert messages.QUOTA_OUT in answer.texts[-1]
    bot.wait_for_ref(job_id, "line_state", "delivered")

    # New jobs say at once that the picture will not come by itself.
    acknowledgement, _ = draw(bot, fake_line, events.text(f"/วาด ดาว {SMALL}", user="Uquota"))
    assert messages.QUOTA_OUT in acknowledgement.texts[0]
    assert bot.send(events.text("/ยกเลิก", user="Uquota")) == 200
