"""A fake LINE platform: the API server the bot calls, and signed webhook bodies it receives."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import io
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

SECRET = "test-channel-secret-5f1c"
ACCESS_TOKEN = "test-channel-access-token-9a2e"
WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class Call:
    """One request the bot made to LINE."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", [])

    @property
    def texts(self) -> list[str]:
        return [m["text"] for m in self.messages if m["type"] == "text"]

    @property
    def images(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == "image"]

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The quick-reply actions under the last message."""
        last = self.messages[-1] if self.messages else {}
        return [item["action"] for item in last.get("quickReply", {}).get("items", [])]

    def button_data(self, label: str) -> str:
        return next(action["data"] for action in self.buttons if action["label"] == label)


class FakeLine:
    """Answers like api.line.me and api-data.line.me, and records every call the bot makes."""

    REPLY = "/v2/bot/message/reply"
    PUSH = "/v2/bot/message/push"
    LOADING = "/v2/bot/chat/loading/start"

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.url = server.url_for("").rstrip("/")
        self.push_status = 200  # e.g. 429: the monthly quota is spent
        self.contents: dict[str, bytes] = {}
        self.content_delays: dict[str, float] = {}  # message id → seconds before it answers
        self._next_statuses: dict[str, list[int]] = {}
        self._calls: list[Call] = []
        self._lock = threading.Lock()
        for path in (self.REPLY, self.PUSH, self.LOADING):
            server.expect_request(path, method="POST").respond_with_handler(self._answer)
        server.expect_request("/v2/bot/info", method="GET").respond_with_json(
            {
                "userId": "Ubotdestination",
                "basicId": "@thaidraw",
                "displayName": "ThaiDraw",
                "chatMode": "bot",
                "markAsReadMode": "auto",
            }
        )
        content = re.compile(r"^/v2/bot/message/(?P<id>[^/]+)/content$")
        server.expect_request(content, method="GET").respond_with_handler(self._content)

    def _record(self, request: Request) -> None:
        body = json.loads(request.get_data() or b"{}") if request.method == "POST" else {}
        with self._lock:
            self._calls.append(Call(request.path, body, dict(request.headers)))

    def fail_next(self, path: str, *statuses: int) -> None:
        """Answer the next calls to `path` with these error statuses, then normally again."""
        with self._lock:
            self._next_statuses.setdefault(path, []).extend(statuses)

    def _answer(self, request: Request) -> Response:
        self._record(request)
        with self._lock:
            queued = self._next_statuses.get(request.path)
            status = queued.pop(0) if queued else None
        if status is None and request.path == self.PUSH and self.push_status != 200:
            status = self.push_status
        if status is not None:
            problem = {"message": "You have reached your monthly limit." if status == 429 else "x"}
            return Response(json.dumps(problem), status, mimetype="application/json")
        if request.path == self.LOADING:
            return Response("{}", 202, mimetype="application/json")
        sent = {"sentMessages": [{"id": "1", "quoteToken": "q"}]}
        return Response(json.dumps(sent), 200, mimetype="application/json")

    def _content(self, request: Request) -> Response:
        self._record(request)
        message_id = request.path.split("/")[-2]
        time.sleep(self.content_delays.get(message_id, 0.0))
        if message_id not in self.contents:
            return Response('{"message":"Not found"}', 404, mimetype="application/json")
        return Response(self.contents[message_id], 200, mimetype="image/jpeg")

    def calls(self, path: str, where: Callable[[Call], bool] = lambda call: True) -> list[Call]:
        with self._lock:
            return [call for call in self._calls if call.path == path and where(call)]

    def reply_to(self, token: str) -> list[Call]:
        return self.calls(self.REPLY, lambda call: call.body["replyToken"] == token)

    def pushes_to(self, to: str) -> list[Call]:
        return self.calls(self.PUSH, lambda call: call.body["to"] == to)

    def wait_for(
        self, path: str, where: Callable[[Call], bool] = lambda call: True, *, count: int = 1
    ) -> list[Call]:
        """Block until the bot has made `count` matching calls (the bot runs elsewhere)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while len(found := self.calls(path, where)) < count:
            assert time.monotonic() < deadline, f"no such call to {path} came in time"
            time.sleep(0.05)
        return found

    async def until(
        self, path: str, where: Callable[[Call], bool] = lambda call: True, *, count: int = 1
    ) -> list[Call]:
        """Like wait_for, for tests that run the bot on their own event loop."""
        return await asyncio.to_thread(self.wait_for, path, where, count=count)

    def reply_for(self, token: str) -> Call:
        return self.wait_for(self.REPLY, lambda call: call.body["replyToken"] == token)[0]

    async def reply_for_async(self, token: str) -> Call:
        return (await self.until(self.REPLY, lambda call: call.body["replyToken"] == token))[0]


@pytest.fixture(scope="module")
def fake_line() -> Iterator[FakeLine]:
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        yield FakeLine(server)
    finally:
        server.clear()
        server.stop()


def sign(body: bytes, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook_body(*events: dict[str, Any]) -> bytes:
    return json.dumps({"destination": "Ubotdestination", "events": list(events)}).encode()


_EVENT_NUMBERS = itertools.count(1)  # unique in the session: tests share bots and databases


class EventFactory:
    """Webhook events as LINE sends them, each with its own id and reply token."""

    def _event(self, kind: str, source: dict[str, Any], **fields: Any) -> dict[str, Any]:
        number = next(_EVENT_NUMBERS)
        return {
            "type": kind,
            "mode": "active",
            "timestamp": int(time.time() * 1000),
            "source": source,
            "webhookEventId": f"01TESTEVENT{number:015d}",
            "deliveryContext": {"isRedelivery": False},
            "replyToken": f"reply-token-{number}",
            **fields,
        }

    @staticmethod
    def source(user: str, group: str | None = None) -> dict[str, Any]:
        if group is None:
            return {"type": "user", "userId": user}
        return {"type": "group", "groupId": group, "userId": user}

    def text(
        self,
        text: str,
        *,
        user: str = "Ualice",
        group: str | None = None,
        mentions: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"type": "text", "id": "m1", "quoteToken": "q", "text": text}
        if mentions:
            message["mention"] = {"mentionees": mentions}
        return self._event("message", self.source(user, group), message=message)

    def image(self, message_id: str, *, user: str = "Ualice", link: str | None = None) -> dict:
        """A picture sent from the phone, or (`link`) one LINE only points to elsewhere."""
        provider = {"type": "external", "originalContentUrl": link} if link else {"type": "line"}
        message = {
            "type": "image",
            "id": message_id,
            "quoteToken": "q",
            "contentProvider": provider,
        }
        return self._event("message", self.source(user), message=message)

    def postback(self, data: str, *, user: str = "Ualice", group: str | None = None) -> dict:
        return self._event("postback", self.source(user, group), postback={"data": data})

    def follow(self, *, user: str = "Ualice") -> dict[str, Any]:
        return self._event("follow", self.source(user), follow={"isUnblocked": False})


@pytest.fixture
def events() -> EventFactory:
    return EventFactory()


def png_bytes(size: tuple[int, int] = (96, 80), color: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()
