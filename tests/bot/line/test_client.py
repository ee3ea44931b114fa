"""The LINE API calls against a fake LINE: retries where safe, never for a reply token."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from linebot.v3.messaging import TextMessage

from bot.line import client as client_module
from bot.line.client import LineApi, LineApiError, PushQuotaExhausted
from tests.bot.line.conftest import ACCESS_TOKEN, FakeLine, png_bytes

HELLO = [TextMessage(text="สวัสดี")]


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "FIRST_BACKOFF_SECONDS", 0.01)


@pytest_asyncio.fixture
async def api(fake_line: FakeLine) -> AsyncIterator[LineApi]:
    line = LineApi(ACCESS_TOKEN, fake_line.url, fake_line.url)
    await line.open()
    yield line
    await line.close()


async def test_a_push_that_meets_a_server_error_is_tried_again_with_the_same_retry_key(
    api: LineApi, fake_line: FakeLine
) -> None:
    fake_line.fail_next(FakeLine.PUSH, 500, 503)
    await api.push("Uretry", HELLO)
    calls = fake_line.pushes_to("Uretry")
    assert len(calls) == 3
    assert len({call.headers["X-Line-Retry-Key"] for call in calls}) == 1


async def test_a_push_answered_409_was_accepted_by_an_earlier_try(
    api: LineApi, fake_line: FakeLine
) -> None:
    fake_line.fail_next(FakeLine.PUSH, 500, 409)
    await api.push("Uconflict", HELLO)
    assert len(fake_line.pushes_to("Uconflict")) == 2


async def test_a_push_answered_429_means_the_quota_is_spent_and_is_not_repeated(
    api: LineApi, fake_line: FakeLine
) -> None:
    fake_line.fail_next(FakeLine.PUSH, 429)
    with pytest.raises(PushQuotaExhausted):
        await api.push("Uquota", HELLO)
    assert len(fake_line.pushes_to("Uquota")) == 1


async def test_a_reply_is_never_repeated_since_its_token_works_once(
    api: LineApi, fake_line: FakeLine
) -> None:
    fake_line.fail_next(FakeLine.REPLY, 500)
    with pytest.raises(LineApiError) as failed:
        await api.reply("token-used-once", HELLO)
    assert failed.value.status == 500
    assert len(fake_line.reply_to("token-used-once")) == 1


async def test_message_content_comes_from_the_data_api_and_a_missing_one_is_an_error(
    api: LineApi, fake_line: FakeLine
) -> None:
    fake_line.contents["m-42"] = png_bytes()
    assert await api.content("m-42") == png_bytes()
    with pytest.raises(LineApiError) as failed:
        await api.content("m-gone")
    assert failed.value.status == 404
    assert len(fake_line.calls("/v2/bot/message/m-gone/content")) == 1  # 4xx: not repeated


async def test_a_slow_download_gives_up_while_the_reply_token_still_works(
    api: LineApi, fake_line: FakeLine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "CONTENT_DEADLINE_SECONDS", 0.3)
    fake_line.contents["m-slow"] = png_bytes()
    fake_line.content_delays["m-slow"] = 1.0
    started = time.monotonic()
    with pytest.raises(LineApiError) as failed:
        await api.content("m-slow")
    assert time.monotonic() - started < 0.9
    assert failed.value.status == 0


async def test_the_loading_animation_is_a_nicety_whose_failure_is_only_logged(
    api: LineApi, fake_line: FakeLine
) -> None:
    fake_line.fail_next(FakeLine.LOADING, 400)
    await api.show_loading("Uloading", 12)
    await api.show_loading("Uloading", 500)
    sent = fake_line.calls(FakeLine.LOADING, lambda call: call.body["chatId"] == "Uloading")
    assert [call.body["loadingSeconds"] for call in sent] == [15, 60]


async def test_an_unreachable_line_is_an_error_after_a_few_tries() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    line = LineApi(ACCESS_TOKEN, closed, closed)
    await line.open()
    try:
        with pytest.raises(LineApiError) as failed:
            await line.push("Unobody", HELLO)
        assert failed.value.status == 0
    finally:
        await line.close()


async def test_a_closed_client_refuses_calls_instead_of_hanging(fake_line: FakeLine) -> None:
    line = LineApi(ACCESS_TOKEN, fake_line.url, fake_line.url)
    await line.open()
    await line.close()
    with pytest.raises(LineApiError):
        await line.reply("token", HELLO)
    with pytest.raises(LineApiError):
        await line.content("m-42")
