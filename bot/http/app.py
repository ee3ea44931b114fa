"""The one Flask app behind waitress: pictures, plus whatever the enabled parts add."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flask import Blueprint, Flask

from bot.http.images import images_blueprint
from bot.http.proxy import Network, TrustedProxies

MAX_REQUEST_BYTES = (
    2 * 1024 * 1024
)  # webhooks and form posts are small; pictures are not uploaded here


def create_app(
    images_dir: Path, blueprints: Sequence[Blueprint] = (), trusted_proxies: Sequence[Network] = ()
) -> Flask:
    """The app; requests through a proxy in `trusted_proxies` carry the client's address."""
    app = Flask("thaidraw")
    app.wsgi_app = TrustedProxies(app.wsgi_app, trusted_proxies)  # type: ignore[method-assign]
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.json.ensure_ascii = False  # Thai stays readable in JSON answers
    app.register_blueprint(images_blueprint(images_dir))
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    return app
