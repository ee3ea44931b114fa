"""The page under a crowd: limits per client address (behind a trusted proxy too), retries that
find their first job, answers that are true when the core is slow, and bodies within limits."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.web import context
from bot.web.messages import texts
from storage.records import JobRecord
from tests.bot.web.conftest import TOKEN, RunningCore

QUICK = {"text": "แมว --steps 2 --size 64"}
THAI = texts("th")


@pytest.fixture(scope="module")
def limited_app(running_core: RunningCore) -> Flask:
    """The page, open beyond loopback, with 3 draws and 3 votes a minute per client address."""
    adapter = running_core.adapter(
        THAIDRAW_HOST="0.0.0.0",
        THAIDRAW_WEB_TOKEN=TOKEN,
        THAIDRAW_ADDRESS_DRAWS_PER_MINUTE="3",
        THAIDRAW_ADDRESS_VOTES_PER_MINUTE="3",
    )
    return running_core.app(adapter)


def from_address(app: Flask, address: str, **headers: str) -> FlaskClient:
    """A new visitor (no cookie yet) whose connection comes from `address`."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    client.environ_base.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    return client


def statuses(
    make_client: Callable[[], FlaskClient], count: int, path: str, body: dict
) -> list[int]:
    """The statuses of `count` posts, each from a client `make_client` gives."""
    return [make_client().post(path, json=body).status_code for _ in range(count)]


# --- limits per address --------------------------------------------------------------------


def test_a_client_that_drops_its_cookie_is_held_by_its_address_limit(limited_app: Flask) -> None:
    # A new visitor every time: the core's per-visitor limits never see it twice.
    def cookieless() -> FlaskClient:
        return from_address(limited_app, "198.51.100.7")

    assert statuses(cookieless, 3, "/api/draw", QUICK) == [202, 202, 202]
    refused = cookieless().post("/api/draw", json=QUICK)
    assert refused.status_code == 429
    assert refused.json == {"error": THAI["too_many_draws_here"]}
    assert refused.headers["Retry-After"] == "60"
    # Another address has its own share; other commands are not draws.
    assert from_address(limited_app, "198.51.100.8").post("/api/draw", json=QUICK).status_code == (
        202
    )
    other = from_address(limited_app, "198.51.100.7").post("/api/draw", json={"text": "/สไตล์"})
    assert other.status_code == 200


def test_votes_are_limited_per_address_beside_per_visitor(
    limited_app: Flask, finished_job: JobRecord
) -> None:
    path = f"/api/jobs/{finished_job.id}/feedback"
    answers = statuses(lambda: from_address(limited_app, "198.51.100.20"), 4, path, {"vote": "up"})
    assert answers == [200, 200, 200, 429]
    refused = from_address(limited_app, "198.51.100.20").post(path, json={"vote": "up"})
    assert refused.json == {"error": THAI["too_many_votes_here"]}


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_share(
    limited_app: Flask, finished_job: JobRecord
) -> None:
    # The default THAIDRAW_TRUSTED_PROXIES is loopback, where Caddy runs in deploy/.
    path = f"/api/jobs/{finished_job.id}/feedback"
    for client_ip in ("203.0.113.1", "203.0.113.2"):

        def via_proxy(client_ip: str = client_ip) -> FlaskClient:
            return from_address(limited_app, "127.0.0.1", x_forwarded_for=client_ip)

        assert statuses(via_proxy, 4, path, {"vote": "down"}) == [200, 200, 200, 429]


def test_a_client_cannot_escape_its_limit_by_writing_x_forwarded_for(
    limited_app: Flask, finished_job: JobRecord
) -> None:
    path = f"/api/jobs/{finished_job.id}/feedback"
    spoofed = iter(f"192.0.2.{n}, 127.0.0.1" for n in range(10))

    def direct() -> FlaskClient:  # not a trusted proxy: its header is not believed
        return from_address(limited_app, "198.51.100.30", x_forwarded_for=next(spoofed))

    assert statuses(direct, 4, path, {"vote": "up"}) == [200, 200, 200, 429]


@pytest.mark.parametrize(
    ("peer", "headers", "secure"),
    [
        ("127.0.0.1", {"x_forwarded_proto": "https"}, True),  # Caddy on this host
        ("127.0.0.1", {}, False),
        ("198.51.100.40", {"x_forwarded_proto": "https"}, False),  # anyone may write that
    ],
)
def test_cookies_are_secure_when_the_visitor_came_over_https(
    limited_app: Flask, peer: str, headers: dict[str, str], secure: bool
) -> None:
    answer = from_address(limited_app, peer, **headers).get("/")
    cookies = answer.headers.getlist("Set-Cookie")
    assert cookies
    assert all(("; Secure" in cookie) == secure for cookie in cookies)


