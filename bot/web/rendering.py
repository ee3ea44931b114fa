"""Server-rendered pages: every template gets the texts of the visitor's language and the layout's
facts. Jinja escapes everything it prints, so prompts show as text, never as markup."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urlencode

from flask import g, render_template, request

from bot.web.context import WebContext
from bot.web.messages import LANGUAGES, say_count, texts


def language_switch_url() -> str:
    """This page in the other language."""
    other = next(language for language in LANGUAGES if language != g.language)
    query = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return f"{request.path}?{urlencode([*query, ('lang', other)])}"


def utc_text(iso_time: str | None) -> str:
    """The fallback shown until the page's script writes the time in the visitor's zone."""
    return datetime.fromisoformat(iso_time).strftime("%Y-%m-%d %H:%M UTC") if iso_time else ""


def render_page(
    web: WebContext, template: str, status: int = 200, **context: Any
) -> tuple[str, int]:
    language = g.language
    page = render_template(
        template,
        t=texts(language),
        say_count=partial(say_count, language),
        language=language,
        switch_url=language_switch_url(),
        smoke=web.smoke_models,
        utc_text=utc_text,
        **context,
    )
    return page, status
