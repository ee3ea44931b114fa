"""Getting finished pictures to LINE users without wasting the channel's push quota.

Replies are free but need a reply token, which works once and for about a minute; pushes need
no token but spend the monthly quota. So:

- Every user action answers with its own token (the acknowledgement, a status, a thank-you),
  and that answer also carries the user's finished pictures that are waiting (up to 5 messages).
- A token nobody needs yet is held: the "ดูรูป" button on a running job, or (one-to-one) any
  message that is not a command while a job runs. If a job finishes while the token is still
  good it goes out as a free reply; just before the token runs out, a "ดูรูป" tap is answered
  with the job's status and the button again.
- Otherwise the result waits, unless the operator allows a push (`LINE_DELIVERY`: `push`
  everywhere, `auto` one-to-one only since a group push costs one message per member, `reply`
  never). A push refused with 429 pauses pushing for a while; the result waits and the reply
  that finally carries it says plainly that the quota is spent and how to get pictures.

What must survive a restart is in the job's message refs: `line_state` (waiting/delivered),
`line_seconds`, `line_failure` (the Thai reason) and `line_push_refused`, so a "ดูรูป" tap
still finds its result and, after a restart, the user's next message still brings it. Held
tokens live a minute and are kept in memory only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from bot import messages as core_messages
from bot.line import messages
from bot.line.chats import PLATFORM, Chat, ChatKey
from bot.line.client import LineApi, LineApiError, PushQuotaExhausted
from bot.line.outgoing import (
    MAX_MESSAGES,
    Bundle,
    compose,
    finished_job,
    see_picture_button,
    text,
)
from bot.service import DrawService
from storage.records import JobRecord

log = logging.getLogger(__name__)

DeliveryMode = Literal["reply", "push", "auto"]
REPLY_TOKEN_HOLD_SECONDS = 45.0  # LINE honours a reply token for about a minute after the event
PUSH_PAUSE_SECONDS = 600.0  # after a 429, how long to leave push alone before trying again
WAITING, DELIVERED = "waiting", "delivered"
NOTHING_MORE = Bundle()


@dataclass
class HeldToken:
    token: str
    asked_job: str | None  # the job whose "ดูรูป" was tapped: it gets an answer either way
    expiry: asyncio.Task[None] | None = field(default=None, repr=False)


class Delivery:
    """Decides how each answer and each finished job reaches a LINE chat, and sends it."""

    def __init__(
        self,
        api: LineApi,
        service: DrawService,
        *,
        mode: DeliveryMode,
        public_base_url: str,
        hold_seconds: float = REPLY_TOKEN_HOLD_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api = api
        self.service = service
        self.mode = mode
        self.public_base_url = public_base_url
        self.hold_seconds = hold_seconds
        self._clock = clock
        self._active: dict[ChatKey, set[str]] = defaultdict(set)
        self._waiting: dict[ChatKey, list[str]] = defaultdict(list)  # job ids, oldest first
        self._held: dict[ChatKey, HeldToken] = {}
        self._push_paused_until = 0.0  # time.monotonic()

    # --- what the adapter learns about jobs ----------------------------------------------------

    def restore(self, jobs: Iterable[JobRecord]) -> None:
        """After a restart: the results still waiting for their users, from the jobs' refs."""
        for job in jobs:
            if job.message_refs.get("line_state") == WAITING:
                self._waiting[Chat.of_job(job).key].append(job.id)

    def track(self, job: JobRecord) -> None:
        self._active[Chat.of_job(job).key].add(job.id)

    def is_active(self, job: JobRecord) -> bool:
        return job.id in self._active.get(Chat.of_job(job).key, ())

    def forget(self, job: JobRecord) -> None:
        """A cancelled job: the reply to /ยกเลิก already said so."""
        self._active[Chat.of_job(job).key].discard(job.id)

    async def finished(
        self, job: JobRecord, *, seconds: float | None = None, failure: str | None = None
    ) -> None:
        """A job is done (or failed, `failure` saying why in Thai): send it the cheapest way."""
        chat = Chat.of_job(job)
        self._active[chat.key].discard(job.id)
        if job.message_refs.get("line_state") in (WAITING, DELIVERED):
            return  # told to a run before a restart: `restore` holds it, or its user has it
        await self.service.remember(
            job.id,
            line_state=WAITING,
            line_seconds=None if seconds is None else round(seconds, 1),
            line_failure=failure,
        )
        self._waiting[chat.key].append(job.id)
        held = self._take_held(chat.key)
        if held is not None and await self._send(chat, reply_token=held.token):
            return
        if not self.mode_allows_push(chat):
            return  # it waits for the user's next message or "ดูรูป"
        if self.push_paused():
            await self._note_push_refused([job.id])
            return
        await self._send(chat)

    # --- answers to what users do -------------------------------------------------------------

    async def answer(self, chat: Chat, reply_token: str, bundle: Bundle) -> None:
        """Reply to the user: their waiting results first, then `bundle`."""
        await self._send(chat, reply_token=reply_token, extra=bundle)

    async def hold(
        self, chat: Chat, reply_token: str, sent_at: float, *, asked_job: str | None = None
    ) -> None:
        """Keep a token nobody needs yet, for a result that may finish while it is good."""
        if self._waiting.get(chat.key):
            await self.answer(chat, reply_token, NOTHING_MORE)
            return
        if asked_job is None and not self._active.get(chat.key):
            return  # nothing to wait for: the token goes unused
        remaining = self.hold_seconds - (self._clock() - sent_at)
        previous = self._take_held(chat.key)
        if previous is not None:
            asked_job = asked_job or previous.asked_job  # the newer token answers in its place
        if remaining <= 0:
            if asked_job is not None:
                await self._answer_status(chat, reply_token, asked_job)
            return
        held = HeldToken(reply_token, asked_job)
        held.expiry = asyncio.create_task(self._expire(chat, held, remaining))
        self._held[chat.key] = held
        if chat.is_direct:
            await self.api.show_loading(chat.user_id, remaining)

    async def show(self, chat: Chat, reply_token: str, job_id: str, sent_at: float) -> None:
        """The "ดูรูป" button: the picture when it is finished, else hold the token for it."""
        job = await self.service.job(job_id)
        if job is None or job.platform != PLATFORM:
            await self.answer(chat, reply_token, text(core_messages.JOB_NOT_FOUND.thai))
            return
        if job.is_active:
            await self.hold(chat, reply_token, sent_at, asked_job=job.id)
            return
        # Finished (perhaps before a restart, perhaps delivered already): it goes out now.
        owner = Chat.of_job(job).key
        if job.id in self._waiting.get(owner, ()):
            self._waiting[owner].remove(job.id)
        self._waiting[chat.key].insert(0, job.id)
        await self._send(chat, reply_token=reply_token)

    def mode_allows_push(self, chat: Chat) -> bool:
        return self.mode == "push" or (self.mode == "auto" and chat.is_direct)

    def push_paused(self) -> bool:
        return time.monotonic() < self._push_paused_until

    async def stop(self) -> None:
        """Forget held tokens (they run out within a minute anyway)."""
        held, self._held = list(self._held.values()), {}
        for token in held:
            await _cancel(token.expiry)

    # --- sending ------------------------------------------------------------------------------

    async def _send(
        self, chat: Chat, *, reply_token: str | None = None, extra: Bundle = NOTHING_MORE
    ) -> bool:
        """Send the chat's waiting results that fit, then `extra`: by reply with a token, else
        by push. False when LINE refused; the results then wait on."""
        job_ids, results = await self._take_waiting(
            chat.key, room=MAX_MESSAGES - len(extra.messages)
        )
        sent = compose([*results, extra])
        if not sent:
            return True
        try:
            if reply_token is not None:
                await self.api.reply(reply_token, sent)
            else:
                await self.api.push(chat.to, sent)
        except PushQuotaExhausted:
            log.warning("LINE push quota is spent; results wait for the users' next messages")
            self._push_paused_until = time.monotonic() + PUSH_PAUSE_SECONDS
            self._waiting[chat.key][:0] = job_ids
            await self._note_push_refused(job_ids)
            return False
        except LineApiError as error:
            log.warning("%s; %d results wait for the next chance", error, len(job_ids))
            self._waiting[chat.key][:0] = job_ids
            return False
        for job_id in job_ids:
            await self.service.remember(job_id, line_state=DELIVERED, line_push_refused=None)
        return True

    async def _take_waiting(self, key: ChatKey, *, room: int) -> tuple[list[str], list[Bundle]]:
        """The oldest waiting results whose messages fit in `room`; the rest wait on."""
        job_ids = self._waiting.pop(key, [])
        taken: list[str] = []
        results: list[Bundle] = []
        left: list[str] = []
        for job_id in job_ids:
            job = await self.service.job(job_id)
            if job is None:
                continue
            result = finished_job(job, self.public_base_url)
            if len(result.messages) <= room:
                taken.append(job_id)
                results.append(result)
                room -= len(result.messages)
            else:
                left.append(job_id)
        if left:
            self._waiting[key][:0] = left
        return taken, results

    async def _note_push_refused(self, job_ids: list[str]) -> None:
        """Their captions will say the quota is spent and how to get the next pictures."""
        for job_id in job_ids:
            await self.service.remember(job_id, line_push_refused=True)

    async def _answer_status(self, chat: Chat, reply_token: str, job_id: str) -> None:
        job = await self.service.job(job_id)
        if job is None or not job.is_active:
            await self.show(chat, reply_token, job_id, self._clock())
            return
        position = await self.service.position(job_id)
        status = messages.still_queued(position) if position else messages.STILL_DRAWING
        await self.answer(chat, reply_token, text(status, [see_picture_button(job_id)]))

    def _take_held(self, key: ChatKey) -> HeldToken | None:
        held = self._held.pop(key, None)
        if held is not None and held.expiry is not None:
            held.expiry.cancel()
        return held

    async def _expire(self, chat: Chat, held: HeldToken, delay: float) -> None:
        """Just before a held token runs out: use it for what is ready, or for the status."""
        await asyncio.sleep(delay)
        if self._held.get(chat.key) is not held:
            return
        del self._held[chat.key]
        try:
            if self._waiting.get(chat.key):
                await self._send(chat, reply_token=held.token)
            elif held.asked_job is not None:
                await self._answer_status(chat, held.token, held.asked_job)
        except Exception:
            log.exception("could not answer a held LINE reply token")


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
