"""A local stand-in for Discord's REST API, and the gateway payloads tests deliver to the bot.

discord.py sends every REST call (bot token and interaction webhooks alike) to `Route.BASE`;
pointing it here lets the real library run while the tests read what users would see: the
messages in each channel, the ephemeral answers to each interaction, the synced commands.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from aiohttp.test_utils import TestServer
from discord.http import Route

BOT_USER_ID = 700000000000000001
APPLICATION_ID = 700000000000000002
EPHEMERAL = 64
TIMESTAMP = "2026-01-01T00:00:00.000000+00:00"


def user_payload(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
    }


@dataclass(frozen=True)
class Call:
    """One REST request as discord.py made it."""

    method: str
    path: str  # after /api/v10, decoded
    body: Any  # the JSON body, or a multipart request's payload_json
    files: tuple[tuple[str, bytes], ...] = ()


@dataclass
class Message:
    """A message as the fake keeps it: what people in the channel would see."""

    id: int
    channel_id: int
    content: str
    embeds: list[dict[str, Any]]
    components: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    flags: int = 0
    deleted: bool = False
    reactions: list[str] = field(default_factory=list)  # the bot's own

    @property
    def custom_ids(self) -> list[str]:
        return [button["custom_id"] for row in self.components for button in row["components"]]

    @property
    def file_names(self) -> list[str]:
        return [attachment["filename"] for attachment in self.attachments]


Handler = Callable[[re.Match[str], Call], Awaitable[web.StreamResponse]]


class FakeDiscord:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[int, Message] = {}
        self.answers: dict[str, list[Message]] = {}  # interaction token → its ephemeral answers
        self.synced: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global)
        self.foreign_guilds: set[int] = set()  # servers the bot is not in
        self.files: dict[int, bytes] = {}  # attachment id → its bytes
        self._ids = itertools.count(800000000000000000)
        self._server: TestServer | None = None
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r"/users/@me"), self._me),
            ("GET", re.compile(r"/oauth2/applications/@me"), self._application),
            (
                "PUT",
                re.compile(r"/applications/\d+(?:/guilds/(?P<guild>\d+))?/commands"),
                self._sync,
            ),
            ("POST", re.compile(r"/interactions/(?P<id>\d+)/(?P<token>[^/]+)/callback"), self._ack),
            ("POST", re.compile(r"/webhooks/\d+/(?P<token>[^/]+)"), self._followup),
            ("POST", re.compile(r"/channels/(?P<channel>\d+)/messages"), self._send),
            ("PATCH", re.compile(r"/channels/\d+/messages/(?P<message>\d+)"), self._edit),
            ("DELETE", re.compile(r"/channels/\d+/messages/(?P<message>\d+)"), self._delete),
            (
                "PUT",
                re.compile(r"/channels/\d+/messages/(?P<message>\d+)/reactions/(?P<emoji>.+)/@me"),
                self._react,
            ),
            ("GET", re.compile(r"/attachments/(?P<attachment>\d+)/.+"), self._download),
        ]

    # --- running -------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[FakeDiscord]:
        """Serve on a local port, with discord.py's REST calls pointed here."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._server = TestServer(app)
        await self._server.start_server()
        old_base = Route.BASE
        Route.BASE = str(self._server.make_url("/api/v10"))
        try:
            yield self
        finally:
            Route.BASE = old_base
            await self._server.close()

    def snowflake(self) -> int:
        return next(self._ids)

    # --- what tests read -------------------------------------------------------------------------

    def in_channel(self, channel_id: int) -> list[Message]:
        """The messages the bot has sent to a channel, oldest first (deleted ones included)."""
        return [m for m in self.messages.values() if m.channel_id == channel_id]

    def edits_of(self, message_id: int) -> list[Call]:
        return [
            call
            for call in self.calls
            if call.method == "PATCH" and call.path.endswith(f"/messages/{message_id}")
        ]

    def attachment_bytes(self, message: Message) -> list[bytes]:
        return [self.files[int(attachment["id"])] for attachment in message.attachments]

    # --- the API ---------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        call = await self._read(request)
        self.calls.append(call)
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(call.path)
            if method == call.method and match is not None:
                return await handler(match, call)
        return _error(404, 0, f"the fake has no {call.method} {call.path}")

    async def _read(self, request: web.Request) -> Call:
        path = unquote(request.path).removeprefix("/api/v10")
        if not request.content_type.startswith("multipart/"):
            body = await request.json() if request.can_read_body else None
            return Call(request.method, path, body)
        body, files = None, []
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            data = await part.read()  # type: ignore[union-attr]
            if part.name == "payload_json":  # type: ignore[union-attr]
                body = json.loads(data)
            else:
                files.append((part.filename or "", bytes(data)))  # type: ignore[union-attr]
        return Call(request.method, path, body, tuple(files))

    async def _me(self, match: re.Match[str], call: Call) -> web.Response:
        return _json(user_payload(BOT_USER_ID, "ThaiDraw", bot=True))

    async def _application(self, match: re.Match[str], call: Call) -> web.Response:
        return _json(
            {
                "id": str(APPLICATION_ID),
                "name": "ThaiDraw",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": user_payload(700000000000000003, "owner"),
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def _sync(self, match: re.Match[str], call: Call) -> web.Response:
        guild = int(match["guild"]) if match["guild"] else None
        if guild in self.foreign_guilds:
            return _error(403, 50001, "Missing Access")
        self.synced[guild] = call.body
        created = [
            {
                **command,
                "id": str(self.snowflake()),
                "application_id": str(APPLICATION_ID),
                "version": "1",
                **({"guild_id": str(guild)} if guild else {}),
            }
            for command in call.body
        ]
        return _json(created)

    async def _ack(self, match: re.Match[str], call: Call) -> web.Response:
        """An interaction's first response: a deferral, or an answer (type 4)."""
        data = call.body.get("data") or {}
        if call.body["type"] == 4:
            answer = self._message(0, data, call.files)
            self.answers.setdefault(match["token"], []).append(answer)
        interaction = {
            "id": match["id"],
            "type": 2,
            "response_message_loading": call.body["type"] == 5,
            "response_message_ephemeral": bool(data.get("flags", 0) & EPHEMERAL),
        }
        return _json({"interaction": interaction})

    async def _followup(self, match: re.Match[str], call: Call) -> web.Response:
        answer = self._message(0, call.body, call.files)
        self.answers.setdefault(match["token"], []).append(answer)
        return _json(self.payload(answer))

    async def _send(self, match: re.Match[str], call: Call) -> web.Response:
        message = self._message(int(match["channel"]), call.body, call.files)
        self.messages[message.id] = message
        return _json(self.payload(message))

    async def _edit(self, match: re.Match[str], call: Call) -> web.Response:
        message = self.messages.get(int(match["message"]))
        if message is None or message.deleted:
            return _error(404, 10008, "Unknown Message")
        body = call.body
        message.content = body.get("content", message.content) or ""
        message.embeds = body.get("embeds", message.embeds)
        message.components = body.get("components", message.components)
        if "attachments" in body:
            message.attachments = self._attachments(body, call.files, message.attachments)
        return _json(self.payload(message))

    async def _delete(self, match: re.Match[str], call: Call) -> web.Response:
        message = self.messages.get(int(match["message"]))
        if message is None or message.deleted:
            return _error(404, 10008, "Unknown Message")
        message.deleted = True
        return web.Response(status=204)

    async def _react(self, match: re.Match[str], call: Call) -> web.Response:
        self.messages[int(match["message"])].reactions.append(match["emoji"])
        return web.Response(status=204)

    async def _download(self, match: re.Match[str], call: Call) -> web.Response:
        return web.Response(body=self.files[int(match["attachment"])])

    # --- message state ---------------------------------------------------------------------------

    def _message(self, channel_id: int, body: dict[str, Any], files: tuple) -> Message:
        return Message(
            id=self.snowflake(),
            channel_id=channel_id,
            content=body.get("content") or "",
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            attachments=self._attachments(body, files, []),
            flags=body.get("flags") or 0,
        )

    def _attachments(
        self, body: dict[str, Any], files: tuple, kept: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """New files come as indexes into the upload; kept attachments by their own ids."""
        old = {attachment["id"]: attachment for attachment in kept}
        result = []
        for entry in body.get("attachments", []):
            if str(entry["id"]) in old:
                result.append(old[str(entry["id"])])
                continue
            name, data = files[int(entry["id"])]
            attachment_id = self.snowflake()
            self.files[attachment_id] = data
            result.append(
                {
                    "id": str(attachment_id),
                    "filename": entry.get("filename") or name,
                    "size": len(data),
                    "url": self.url(f"/attachments/{attachment_id}/{name}"),
                    "proxy_url": self.url(f"/attachments/{attachment_id}/{name}"),
                }
            )
        return result

    def url(self, path: str) -> str:
        assert self._server is not None
        return str(self._server.make_url(path))

    def upload(self, name: str, data: bytes, content_type: str) -> dict[str, Any]:
        """An attachment a user sent (for an attachment option), downloadable from the fake."""
        attachment_id = self.snowflake()
        self.files[attachment_id] = data
        return {
            "id": str(attachment_id),
            "filename": name,
            "size": len(data),
            "content_type": content_type,
            "url": self.url(f"/attachments/{attachment_id}/{name}"),
            "proxy_url": self.url(f"/attachments/{attachment_id}/{name}"),
        }

    def payload(self, message: Message) -> dict[str, Any]:
        """The message as Discord sends it (e.g. inside a button's interaction)."""
        return {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "type": 0,
            "content": message.content,
            "author": user_payload(BOT_USER_ID, "ThaiDraw", bot=True),
            "attachments": message.attachments,
            "embeds": message.embeds,
            "components": message.components,
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": TIMESTAMP,
            "edited_timestamp": None,
            "flags": message.flags,
        }


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py decodes a body only when the content type is exactly this, with no charset.
    body = json.dumps(data).encode()
    return web.Response(body=body, status=status, headers={"Content-Type": "application/json"})


def _error(status: int, code: int, text: str) -> web.Response:
    return _json({"message": text, "code": code}, status=status)
