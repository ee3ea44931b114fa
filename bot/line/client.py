"""The LINE Messaging API calls the bot makes, with time-outs and retries where they are safe."""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import aiohttp
from linebot.v3.messaging import (
    AsyncApiClient,
    AsyncMessagingApi,
    AsyncMessagingApiBlob,
    Configuration,
    Message,
    PushMessageRequest,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
)
from linebot.v3.messaging.exceptions import ApiException

log = logging.getLogger(__name__)
T = TypeVar("T")

REQUEST_TIMEOUT_SECONDS = 10.0
CONTENT_TIMEOUT_SECONDS = 30.0
# The whole download, tries included: the answer still needs the event's reply token, which works
# for about a minute.
CONTENT_DEADLINE_SECONDS = 40.0
ATTEMPTS = 3  # for calls that may be repeated: push (with a retry key), loading, downloads
FIRST_BACKOFF_SECONDS = 0.5
MAX_LOADING_SECONDS = 60  # LINE accepts 5–60, in steps of 5


class LineApiError(Exception):
    """A LINE API call that failed; `status` is the HTTP status, 0 when no answer came."""

    def __init__(self, action: str, status: int) -> None:
        super().__init__(f"LINE {action} failed with status {status or 'none (no answer)'}")
        self.action = action
        self.status = status


class PushQuotaExhausted(LineApiError):
    """Push answered 429: the channel's monthly message quota (or its rate limit) is spent."""


class LineApi:
    """Reply, push, loading animation and message content, on the asyncio loop.

    The SDK's clients own aiohttp sessions, so they are opened on the loop (`open`) and closed
    with it; `data_api_base_url` serves the content of messages users send.
    """

    def __init__(self, access_token: str, api_base_url: str, data_api_base_url: str) -> None:
        self._configurations = (
            Configuration(host=api_base_url.rstrip("/"), access_token=access_token),
            Configuration(host=data_api_base_url.rstrip("/"), access_token=access_token),
        )
        self._clients: list[AsyncApiClient] = []
        self._messaging: AsyncMessagingApi | None = None
        self._blob: AsyncMessagingApiBlob | None = None

    async def open(self) -> None:
        self._clients = [AsyncApiClient(config) for config in self._configurations]
        self._messaging = AsyncMessagingApi(self._clients[0])
        self._blob = AsyncMessagingApiBlob(self._clients[1])

    async def close(self) -> None:
        clients, self._clients = self._clients, []
        self._messaging = self._blob = None
        for client in clients:
            await client.close()

    async def reply(self, reply_token: str, messages: Sequence[Message]) -> None:
        """Send with a reply token; never repeated, since a token works only once."""
        request = ReplyMessageRequest(reply_token=reply_token, messages=list(messages))
        await self._call(
            "reply",
            lambda: self._messaging_api().reply_message(
                request, _request_timeout=REQUEST_TIMEOUT_SECONDS
            ),
            attempts=1,
        )

    async def push(self, to: str, messages: Sequence[Message]) -> None:
        """Send without a token (spends the quota). Raises PushQuotaExhausted on 429.

        Every attempt carries the same retry key, so LINE delivers the messages at most once.
        """
        request = PushMessageRequest(to=to, messages=list(messages))
        retry_key = str(uuid.uuid4())
        try:
            await self._call(
                "push",
                lambda: self._messaging_api().push_message(
                    request, x_line_retry_key=retry_key, _request_timeout=REQUEST_TIMEOUT_SECONDS
                ),
            )
        except LineApiError as error:
            if error.status == 409:  # an earlier attempt with this key was accepted after all
                return
            if error.status == 429:
                raise PushQuotaExhausted("push", 429) from error
            raise

    async def show_loading(self, chat_id: str, seconds: float) -> None:
        """The typing dots in a one-to-one chat; a nicety, so failures are only logged."""
        steps_of_five = min(MAX_LOADING_SECONDS, max(5, 5 * math.ceil(seconds / 5)))
        request = ShowLoadingAnimationRequest(chat_id=chat_id, loading_seconds=steps_of_five)
        try:
            await self._call(
                "loading animation",
                lambda: self._messaging_api().show_loading_animation(
                    request, _request_timeout=REQUEST_TIMEOUT_SECONDS
                ),
            )
        except LineApiError as error:
            log.info("%s", error)

    async def content(self, message_id: str) -> bytes:
        """The bytes of a picture a user sent, within CONTENT_DEADLINE_SECONDS."""
        try:
            async with asyncio.timeout(CONTENT_DEADLINE_SECONDS):
                data = await self._call(
                    "content download",
                    lambda: self._blob_api().get_message_content(
                        message_id, _request_timeout=CONTENT_TIMEOUT_SECONDS
                    ),
                )
        except TimeoutError as error:
            raise LineApiError("content download (out of time)", 0) from error
        return bytes(data)

    def _messaging_api(self) -> AsyncMessagingApi:
        if self._messaging is None:
            raise LineApiError("call (client closed)", 0)
        return self._messaging

    def _blob_api(self) -> AsyncMessagingApiBlob:
        if self._blob is None:
            raise LineApiError("content download (client closed)", 0)
        return self._blob

    async def _call(
        self, action: str, make_call: Callable[[], Awaitable[T]], *, attempts: int = ATTEMPTS
    ) -> T:
        """Run one API call; repeat it with back-off on server errors and lost connections."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await make_call()
            except ApiException as error:
                status, retriable, failure = error.status or 0, (error.status or 0) >= 500, error
            except (aiohttp.ClientError, TimeoutError) as error:
                status, retriable, failure = 0, True, error
            if not retriable or attempt >= attempts:
                raise LineApiError(action, status) from failure
            delay = FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1)
            log.warning("LINE %s failed (status %s); trying again in %.1f s", action, status, delay)
            await asyncio.sleep(delay)
