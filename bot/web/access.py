"""Who may use the web page (the access token), who is asking (a visitor cookie), in what language.

With THAIDRAW_WEB_TOKEN set (required beyond loopback) every page and every /api call must
present it: as a cookie, set once by opening any page with `?token=…`, or as an
`Authorization: Bearer …` header for scripts. Cookies are `Secure` whenever the visitor came over
HTTPS, directly or through a trusted proxy (bot/http/proxy.py).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from typing import Literal, cast
from urllib.parse import urlencode

from flask import Request, Response, g, redirect, request

from bot.http.auth import bearer_token, same_token
from bot.service import Origin
from bot.settings import is_loopback
from bot.web.messages import DEFAULT_LANGUAGE, LANGUAGES, Language

TOKEN_COOKIE = "thaidraw_token"
VISITOR_COOKIE = "thaidraw_visitor"
LANGUAGE_COOKIE = "thaidraw_lang"
COOKIE_SECONDS = 365 * 24 * 3600
VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")

# Nothing but this server's own files; the live preview arrives as a data: URL.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

Refusal = Literal["token_missing", "token_wrong", "token_unset"]


@dataclass(frozen=True)
class AccessGate:
    """The token rule; `token` None leaves the page open to this machine only (the loopback
    default). A server on loopback behind a reverse proxy still serves the internet: its
    clients are the ones the proxy saw, and they are refused until the operator sets a token."""

    token: str | None = field(repr=False)  # a secret: never in logs or tracebacks

    def refusal(self, presented: str | None, client: str) -> Refusal | None:
        if self.token is None:
            return None if is_loopback(client) else "token_unset"
        if not presented:
            return "token_missing"
        if not same_token(presented, self.token):
            return "token_wrong"
        return None


def presented_token(incoming: Request) -> str | None:
    return bearer_token(incoming) or incoming.cookies.get(TOKEN_COOKIE)


def without_token(incoming: Request) -> str:
    """The address asked for, minus its `token` parameter (kept out of history and logs)."""
    query = [(key, value) for key, value in incoming.args.items(multi=True) if key != "token"]
    return incoming.script_root + incoming.path + (f"?{urlencode(query)}" if query else "")


def read_visitor(incoming: Request) -> tuple[str, bool]:
    """The visitor's id from its cookie, or a new random one (then True)."""
    cookie = incoming.cookies.get(VISITOR_COOKIE, "")
    if VISITOR_ID.fullmatch(cookie):
        return cookie, False
    return secrets.token_urlsafe(18), True


def read_language(incoming: Request) -> tuple[Language, bool]:
    """`?lang=` (then True: remember it), else the cookie, else Thai."""
    chosen = incoming.args.get("lang")
    if chosen in LANGUAGES:
        return cast(Language, chosen), True
    remembered = incoming.cookies.get(LANGUAGE_COOKIE)
    if remembered in LANGUAGES:
        return cast(Language, remembered), False
    return DEFAULT_LANGUAGE, False


def visitor_origin() -> Origin:
    """The visitor as the core's user: its per-user limits apply to each browser."""
    return Origin(platform="web", user_id=g.visitor)


def client_address() -> str:
    """Where the request came from (behind a trusted proxy: the client the proxy saw).

    A client that drops its cookie is a new visitor each time; its address stays the same.
    """
    return request.remote_addr or "unknown"


def exchange_token(gate: AccessGate) -> Response | Refusal:
    """`?token=` on a page: remember a right token in a cookie and drop it from the address."""
    presented = request.args["token"]
    refusal = gate.refusal(presented, client_address())
    if refusal is not None:
        return refusal
    response = redirect(without_token(request), code=303)
    set_cookie(response, TOKEN_COOKIE, presented)
    return response


def set_cookie(response: Response, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        max_age=COOKIE_SECONDS,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )


def add_security_headers(response: Response) -> None:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