def test_cookies_are_secure_on_a_direct_https_request(limited_app: Flask) -> None:
    answer = limited_app.test_client().get("/", base_url="https://draw.example.com")
    assert all("; Secure" in cookie for cookie in answer.headers.getlist("Set-Cookie"))


# --- retries ---------------------------------------------------------------------------------


def test_a_retried_draw_with_its_idempotency_key_gets_the_first_job(
    client: FlaskClient, running_core: RunningCore
) -> None:
    first = client.post("/api/draw", json=QUICK, headers={"Idempotency-Key": "a1b2c3d4"})
    waiting = running_core.loop.run(running_core.service.queue_now()).waiting
    again = client.post("/api/draw", json=QUICK, headers={"Idempotency-Key": "a1b2c3d4"})
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json["job"]["id"] == first.json["job"]["id"]
    assert running_core.loop.run(running_core.service.queue_now()).waiting <= waiting
    other = client.post("/api/draw", json=QUICK, headers={"Idempotency-Key": "e5f6a7b8"})
    assert other.json["job"]["id"] != first.json["job"]["id"]


@pytest.mark.parametrize("key", ["", "x" * 65, "ไทย", "a b"])
def test_a_malformed_idempotency_key_is_refused(client: FlaskClient, key: str) -> None:
    answer = client.post("/api/draw", json=QUICK, headers={"Idempotency-Key": key})
    assert answer.status_code == 400
    assert answer.json == {"error": THAI["bad_field"].format(field="Idempotency-Key")}


# --- true answers when the core is slow ------------------------------------------------------


def visitor_jobs(running_core: RunningCore, client: FlaskClient) -> list[JobRecord]:
    cookie = client.get_cookie("thaidraw_visitor")
    assert cookie is not None
    database = running_core.service.database
    user = database.users.get_or_create("web", cookie.value)
    everything = database.jobs.in_states(["queued", "running", "done", "failed", "cancelled"])
    return [job for job in everything if job.user_id == user.id]


def test_a_draw_slower_than_the_call_timeout_answers_its_job_not_busy(
    client: FlaskClient, running_core: RunningCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = running_core.service.database.jobs
    admit = jobs.admit

    def slow_admit(**fields):
        time.sleep(1.0)  # slowed on purpose: five times the call timeout below
        return admit(**fields)

    monkeypatch.setattr(context, "CALL_TIMEOUT_SECONDS", 0.2)
    monkeypatch.setattr(jobs, "admit", slow_admit)
    client.get("/")  # the visitor's cookie, as the page sets it
    answer = client.post("/api/draw", json=QUICK)
    assert answer.status_code == 202
    assert [job.id for job in visitor_jobs(running_core, client)] == [answer.json["job"]["id"]]


def test_a_draw_the_blocked_core_did_not_take_up_is_busy_and_stores_nothing(
    client: FlaskClient, running_core: RunningCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(context, "CALL_TIMEOUT_SECONDS", 0.2)
    client.get("/")
    running_core.loop.loop.call_soon_threadsafe(time.sleep, 1.0)  # something blocks the loop
    answer = client.post("/api/draw", json=QUICK)
    assert answer.status_code == 503
    assert answer.json == {"error": THAI["busy"]}
    time.sleep(1.0)
    assert visitor_jobs(running_core, client) == []


# --- bodies ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "key"),
    [
        (b"[" * 100_000, 413, "too_large"),  # refused unread: longer than any form
        (b"[" * 10_000, 400, "too_deep"),  # short, but would exhaust the parser's recursion
        (b'{"text": "\xff\xfe"}', 400, "not_utf8"),
        (b'{"text": "' + b"a" * 70_000 + b'"}', 413, "too_large"),
    ],
)
def test_bodies_beyond_the_limits_get_a_clear_4xx(
    client: FlaskClient, body: bytes, status: int, key: str
) -> None:
    answer = client.post("/api/draw", data=body, content_type="application/json")
    assert answer.status_code == status
    assert answer.json == {"error": THAI[key]}


def test_a_lone_surrogate_is_removed_before_anything_is_stored(
    client: FlaskClient, running_core: RunningCore
) -> None:
    body = b'{"text": "cat \\ud800 dog --steps 2 --size 64"}'
    answer = client.post("/api/draw", data=body, content_type="application/json")
    assert answer.status_code == 202
    job = running_core.job(answer.json["job"]["id"])
    assert "\ud800" not in job.raw_text
    assert job.raw_text.startswith("/วาด cat  dog")
