"""The web page's routes in one blueprint: pages, the JSON API and the static files, behind the
access rules (token, visitor cookie, language, security headers)."""

from __future__ import annotations

from flask import Blueprint, Response, g, jsonify, request

from bot.web.access import (
    LANGUAGE_COOKIE,
    VISITOR_COOKIE,
    Refusal,
    add_security_headers,
    client_address,
    exchange_token,
    presented_token,
    read_language,
    read_visitor,
    set_cookie,
)
from bot.web.api import api_blueprint
from bot.web.context import WebContext
from bot.web.messages import texts
from bot.web.pages import pages_blueprint
from bot.web.rendering import render_page

STATIC_ENDPOINT = "web.static"
REFUSAL_STATUS: dict[Refusal, int] = {"token_missing": 401, "token_wrong": 403, "token_unset": 403}


def web_blueprint(web: WebContext) -> Blueprint:
    blueprint = Blueprint(
        "web",
        __name__,
        static_folder="static",
        static_url_path="/assets",
        template_folder="templates",
    )

    def refuse(refusal: Refusal) -> Response | tuple[object, int]:
        status = REFUSAL_STATUS[refusal]
        if request.path.startswith("/api/"):
            answer = jsonify(error=texts(g.language)[refusal])
            answer.status_code = status
            answer.headers["WWW-Authenticate"] = 'Bearer realm="thaidraw"'
            return answer
        return render_page(
            web, "web/notice.html", status, title_key="denied_title", message_key=refusal
        )

    @blueprint.before_request
    def admit() -> Response | tuple[object, int] | None:
        g.language, g.language_chosen = read_language(request)
        if request.endpoint == STATIC_ENDPOINT:
            return None
        g.visitor, g.new_visitor = read_visitor(request)
        if "token" in request.args and request.method == "GET":
            exchanged = exchange_token(web.gate)
            return exchanged if isinstance(exchanged, Response) else refuse(exchanged)
        refusal = web.gate.refusal(presented_token(request), client_address())
        return refuse(refusal) if refusal is not None else None

    @blueprint.after_request
    def finish(response: Response) -> Response:
        if request.endpoint != STATIC_ENDPOINT:
            response.headers.setdefault("Cache-Control", "no-store")
            if g.get("new_visitor"):
                set_cookie(response, VISITOR_COOKIE, g.visitor)
        if g.get("language_chosen"):
            set_cookie(response, LANGUAGE_COOKIE, g.language)
        add_security_headers(response)
        return response

    blueprint.register_blueprint(pages_blueprint(web))
    blueprint.register_blueprint(api_blueprint(web))
    return blueprint
