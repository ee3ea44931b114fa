"""The client behind a trusted proxy: the right-most address no trusted proxy wrote."""

from __future__ import annotations

import http.client
import ipaddress
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Blueprint, request

from bot.http.app import MAX_REQUEST_BYTES, create_app
from bot.http.proxy import client_address
from bot.http.server import WsgiServer

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1"))
CHAIN = (*LOOPBACK, ipaddress.ip_network("10.0.0.0/8"))


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "networks", "client"),
    [
        ("198.51.100.1", "203.0.113.5", LOOPBACK, "198.51.100.1"),  # untrusted peer: header ignored
        ("127.0.0.1", "", LOOPBACK, "127.0.0.1"),  # a local client, no proxy
        ("127.0.0.1", "203.0.113.5", LOOPBACK, "203.0.113.5"),  # Caddy on this host
        ("127.0.0.1", "192.0.2.66, 203.0.113.5", LOOPBACK, "203.0.113.5"),  # left part: forged
        ("127.0.0.1", "203.0.113.5, 10.1.2.3", CHAIN, "203.0.113.5"),  # two trusted proxies
        ("127.0.0.1", "203.0.113.5, 10.1.2.3", LOOPBACK, "10.1.2.3"),  # the second one unknown
        ("127.0.0.1", "nonsense, 203.0.113.5", LOOPBACK, "203.0.113.5"),
        ("127.0.0.1", "127.0.0.2, nonsense", LOOPBACK, "127.0.0.1"),  # stops at what is no address
        ("::1", " 2001:db8::7 ", LOOPBACK, "2001:db8::7"),
        ("127.0.0.1", "203.0.113.5", (), "127.0.0.1"),  # THAIDRAW_TRUSTED_PROXIES= trusts none
    ],
)
def test_the_client_is_the_right_most_hop_no_trusted_proxy_wrote(
    peer: str, forwarded_for: str, networks: tuple, client: str
) -> None:
    assert client_address(peer, forwarded_for, networks) == client


@pytest.fixture
def echo_server(tmp_path: Path) -> Iterator[str]:
    """The real web server (waitress) with an app that shows the client it sees."""
    echo = Blueprint("echo", __name__)

    @echo.get("/who")
    def who() -> dict[str, object]:
        return {"address": request.remote_addr, "secure": request.is_secure}

    app = create_app(tmp_path, [echo], LOOPBACK)
    server = WsgiServer(app, "127.0.0.1", 0)
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.close()


def who(base_url: str, **headers: str) -> dict[str, object]:
    with urllib.request.urlopen(urllib.request.Request(f"{base_url}/who", headers=headers)) as r:
        return json.load(r)


def test_through_the_real_server_a_trusted_proxys_headers_name_the_client(echo_server: str) -> None:
    assert who(echo_server) == {"address": "127.0.0.1", "secure": False}
    forwarded = who(echo_server, **{"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"})
    assert forwarded == {"address": "203.0.113.5", "secure": True}


def test_the_real_server_refuses_a_body_beyond_the_apps_limit_unread(echo_server: str) -> None:
    connection = http.client.HTTPConnection(echo_server.removeprefix("http://"), timeout=10)
    connection.putrequest("POST", "/who")
    connection.putheader("Content-Length", str(MAX_REQUEST_BYTES + 1))
    connection.endheaders()  # the body never comes: the answer must not wait for it
    try:
        assert connection.getresponse().status == 413
    finally:
        connection.close()
