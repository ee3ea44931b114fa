"""Reading a webhook body: the signature first, then the events, leaving out what is unknown."""

from __future__ import annotations

import json

import pytest
from linebot.v3.webhook import SignatureValidator
from linebot.v3.webhooks import MessageEvent, PostbackEvent

from bot.line.webhook import BadSignature, MalformedWebhook, read_webhook
from tests.bot.line.conftest import SECRET, EventFactory, sign, webhook_body

VALIDATOR = SignatureValidator(SECRET)


def test_signed_events_are_read_in_order(events: EventFactory) -> None:
    body = webhook_body(events.text("/วาด แมว"), events.postback("a=see&job=abc123"))
    read = read_webhook(body, sign(body), VALIDATOR)
    assert [type(event) for event in read] == [MessageEvent, PostbackEvent]
    assert read[0].message.text == "/วาด แมว"


@pytest.mark.parametrize(
    "signature",
    [None, "", sign(b"another body"), sign(b"{}", secret="someone-else"), "not base64 !"],
)
def test_a_missing_or_wrong_signature_is_refused_before_the_body_is_read(
    signature: str | None,
) -> None:
    with pytest.raises(BadSignature):
        read_webhook(b"{not even json", signature, VALIDATOR)


def test_bytes_that_are_not_utf8_are_refused_as_unsigned() -> None:
    body = b"\xff\xfe{}"
    with pytest.raises(BadSignature):
        read_webhook(body, sign(body), VALIDATOR)


@pytest.mark.parametrize("body", [b"{not json", b"[]", b"null", b'{"events": {}}', b"{}"])
def test_a_signed_body_that_is_no_webhook_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedWebhook):
        read_webhook(body, sign(body), VALIDATOR)


def test_the_verify_button_sends_no_events() -> None:
    body = json.dumps({"destination": "U0", "events": []}).encode()
    assert read_webhook(body, sign(body), VALIDATOR) == []


def test_unknown_and_broken_events_are_left_out_and_the_rest_kept(events: EventFactory) -> None:
    known = events.text("สวัสดี")
    body = webhook_body(
        {**events.text("x"), "type": "somethingNew"},
        {"type": "message"},
        None,
        "text",
        known,
    )
    (read,) = read_webhook(body, sign(body), VALIDATOR)
    assert read.webhook_event_id == known["webhookEventId"]
