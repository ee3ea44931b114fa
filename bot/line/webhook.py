"""`POST /line/webhook`: check the signature, read the events, hand them to the loop, answer 200.

The handler never waits for the core or for LINE, so LINE always has its answer within a second.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Response, request
from linebot.v3.webhook import SignatureValidator
from linebot.v3.webhooks import Event
from werkzeug.exceptions import RequestEntityTooLarge

from bot.http.bodies import BadBody, parse_json

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Line-Signature"
# LINE sends a few events per call (messages of at most 5,000 characters each): far below this.
MAX_BODY_BYTES = 1024 * 1024


class BadSignature(Exception):
    """The body was not signed with our channel secret (or not signed at all)."""


class MalformedWebhook(Exception):
    """A signed body that is not a LINE webhook (not JSON, or no event list)."""


def read_webhook(body: bytes, signature: str | None, validator: SignatureValidator) -> list[Event]:
    """The events of a signed webhook body, checked before anything else is read.

    Events of types this SDK does not know, or that do not match their type, are left out: LINE
    adds event types over time, and one odd event must not cost the others. The JSON is read
    within a nesting limit, its strings made storable (bot/http/bodies.py).
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadSignature from None  # LINE signs UTF-8 JSON; these bytes are not that
    if not signature or not validator.validate(text, signature):
        raise BadSignature
    try:
        payload = parse_json(text)
    except BadBody as bad:
        raise MalformedWebhook(bad.problem) from None
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        raise MalformedWebhook("no event list")
    parsed = []
    for raw in events:
        try:
            event = Event.from_dict(raw)
        except (ValueError, TypeError, KeyError, AttributeError):
            event = None
        if event is None:
            kind = raw.get("type") if isinstance(raw, dict) else type(raw).__name__
            log.info("left out a LINE event the SDK cannot read (type %.40r)", kind)
        else:
            parsed.append(event)
    return parsed


def webhook_blueprint(channel_secret: str, hand_over: Callable[[list[Event]], None]) -> Blueprint:
    """The route; `hand_over` must return at once (it schedules the work on the loop)."""
    blueprint = Blueprint("line", __name__)
    validator = SignatureValidator(channel_secret)

    @blueprint.post("/line/webhook")
    def webhook() -> Response:
        request.max_content_length = MAX_BODY_BYTES
        try:
            events = read_webhook(
                request.get_data(cache=False), request.headers.get(SIGNATURE_HEADER), validator
            )
        except RequestEntityTooLarge:
            log.warning("refused a LINE webhook of more than %d bytes", MAX_BODY_BYTES)
            return Response("body too large", status=413, mimetype="text/plain")
        except BadSignature:
            log.warning("refused a LINE webhook with a bad or missing signature")
            return Response("bad signature", status=400, mimetype="text/plain")
        except MalformedWebhook as error:
            log.warning("refused a signed LINE webhook that is not one: %s", error)
            return Response("malformed webhook", status=400, mimetype="text/plain")
        if events:
            hand_over(events)
        return Response("OK", status=200, mimetype="text/plain")

    return blueprint
