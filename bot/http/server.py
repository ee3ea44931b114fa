"""A production WSGI server (waitress) running the Flask app on its own thread."""

from __future__ import annotations

import contextlib
import errno
import logging
import threading

from flask import Flask
from waitress.server import create_server

from bot.http.app import MAX_REQUEST_BYTES
from bot.startup_checks import StartupCheckFailed

log = logging.getLogger(__name__)


class WsgiServer:
    """Serves `app` on host:port from a background thread until `close()`.

    The port is bound when the server is made (StartupCheckFailed if it cannot be), and served
    from `start()` on.
    """

    # Each open web-page progress stream holds a thread (bot/web caps them at 20 of these).
    def __init__(self, app: Flask, host: str, port: int, threads: int = 32) -> None:
        try:
            self._server = create_server(
                app,
                host=host,
                port=port,
                threads=threads,
                ident="thaidraw",
                # waitress would otherwise take up to 1 GB of body before the app could say no
                max_request_body_size=MAX_REQUEST_BYTES,
                # X-Forwarded-* reach the app, which believes them only from the proxies that
                # THAIDRAW_TRUSTED_PROXIES lists (bot/http/proxy.py; waitress trusts one IP).
                clear_untrusted_proxy_headers=False,
            )
        except OSError as error:
            raise StartupCheckFailed(cannot_listen(host, port, error)) from None
        self._thread = threading.Thread(target=self._run, name="thaidraw-wsgi", daemon=True)

    @property
    def port(self) -> int:
        return self._server.effective_port

    @property
    def host(self) -> str:
        return self._server.effective_host

    def start(self) -> None:
        self._thread.start()
        log.info("web server listening on http://%s:%s/", self.host, self.port)

    def _run(self) -> None:
        # Closing the server's socket from another thread ends its loop with an OSError.
        with contextlib.suppress(OSError):
            self._server.run()

    def close(self) -> None:
        self._server.close()
        self._thread.join(timeout=5)


def cannot_listen(host: str, port: int, error: OSError) -> str:
    """One line on why host:port cannot be bound, naming the settings that choose it."""
    if error.errno == errno.EADDRINUSE:
        return (
            f"THAIDRAW_PORT={port}: {host}:{port} is already in use (another thaidraw serve?); "
            "stop what listens there or choose another port with THAIDRAW_PORT or --port"
        )
    return (
        f"cannot listen on THAIDRAW_HOST={host} THAIDRAW_PORT={port} "
        f"({error.strerror or error}); check both, or pass --host and --port"
    )
