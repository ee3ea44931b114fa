"""The token rule: beyond loopback THAIDRAW_WEB_TOKEN is required, and every page and API call
checks it; a browser presents it once with `?token=…`."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.web.access import TOKEN_COOKIE, VISITOR_COOKIE, AccessGate
from storage.records import JobRecord
from tests.bot.web.conftest import TOKEN, RunningCore

API_CALLS = [
    ("get", "/api/jobs/{id}"),
    ("get", "/api/jobs/{id}/events"),
    ("post", "/api/jobs/{id}/feedback"),
    ("post", "/api/jobs/{id}/redraw"),
    ("post", "/api/jobs/{id}/cancel"),
    ("post", "/api/draw"),
    ("get", "/api/gallery"),
    ("get", "/api/dashboard"),
]
PAGES = ["/", "/gallery", "/dashboard", "/jobs/{id}"]


@pytest.fixture(scope="module")
def guarded_app(running_core: RunningCore) -> Flask:
    """The web page of a server bound beyond loopback (so with a token)."""
    adapter = running_core.adapter(THAIDRAW_HOST="0.0.0.0", THAIDRAW_WEB_TOKEN=TOKEN)
    return running_core.app(adapter)


def call(client: FlaskClient, method: str, path: str, job: JobRecord, **options):
    body = {"vote": "up"} if path.endswith("feedback") else {"text": "แมว --steps 1 --size 64"}
    return getattr(client, method)(path.format(id=job.id), json=body, **options)


@pytest.mark.parametrize(("method", "path"), API_CALLS)
def test_without_the_token_every_api_call_is_refused(
    guarded_app: Flask, finished_job: JobRecord, method: str, path: str
) -> None:
    answer = call(guarded_app.test_client(), method, path, finished_job)
    assert answer.status_code == 401
    assert answer.json == {"error": "หน้านี้ต้องใช้รหัสเข้าใช้ เปิดลิงก์ที่ผู้ดูแลให้มา (ลงท้ายด้วย ?token=…)"}
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path"), API_CALLS)
def test_a_wrong_token_is_refused_on_every_api_call(
    guarded_app: Flask, finished_job: JobRecord, method: str, path: str
) -> None:
    header = {"Authorization": f"Bearer {TOKEN}x"}
    assert (
        call(guarded_app.test_client(), method, path, finished_job, headers=header).status_code
        == 403
    )
    with_cookie = guarded_app.test_client()
    with_cookie.set_cookie(TOKEN_COOKIE, TOKEN[:-1])
    assert call(with_cookie, method, path, finished_job).status_code == 403


def test_the_right_token_opens_every_api_call(guarded_app: Flask, finished_job: JobRecord) -> None:
    client = guarded_app.test_client()
    header = {"Authorization": f"Bearer {TOKEN}"}
    statuses = {}
    for method, path in API_CALLS:
        answer = call(client, method, path, finished_job, headers=header, buffered=False)
        statuses[path] = answer.status_code
        answer.close()  # the progress stream of a finished job ends after its snapshot anyway
    assert statuses == {
        "/api/jobs/{id}": 200,
        "/api/jobs/{id}/events": 200,
        "/api/jobs/{id}/feedback": 200,
        "/api/jobs/{id}/redraw": 202,
        "/api/jobs/{id}/cancel": 200,
        "/api/draw": 202,
        "/api/gallery": 200,
        "/api/dashboard": 200,
    }


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer", "bEaReR"])
def test_the_bearer_scheme_is_read_in_any_case(
    guarded_app: Flask, finished_job: JobRecord, scheme: str
) -> None:
    # RFC 9110: the authentication scheme is case-insensitive.
    answer = guarded_app.test_client().get(
        f"/api/jobs/{finished_job.id}", headers={"Authorization": f"{scheme} {TOKEN}"}
    )
    assert answer.status_code == 200


@pytest.mark.parametrize("header", [f"Basic {TOKEN}", "Bearer", "Bearer ", TOKEN])
def test_an_authorization_header_without_a_bearer_token_presents_none(
    guarded_app: Flask, finished_job: JobRecord, header: str
) -> None:
    answer = guarded_app.test_client().get(
        f"/api/jobs/{finished_job.id}", headers={"Authorization": header}
    )
    assert answer.status_code == 401


@pytest.mark.parametrize("page", PAGES)
def test_pages_without_the_token_explain_how_to_open_them(
    guarded_app: Flask, finished_job: JobRecord, page: str
) -> None:
    answer = guarded_app.test_client().get(page.format(id=finished_job.id))
    assert answer.status_code == 401
    shown = answer.get_data(as_text=True)
    assert "?token=" in shown
    assert "/images/" not in shown  # nothing of the pictures or their recipes
    assert f"--seed {finished_job.seed}" not in shown


def test_a_browser_presents_the_token_once_and_keeps_it_in_an_http_only_cookie(
    guarded_app: Flask, finished_job: JobRecord
) -> None:
    browser = guarded_app.test_client()
    answer = browser.get(f"/gallery?token={TOKEN}&vote=liked")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/gallery?vote=liked"  # the token leaves the address
    cookie = next(h for h in answer.headers.getlist("Set-Cookie") if h.startswith(TOKEN_COOKIE))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert browser.get("/gallery").status_code == 200
    assert browser.get(f"/api/jobs/{finished_job.id}").status_code == 200


def test_a_wrong_token_in_the_address_sets_nothing(guarded_app: Flask) -> None:
    browser = guarded_app.test_client()
    answer = browser.get("/?token=guess")
    assert answer.status_code == 403
    assert not any(h.startswith(TOKEN_COOKIE) for h in answer.headers.getlist("Set-Cookie"))
    assert browser.get("/").status_code == 401


def test_the_page_files_need_no_token(guarded_app: Flask) -> None:
    answer = guarded_app.test_client().get("/assets/thaidraw.css")
    assert answer.status_code == 200
    assert answer.mimetype == "text/css"


def test_on_loopback_without_a_token_the_page_is_open(client: FlaskClient) -> None:
    assert client.get("/api/gallery").status_code == 200
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("path", ["/", "/api/gallery", "/?token=anything"])
def test_without_a_token_clients_beyond_loopback_are_refused(
    client: FlaskClient, path: str
) -> None:
    """As behind a reverse proxy on this machine: the client is the one the proxy saw."""
    answer = client.get(path, environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert answer.status_code == 403
    assert "THAIDRAW_WEB_TOKEN" in answer.get_data(as_text=True)


def test_each_browser_gets_a_random_http_only_visitor_cookie(client: FlaskClient) -> None:
    first = client.get("/")
    cookie = next(h for h in first.headers.getlist("Set-Cookie") if h.startswith(VISITOR_COOKIE))
    assert "HttpOnly" in cookie
    assert not any(
        h.startswith(VISITOR_COOKIE) for h in client.get("/").headers.getlist("Set-Cookie")
    )


def test_the_gate_compares_whole_tokens() -> None:
    gate = AccessGate("abc")
    assert gate.refusal("abc", "203.0.113.5") is None
    assert gate.refusal(None, "203.0.113.5") == "token_missing"
    assert gate.refusal("", "203.0.113.5") == "token_missing"
    assert gate.refusal("ab", "203.0.113.5") == "token_wrong"
    assert gate.refusal("abcd", "203.0.113.5") == "token_wrong"
    assert AccessGate(None).refusal(None, "127.0.0.1") is None
    assert AccessGate(None).refusal(None, "::1") is None
    assert AccessGate(None).refusal("abc", "203.0.113.5") == "token_unset"
