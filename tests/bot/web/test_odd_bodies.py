"""Whatever a client sends, the page's API answers it: 2xx or a 4xx with a message, never a 5xx.

Generated bodies (hypothesis) against the real app and the real core: bytes that are no UTF-8,
JSON of any shape and depth, lone surrogates, NULs, huge numbers, odd headers and queries.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.records import JobRecord
from tests.bot.odd_input import ANY_TEXT, bodies

HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "Content-Type": st.sampled_from(
            ["application/json", "application/json; charset=latin-1", "text/plain", "", "a/b"]
        ),
        # Any text a client can put in a header (no line breaks: HTTP has no way to send them).
        "Idempotency-Key": st.text(
            st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=80
        ),
    },
)


@pytest.fixture(scope="module")
def visitor(app: Flask) -> Iterator[FlaskClient]:
    """One visitor for every example: the core's limits keep its accepted jobs few."""
    client = app.test_client()
    yield client
    for _ in range(2):  # the core's active-job limit: the generator is free for other tests
        client.post("/api/draw", json={"text": "/ยกเลิก"})


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    path=st.sampled_from(["/api/draw", "/api/jobs/{id}/feedback", "/api/jobs/{id}/redraw"]),
    body=bodies(),
    headers=HEADERS,
)
def test_no_posted_body_gets_a_server_error(
    visitor: FlaskClient, finished_job: JobRecord, path: str, body: bytes, headers: dict
) -> None:
    answer = visitor.post(
        path.format(id=finished_job.id),
        data=body,
        headers={"Content-Type": "application/json", **headers},
    )
    assert answer.status_code < 500, answer.get_data(as_text=True)
    if answer.status_code >= 400:
        assert answer.json["error"]
    if answer.status_code not in (200, 202, 422):  # 422: the command language's own sentences
        assert len(answer.json["error"]) < 200  # a sentence of the page, never the input back


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    path=st.sampled_from(["/api/jobs/{id}", "/api/gallery", "/api/jobs/{id}/events", "/"]),
    job_id=st.text(st.characters(codec="utf-8"), min_size=1, max_size=80),
    query=st.dictionaries(st.sampled_from(["style", "vote", "before", "lang", "job"]), ANY_TEXT),
)
def test_no_address_gets_a_server_error(
    visitor: FlaskClient, path: str, job_id: str, query: dict[str, str]
) -> None:
    safe_query = {key: value.encode("utf-8", "replace").decode() for key, value in query.items()}
    address = path.format(id=quote(job_id, safe=""))  # the id as a browser would send it
    answer = visitor.get(address, query_string=safe_query, buffered=False)
    status = answer.status_code
    answer.close()
    assert status < 500
