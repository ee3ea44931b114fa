"""deploy/Caddyfile: Caddy passes the public routes to the bot and keeps monitoring private."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.bot.running_bot import free_port
from tests.deploy.tools import DEPLOY, tool

START_TIMEOUT = 20.0


def caddy_environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """Caddy's own state in tmp_path, no admin endpoint (tests may run side by side)."""
    return {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "CADDY_ADMIN": "off",
        **variables,
    }


def request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None):
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=data, headers=headers or {}), timeout=5
        ) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def caddy(tmp_path: Path, httpserver: HTTPServer) -> Iterator[str]:
    """Caddy on plain HTTP in front of a stand-in bot; yields its address."""
    httpserver.expect_request(re.compile(".*")).respond_with_data("from the bot")
    address = f"http://127.0.0.1:{free_port()}"
    env = caddy_environment(
        tmp_path, PUBLIC_BASE_URL=address, THAIDRAW_UPSTREAM=f"127.0.0.1:{httpserver.port}"
    )
    log = tmp_path / "caddy.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [tool("caddy"), "run", "--config", str(DEPLOY / "Caddyfile"), "--adapter", "caddyfile"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, log.read_text()
            try:
                request(address + "/")
                break
            except (ConnectionError, urllib.error.URLError):
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        httpserver.clear_log()
        yield address
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.parametrize(
    "path", ["/healthz", "/metrics", "/METRICS", "/metrics?name=x", "/healthz/", "/metrics/x"]
)
def test_health_and_metrics_are_not_served_to_the_internet(
    caddy: str, httpserver: HTTPServer, path: str
) -> None:
    assert request(caddy + path) == (404, b"")
    assert httpserver.log == []


def test_the_line_webhook_reaches_the_bot_with_its_body_and_signature(
    caddy: str, httpserver: HTTPServer
) -> None:
    body = json.dumps({"destination": "U1", "events": []}).encode()
    headers = {"X-Line-Signature": "c2lnbmF0dXJl", "Content-Type": "application/json"}
    assert request(caddy + "/line/webhook", body, headers) == (200, b"from the bot")
    ((received, _),) = httpserver.log
    assert (received.method, received.path) == ("POST", "/line/webhook")
    assert received.get_data() == body
    assert received.headers["X-Line-Signature"] == "c2lnbmF0dXJl"


@pytest.mark.parametrize("path", ["/images/AbC123xyz.png", "/images/AbC123xyz-preview.jpg", "/"])
def test_pictures_and_the_web_page_reach_the_bot(
    caddy: str, httpserver: HTTPServer, path: str
) -> None:
    assert request(caddy + path) == (200, b"from the bot")
    assert [entry.path for entry, _ in httpserver.log] == [path.split("?")[0]]


def test_an_https_address_gets_automatic_https_for_its_host_name(tmp_path: Path) -> None:
    env = caddy_environment(tmp_path, PUBLIC_BASE_URL="https://draw.example.com")
    result = subprocess.run(
        [tool("caddy"), "adapt", "--config", str(DEPLOY / "Caddyfile"), "--validate"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "not formatted" not in result.stderr  # `caddy fmt` leaves it as it is
    (server,) = json.loads(result.stdout)["apps"]["http"]["servers"].values()
    assert server["listen"] == [":443"]
    assert server["routes"][0]["match"] == [{"host": ["draw.example.com"]}]
    assert "automatic_https" not in server  # on, with its HTTP → HTTPS redirect
