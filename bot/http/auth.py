"""Tokens presented to the web server: the `Authorization: Bearer` header, compared whole."""

from __future__ import annotations

import hmac

from flask import Request, Response

from bot.settings import is_loopback


def bearer_token(incoming: Request) -> str | None:
    """The token of an `Authorization: Bearer …` header (the scheme in any case, RFC 9110)."""
    scheme, _, token = incoming.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def same_token(presented: str, expected: str) -> bool:
    """Compared in constant time, so the answer's timing reveals nothing of the token."""
    return hmac.compare_digest(presented.encode(), expected.encode())


def monitoring_refusal(incoming: Request, token: str | None) -> Response | None:
    """None when the client may read monitoring data: it is on loopback, or shows `token`.

    Behind a trusted proxy the client is the one the proxy saw, so the internet is never
    "loopback" even though Caddy connects from 127.0.0.1.
    """
    if is_loopback(incoming.remote_addr or ""):
        return None
    presented = bearer_token(incoming)
    if token is None:
        return _refusal(403, "set THAIDRAW_METRICS_TOKEN to read this from beyond loopback")
    if presented is None:
        return _refusal(401, "send Authorization: Bearer <THAIDRAW_METRICS_TOKEN>")
    if not same_token(presented, token):
        return _refusal(403, "wrong token")
    return None


def _refusal(status: int, text: str) -> Response:
    response = Response(text + "\n", status=status, mimetype="text/plain")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="thaidraw-metrics"'
    return response
