"""LINE message objects for what the bot says: texts, finished pictures, quick-reply buttons."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from linebot.v3.messaging import (
    ImageMessage,
    Message,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
)

from bot.http.images import picture_name
from bot.line import messages
from bot.line.postbacks import Action, Postback
from storage.records import JobRecord

MAX_MESSAGES = 5  # per reply or push request
MAX_QUICK_REPLY_ITEMS = 13
MAX_TEXT_CHARS = 5000


@dataclass(frozen=True)
class Bundle:
    """Messages to send together, and the quick-reply buttons they offer."""

    messages: tuple[Message, ...] = ()
    buttons: tuple[QuickReplyItem, ...] = ()


def text(content: str, buttons: Iterable[QuickReplyItem] = ()) -> Bundle:
    return Bundle((TextMessage(text=content[:MAX_TEXT_CHARS]),), tuple(buttons))


def button(action: Action, job_id: str, label: str) -> QuickReplyItem:
    data = Postback(action, job_id).encode()
    return QuickReplyItem(action=PostbackAction(label=label, data=data, display_text=label))


def see_picture_button(job_id: str) -> QuickReplyItem:
    return button(Action.SEE, job_id, messages.SEE_PICTURE)


def draw_again_button(job_id: str) -> QuickReplyItem:
    return button(Action.DRAW_AGAIN, job_id, messages.DRAW_AGAIN)


def feedback_buttons(job_id: str) -> tuple[QuickReplyItem, ...]:
    return (
        button(Action.LIKE, job_id, messages.LIKE),
        button(Action.DISLIKE, job_id, messages.DISLIKE),
        draw_again_button(job_id),
    )


def picture_url(public_base_url: str, job_id: str, kind: str) -> str:
    return f"{public_base_url.rstrip('/')}/images/{picture_name(job_id, kind)}"


def finished_job(job: JobRecord, public_base_url: str) -> Bundle:
    """A finished job as LINE messages: the picture and its recipe, or why it failed.

    Built from the stored job alone, so a result that waited (for a reply token, or after a
    restart) looks the same as one sent at once.
    """
    refs = job.message_refs
    notes = (messages.QUOTA_OUT,) if refs.get("line_push_refused") else ()
    if job.status != "done":
        reason = refs.get("line_failure") or messages.JOB_CANCELLED
        return text("\n\n".join((reason, *notes)))
    picture = ImageMessage(
        original_content_url=picture_url(public_base_url, job.id, "full"),
        preview_image_url=picture_url(public_base_url, job.id, "preview"),
    )
    recipe = messages.caption(job.request, job.seed, refs.get("line_seconds"), job.id)
    caption = TextMessage(text="\n\n".join((recipe, *notes)))
    return Bundle((picture, caption), feedback_buttons(job.id))


def compose(bundles: Sequence[Bundle]) -> list[Message]:
    """One request's messages; the last one carries every bundle's buttons (later ones win a
    label they share, since LINE shows quick replies only under the newest message)."""
    sent = [message for bundle in bundles for message in bundle.messages]
    if len(sent) > MAX_MESSAGES:
        raise ValueError(f"{len(sent)} messages do not fit in one LINE request")
    by_label: dict[str, QuickReplyItem] = {}
    for bundle in bundles:
        for item in bundle.buttons:
            by_label.pop(item.action.label, None)
            by_label[item.action.label] = item
    items = list(by_label.values())[-MAX_QUICK_REPLY_ITEMS:]
    if sent and items:
        sent[-1] = sent[-1].copy(update={"quick_reply": QuickReply(items=items)})
    return sent
