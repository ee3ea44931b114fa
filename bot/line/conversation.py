"""What LINE users do (messages, pictures, button taps), turned into core calls and answers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from linebot.v3.webhooks import (
    Event,
    EventMode,
    FollowEvent,
    ImageMessageContent,
    JoinEvent,
    Mention,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UserMentionee,
)

from bot import messages as core_messages
from bot.commands import ParseContext, ParsedCommand, parse_message
from bot.core import Core
from bot.line import messages
from bot.line.chats import PLATFORM, Chat
from bot.line.client import MAX_LOADING_SECONDS, LineApi, LineApiError
from bot.line.delivery import Delivery
from bot.line.outgoing import Bundle, compose, draw_again_button, see_picture_button, text
from bot.line.postbacks import Action, decode
from bot.line.uploads import UploadRefused, last_upload, save_upload
from bot.service import Accepted, Refused, Reply

log = logging.getLogger(__name__)

# The label stored with a postback vote, its value, and the thank-you.
FEEDBACK = {
    Action.LIKE: ("👍", 1, messages.THANKS_LIKE),
    Action.DISLIKE: ("👎", -1, messages.THANKS_DISLIKE),
}


def without_self_mentions(text: str, mention: Mention | None) -> tuple[str, bool]:
    """The text with LINE's mentions of this bot cut out, and whether there was one.

    LINE marks a mention of the receiving bot with `isSelf` and counts its position in UTF-16
    code units, whatever name the bot is shown under.
    """
    spans = sorted(
        (
            (mentionee.index, mentionee.length)
            for mentionee in (mention.mentionees if mention else ())
            if isinstance(mentionee, UserMentionee) and mentionee.is_self
        ),
        reverse=True,
    )
    if not spans:
        return text, False
    units = text.encode("utf-16-le")
    for index, length in spans:
        units = units[: 2 * index] + " ".encode("utf-16-le") + units[2 * (index + length) :]
    return units.decode("utf-16-le", errors="replace").strip(), True


class Conversation:
    """Handles webhook events on the loop, in order, each at most once."""

    def __init__(self, core: Core, api: LineApi, delivery: Delivery) -> None:
        self.service = core.service
        self.settings = core.settings
        self.api = api
        self.delivery = delivery

    async def handle(self, events: Sequence[Event]) -> None:
        for event in events:
            try:
                await self._handle(event)
            except Exception:
                log.exception("could not handle a LINE %s event", event.type)
                token = getattr(event, "reply_token", None)
                if token:  # one Thai sentence rather than silence (if the token is still good)
                    await self._reply(token, text(core_messages.SOMETHING_WENT_WRONG))

    async def _handle(self, event: Event) -> None:
        if event.mode != EventMode.ACTIVE:
            return  # in standby another channel answers this chat
        if not await self.service.first_time_seen(PLATFORM, event.webhook_event_id):
            return  # a redelivery of an event already handled
        if isinstance(event, FollowEvent | JoinEvent):
            await self._reply(event.reply_token, text(core_messages.HELP))
            return
        chat = Chat.of_source(event.source)
        reply_token = getattr(event, "reply_token", None)
        if chat is None or not reply_token:
            return
        sent_at = event.timestamp / 1000
        if isinstance(event, PostbackEvent):
            await self._postback(chat, reply_token, event.postback.data, sent_at)
        elif isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
            await self._text(chat, reply_token, event.message, sent_at)
        elif (
            isinstance(event, MessageEvent)
            and isinstance(event.message, ImageMessageContent)
            # Pictures in groups are people sharing photos, not starting points for the bot.
            and chat.is_direct
        ):
            await self._picture(chat, reply_token, event.message)

    async def _text(
        self, chat: Chat, reply_token: str, message: TextMessageContent, sent_at: float
    ) -> None:
        body, mentioned = without_self_mentions(message.text, message.mention)
        context = ParseContext.from_settings(self.settings, direct=chat.is_direct or mentioned)
        # In a thread: a long message is a few milliseconds of parsing the loop need not wait for.
        parsed = await asyncio.to_thread(parse_message, body, context)
        if parsed.command is None and mentioned:
            parsed = ParsedCommand("help")  # tagged without a command: say what the bot does
        init_image = None
        if parsed.use_init_image:
            init_image = await asyncio.to_thread(
                last_upload, self.settings.uploads_dir, chat.user_id
            )
        outcome = await self.service.handle(
            parsed, chat.origin(), message.text, init_image=init_image
        )
        if outcome is None:
            if chat.is_direct:  # small talk: its token may still carry a picture soon
                await self.delivery.hold(chat, reply_token, sent_at)
            return
        await self._answer(chat, reply_token, outcome)

    async def _answer(
        self, chat: Chat, reply_token: str, outcome: Accepted | Refused | Reply
    ) -> None:
        if isinstance(outcome, Accepted):
            await self._accepted(chat, reply_token, outcome)
        elif isinstance(outcome, Refused):
            await self.delivery.answer(chat, reply_token, text(outcome.message))
        else:
            await self.delivery.answer(chat, reply_token, text(outcome.text))

    async def _accepted(self, chat: Chat, reply_token: str, accepted: Accepted) -> None:
        job = accepted.job
        self.delivery.track(job)
        pushes = self.delivery.mode_allows_push(chat)
        acknowledgement = messages.accepted(
            accepted.position,
            comes_by_itself=pushes and not self.delivery.push_paused(),
            quota_out=pushes and self.delivery.push_paused(),
            notices=accepted.notices,
        )
        await self.delivery.answer(
            chat, reply_token, text(acknowledgement, [see_picture_button(job.id)])
        )
        # After the answer: a message from the bot ends the animation.
        if chat.is_direct and self.delivery.is_active(job):
            await self.api.show_loading(chat.user_id, MAX_LOADING_SECONDS)

    async def _picture(self, chat: Chat, reply_token: str, message: ImageMessageContent) -> None:
        if message.content_provider.type != "line":
            answer = messages.PHOTO_FROM_LINK
        else:
            try:
                data = await self.api.content(message.id)
                await asyncio.to_thread(save_upload, data, self.settings.uploads_dir, chat.user_id)
                answer = messages.PHOTO_SAVED
            except LineApiError as error:
                log.warning("%s", error)
                answer = messages.PHOTO_DOWNLOAD_FAILED
            except UploadRefused as refusal:
                answer = refusal.thai
        await self.delivery.answer(chat, reply_token, text(answer))

    async def _postback(self, chat: Chat, reply_token: str, data: str, sent_at: float) -> None:
        postback = decode(data)
        if postback is None:
            await self.delivery.answer(chat, reply_token, text(messages.UNKNOWN_BUTTON))
        elif postback.action is Action.SEE:
            await self.delivery.show(chat, reply_token, postback.job_id, sent_at)
        elif postback.action is Action.DRAW_AGAIN:
            outcome = await self.service.redraw(postback.job_id, chat.origin())
            await self._answer(chat, reply_token, outcome)
        else:
            label, value, thanks = FEEDBACK[postback.action]
            counts = await self.service.record_feedback(
                postback.job_id, chat.origin(), "postback", label, value
            )
            answer = (
                text(core_messages.JOB_NOT_FOUND.thai)
                if counts is None
                else text(thanks, [draw_again_button(postback.job_id)])
            )
            await self.delivery.answer(chat, reply_token, answer)

    async def _reply(self, reply_token: str, bundle: Bundle) -> None:
        """A reply outside the delivery's bookkeeping (a group the bot just joined, an apology)."""
        try:
            await self.api.reply(reply_token, compose([bundle]))
        except LineApiError as error:
            log.warning("%s", error)
