"""A production WSGI server (waitress) running the Flask app on its own thread."""

from __future__ import annotations

import contextlib
import logging
import threading

from flask import Flask
from waitress.server import create_server

log = logging.getLogger(__name__)


class WsgiServer:
    """Serves `app` on host:port from a background thread until `close()`."""

    # Each open web-page progress stream holds a thread (bot/web caps them at 20 of these).
    def __init__(self, app: Flask, host: str, port: int, threads: int = 32) -> None:
        self._server = create_server(app, host=host, port=port, threads=threads, ident="thaidraw")
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
