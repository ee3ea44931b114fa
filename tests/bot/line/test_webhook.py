"""Reading a webhook body: the signature first, then the events, leaving out what is unknown."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from linebot.v3.webhook import SignatureValidator
from linebot.v3.webhooks import Event, MessageEvent, PostbackEvent

from bot.line.webhook import (
    MAX_BODY_BYTES,
    SIGNATURE_HEADER,
    BadSignature,
    MalformedWebhook,
    read_webhook,
    webhook_blueprint,
)
from tests.bot.line.conftest import SECRET, EventFactory, sign, webhook_body
from tests.bot.odd_input import bodies

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


# --- the route: bodies within limits ---------------------------------------------------------


@pytest.fixture
def handed_over() -> list[list[Event]]:
    return []


@pytest.fixture
def webhook_client(handed_over: list[list[Event]]) -> FlaskClient:
    app = Flask("line-webhook-test")
    app.register_blueprint(webhook_blueprint(SECRET, handed_over.append))
    return app.test_client()


def post_signed(client: FlaskClient, body: bytes):
    return client.post("/line/webhook", data=body, headers={SIGNATURE_HEADER: sign(body)})


def test_a_signed_body_nested_too_deeply_is_refused_not_a_500(
    webhook_client: FlaskClient, handed_over: list
) -> None:
    answer = post_signed(webhook_client, b"[" * 100_000)  # json.loads: RecursionError
    assert answer.status_code == 400
    assert handed_over == []


def test_a_body_above_the_limit_is_refused_unread(
    webhook_client: FlaskClient, handed_over: list
) -> None:
    body = b" " * (MAX_BODY_BYTES + 1)
    answer = post_signed(webhook_client, body)
    assert answer.status_code == 413
    assert handed_over == []


def test_lone_surrogates_in_a_message_are_removed_before_it_is_handed_over(
    webhook_client: FlaskClient, handed_over: list, events: EventFactory
) -> None:
    body = webhook_body(events.text("x")).replace(b'"text": "x"', b'"text": "cat \\ud800 dog"')
    assert post_signed(webhook_client, body).status_code == 200
    ((event,),) = handed_over
    assert event.message.text == "cat  dog"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies(), as_events=st.booleans())
def test_no_signed_body_gets_a_server_error(
    webhook_client: FlaskClient, body: bytes, as_events: bool
) -> None:
    if as_events:  # the odd value where LINE puts its events
        body = b'{"destination": "U0", "events": [' + body + b"]}"
    assert post_signed(webhook_client, body).status_code in (200, 400, 413)
