"""How results reach LINE users in each delivery mode: the real core, a fake LINE, one loop.

The adapter runs in-process here so a test can choose the mode, the token hold time, and the
moment a job runs (a long "blocker" job from another platform holds the generator until the
test cancels it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from linebot.v3.webhooks import Event

from bot import messages as core_messages
from bot.bridge import LoopBridge
from bot.core import Core
from bot.events import JobDone, JobEvent, JobStarted
from bot.line import messages
from bot.line.adapter import LineAdapter
from bot.line.delivery import REPLY_TOKEN_HOLD_SECONDS
from bot.line.postbacks import Action, Postback, decode
from bot.owed import stored_outcome
from bot.service import Accepted, DrawService, ServiceLimits
from bot.settings import BotSettings
from generator.settings import GeneratorSettings
from storage.database import Database
from storage.records import JobRecord
from tests.bot.conftest import draw_request, local_service, origin
from tests.bot.line.conftest import ACCESS_TOKEN, SECRET, Call, EventFactory, FakeLine

pytestmark = pytest.mark.asyncio(loop_scope="module")

PUBLIC_BASE_URL = "https://thaidraw.example"
SMALL = "--steps 2 --size 64"


class Router:
    """Job events go to the adapter the running test made (LINE's), then are recorded."""

    def __init__(self) -> None:
        self.adapter: LineAdapter | None = None
        self._handled: list[JobEvent] = []
        self._changed = asyncio.Condition()

    async def __call__(self, event: JobEvent) -> None:
        if self.adapter is not None and event.job.platform == "line":
            await self.adapter.on_event(event)
        async with self._changed:
            self._handled.append(event)
            self._changed.notify_all()

    async def handled(self, job_id: str, kind: type[JobEvent]) -> JobEvent:
        """The event once it was handled (by the adapter, for a LINE job)."""

        def found() -> list[JobEvent]:
            return [e for e in self._handled if e.job.id == job_id and isinstance(e, kind)]

        async with asyncio.timeout(60), self._changed:
            await self._changed.wait_for(found)
        return found()[0]


@dataclass
class Line:
    """One test's adapter, the core behind it, and the fake LINE it talks to."""

    adapter: LineAdapter
    service: DrawService
    router: Router
    fake: FakeLine
    events: EventFactory

    async def handle(self, *raw_events: dict) -> None:
        """Handle events as the webhook hands them over (the webhook itself: test_adapter)."""
        await self.adapter.conversation.handle([Event.from_dict(raw) for raw in raw_events])

    async def draw(self, text: str, *, user: str, group: str | None = None) -> str:
        command = self.events.text(text, user=user, group=group)
        await self.handle(command)
        (acknowledgement,) = self.fake.reply_to(command["replyToken"])
        return see_picture_job(acknowledgement)

    async def finished(self, job_id: str) -> JobRecord:
        """The job after the adapter has handled its result."""
        await self.router.handled(job_id, JobDone)
        job = await self.service.job(job_id)
        assert job is not None
        return job

    @contextlib.asynccontextmanager
    async def generator_busy(self) -> AsyncIterator[None]:
        """A long job from another platform holds the generator until the block ends."""
        accepted = await self.service.submit(
            draw_request("blocker", steps=500), origin("blocker", "web"), "/วาด blocker"
        )
        assert isinstance(accepted, Accepted)
        await self.router.handled(accepted.job.id, JobStarted)
        try:
            yield
        finally:
            await self.service.cancel_any(accepted.job.id)


def see_picture_job(call: Call) -> str:
    postback = decode(call.button_data(messages.SEE_PICTURE))
    assert postback is not None
    return postback.job_id


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def core(
    tmp_path_factory: pytest.TempPathFactory, smoke_settings: GeneratorSettings
) -> AsyncIterator[tuple[DrawService, Router, Path]]:
    folder = tmp_path_factory.mktemp("line-delivery")
    database = Database.open(f"sqlite:///{folder / 'thaidraw.db'}")
    limits = ServiceLimits(max_jobs_per_user=10, max_jobs_per_minute=100)
    service = local_service(
        database, smoke_settings, folder / "images", limits, progress_every=10, batch_size=1
    )
    router = Router()
    service.subscribe("line", router)
    service.subscribe("web", router)
    await service.start()
    yield service, router, folder
    await service.stop(grace_seconds=5)
    database.close()


@pytest_asyncio.fixture(loop_scope="module")
async def make_line(
    core: tuple[DrawService, Router, Path], fake_line: FakeLine
) -> AsyncIterator[Callable[..., Awaitable[Line]]]:
    service, router, folder = core
    made: list[LineAdapter] = []

    async def make(mode: str = "auto", hold_seconds: float = REPLY_TOKEN_HOLD_SECONDS) -> Line:
        settings = BotSettings(
            _env_file=None,
            data_dir=folder,
            line_channel_secret=SECRET,
            line_channel_access_token=ACCESS_TOKEN,
            line_api_base_url=fake_line.url,
            line_data_api_base_url=fake_line.url,
            line_delivery=mode,
            public_base_url=PUBLIC_BASE_URL,
        )
        bridge = LoopBridge(asyncio.get_running_loop())
        adapter = LineAdapter(Core(service, bridge, settings), hold_seconds=hold_seconds)
        await adapter.start()
        made.append(adapter)
        router.adapter = adapter
        return Line(adapter, service, router, fake_line, EventFactory())

    yield make
    router.adapter = None
    for adapter in made:
        await adapter.stop()


async def test_in_reply_mode_nothing_is_pushed_and_the_next_message_brings_the_picture(
    make_line: Callable[..., Awaitable[Line]],
) -> None:
    line = await make_line("reply")
    job_id = await line.draw(f"/วาด แมว {SMALL}", user="Ureply")
    acknowledgement = line.fake.calls(FakeLine.REPLY)[-1]
    assert messages.ASK_FOR_IT in acknowledgement.texts[0]

    job = await line.finished(job_id)
    assert job.message_refs["line_state"] == "waiting"
    assert job.status == "done"
    hello = line.events.text("สวัสดี", user="Ureply")
    await line.handle(hello)

    (answer,) = line.fake.reply_to(hello["replyToken"])
    assert answer.images[0]["originalContentUrl"] == f"{PUBLIC_BASE_URL}/images/{job_id}.png"
    assert answer.buttons[0]["label"] == messages.LIKE
    assert line.fake.pushes_to("Ureply") == []
    assert (await line.service.job(job_id)).message_refs["line_state"] == "delivered"


async def test_a_command_that_fails_unexpectedly_gets_a_thai_apology_not_silence(
    make_line: Callable[..., Awaitable[Line]], monkeypatch: pytest.MonkeyPatch
) -> None:
    line = await make_line("push")

    async def database_away(*args, **kwargs):
        raise OSError("the database is away")

    monkeypatch.setattr(line.service, "handle", database_away)
    asked = line.events.text(f"/วาด แมว {SMALL}", user="Uunlucky")
    await line.handle(asked)
    (answer,) = line.fake.reply_to(asked["replyToken"])
    assert answer.texts == [core_messages.SOMETHING_WENT_WRONG]


async def test_a_held_see_picture_token_carries_the_picture_free_even_where_push_is_allowed(
    make_line: Callable[..., Awaitable[Line]],
) -> None:
    line = await make_line("push")
    async with line.generator_busy():
        job_id = await line.draw(f"/วาด ทะเล {SMALL}", user="Uheld")
        tap = line.events.postback(Postback(Action.SEE, job_id).encode(), user="Uheld")
        await line.handle(tap)
        assert line.fake.reply_to(tap["replyToken"]) == []  # held while the job waits

    (answer,) = await line.fake.until(
        FakeLine.REPLY, lambda call: call.body["replyToken"] == tap["replyToken"]
    )
    assert answer.images[0]["originalContentUrl"].endswith(f"/images/{job_id}.png")
    assert line.fake.pushes_to("Uheld") == []


async def test_a_held_token_about_to_run_out_answers_with_the_place_in_the_queue(
    make_line: Callable[..., Awaitable[Line]],
) -> None:
    line = await make_line("push", hold_seconds=0.5)
    async with line.generator_busy():
        job_id = await line.draw(f"/วาด ภูเขา {SMALL}", user="Uexpiry")
        tap = line.events.postback(Postback(Action.SEE, job_id).encode(), user="Uexpiry")
        await line.handle(tap)
        (status,) = await line.fake.until(
            FakeLine.REPLY, lambda call: call.body["replyToken"] == tap["replyToken"]
        )
    assert status.texts == [messages.still_queued(1)]
    assert see_picture_job(status) == job_id


async def waiting_across_a_restart(
    make_line: Callable[..., Awaitable[Line]], prompt: str, user: str
) -> tuple[Line, str]:
    """A result one adapter kept as waiting, and a new adapter with nothing in memory."""
    before = await make_line("reply")
    job_id = await before.draw(f"/วาด {prompt} {SMALL}", user=user)
    assert (await before.finished(job_id)).message_refs["line_state"] == "waiting"
    await before.adapter.stop()
    return await make_line("reply"), job_id


async def test_a_result_kept_as_waiting_is_found_by_its_button_after_a_restart(
    make_line: Callable[..., Awaitable[Line]],
) -> None:
    after, job_id = await waiting_across_a_restart(make_line, "ดอกไม้", "Urestart")
    tap = after.events.postback(Postback(Action.SEE, job_id).encode(), user="Urestart")
    await after.handle(tap)
    (answer,) = after.fake.reply_to(tap["replyToken"])
    assert answer.images[0]["originalContentUrl"].endswith(f"/images/{job_id}.png")


async def test_after_a_restart_the_next_message_still_brings_a_waiting_picture(
    make_line: Callable[..., Awaitable[Line]],
) -> None:
    after, job_id = await waiting_across_a_restart(make_line, "ต้นไม้", "Urestart2")
    hello = after.events.text("สวัสดี", user="Urestart2")
    await after.handle(hello)
    (answer,) = after.fake.reply_to(hello["replyToken"])
    assert answer.images[0]["originalContentUrl"].endswith(f"/images/{job_id}.png")
    assert (await after.service.job(job_id)).message_refs["line_state"] == "delivered"


async def test_a_waiting_result_the_core_tells_again_after_a_restart_comes_once(
    make_line: Callable[..., Awaitable[Line]],
) -> None:
    # As when the bot stopped before the core noted the result as told: the next start tells it.
    after, job_id = await waiting_across_a_restart(make_line, "ทะเล", "Urestart3")
    job = await after.service.job(job_id)
    await after.adapter.on_event(stored_outcome(job, after.service.images_dir))
    hello = after.events.text("สวัสดี", user="Urestart3")
    await after.handle(hello)
    (answer,) = after.fake.reply_to(hello["replyToken"])
    assert [image["originalContentUrl"] for image in answer.images] == [
        f"{PUBLIC_BASE_URL}/images/{job_id}.png"
    ]


async def test_push_mode_pushes_results_to_the_group_they_were_asked_in(
    make_line: Callable[..., Awaitable[Line]],
) -> None:
    line = await make_line("push")
    job_id = await line.draw(f"/วาด ป่า {SMALL}", user="Ugroupie", group="Cpushgroup")
    (pushed,) = await line.fake.until(FakeLine.PUSH, lambda call: call.body["to"] == "Cpushgroup")
    assert pushed.images[0]["originalContentUrl"].endswith(f"/images/{job_id}.png")
    assert line.fake.calls(FakeLine.LOADING, lambda c: c.body["chatId"] == "Ugroupie") == []
