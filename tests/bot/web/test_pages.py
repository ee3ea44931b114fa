"""The server-rendered pages: Thai first, English on request, and every text escaped."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from bot.generators import WorkerStatus
from bot.web.access import LANGUAGE_COOKIE
from bot.web.pages import DEFAULT_NEGATIVE, EXAMPLES
from generator.styles import STYLE_PRESETS
from storage.records import JobRecord
from tests.bot.web.conftest import RunningCore

MARKUP = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def html(client: FlaskClient, path: str, status: int = 200) -> str:
    answer = client.get(path)
    assert answer.status_code == status, answer.get_data(as_text=True)[:500]
    assert answer.mimetype == "text/html"
    return answer.get_data(as_text=True)


@pytest.fixture(scope="module")
def markup_job(running_core: RunningCore) -> JobRecord:
    return running_core.draw_directly(MARKUP)


def test_the_draw_page_is_thai_first_with_the_original_apps_chips_and_negative_prompt(
    client: FlaskClient,
) -> None:
    page = html(client, "/")
    assert '<html lang="th">' in page
    assert "อยากให้วาดอะไร" in page
    chips = re.findall(r'<input type="checkbox" name="styles" value="([^"]+)">', page)
    assert chips == list(STYLE_PRESETS)
    assert 'name="negative" value="ภาพเบลอ"' in page
    assert "โหมดทดสอบ" in page  # the smoke models are said to draw noise


def test_the_english_switch_is_remembered(client: FlaskClient) -> None:
    switched = client.get("/gallery?lang=en")
    assert any(h.startswith(LANGUAGE_COOKIE) for h in switched.headers.getlist("Set-Cookie"))
    assert '<html lang="en">' in switched.get_data(as_text=True)
    page = html(client, "/")
    assert "What should it draw?" in page
    assert 'href="/?lang=th"' in page


def test_the_draw_page_takes_a_prompt_and_a_job_to_watch_from_its_address(
    client: FlaskClient, finished_job: JobRecord
) -> None:
    page = html(client, f"/?job={finished_job.id}&text=แมว%20<b>")
    assert f'data-watch="{finished_job.id}"' in page
    assert ">แมว &lt;b&gt;</textarea>" in page
    assert 'data-watch=""' in html(client, "/?job=%22%3E%3Cscript%3E")


def test_the_gallery_shows_each_picture_with_prompt_platform_and_votes(
    client: FlaskClient, finished_job: JobRecord
) -> None:
    page = html(client, "/gallery?style=ภาพสวย")
    assert f'href="/jobs/{finished_job.id}"' in page
    assert f'src="/images/{finished_job.id}-preview.jpg"' in page
    assert "เว็บ" in page
    assert '<option value="ภาพสวย" selected>' in page
    assert f'href="/jobs/{finished_job.id}"' not in html(client, "/gallery?style=ภาพเกม")


def test_bad_gallery_filters_show_a_message(client: FlaskClient) -> None:
    assert "ไม่พบหน้านี้ของแกลเลอรี" in html(client, "/gallery?vote=meh", status=400)
    assert "ไม่พบหน้านี้ของแกลเลอรี" in html(client, "/gallery?limit=%C2%B2", status=400)


def test_a_picture_has_a_page_with_its_recipe_and_draw_again(
    client: FlaskClient, finished_job: JobRecord
) -> None:
    page = html(client, f"/jobs/{finished_job.id}")
    assert f"--seed {finished_job.seed}" in page
    assert "data-redraw" in page
    assert f'download="thaidraw-{finished_job.id}.png"' in page
    assert "ไม่พบภาพนี้" in html(client, "/jobs/NoSuchJob123", status=404)


def test_the_dashboard_shows_the_generator_and_its_models(
    client: FlaskClient, finished_job: JobRecord
) -> None:
    page = html(client, "/dashboard")
    assert re.search(r'data-state="(ready|busy)"', page)
    assert "<code>smoke</code>" in page
    assert "ภาพสวย" in page  # approval by style


def test_the_dashboard_lists_the_gpu_workers_with_their_state_and_heartbeat(
    client: FlaskClient, running_core: RunningCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    generators = running_core.service.generators
    status = generators.status()
    gpu = WorkerStatus("gpu-a", "silent", "cuda:0", {"vqgan": "taming"}, 1_800_000_000.0, 5)
    monkeypatch.setattr(generators, "status", lambda: dataclasses.replace(status, workers=(gpu,)))
    page = html(client, "/dashboard?lang=en")
    row = re.search(r'<tr data-worker="gpu-a">(.*?)</tr>', page).group(1)
    assert 'data-state="silent"' in row
    assert "not heard from" in row
    assert "cuda:0" in row
    assert "<code>taming</code>" in row
    assert "2027-01-15T08:00:00+00:00" in row
    assert row.endswith("<td>5</td>")


@pytest.mark.parametrize("path", ["/", "/gallery", "/jobs/{id}"])
def test_a_prompt_with_markup_shows_as_text(
    client: FlaskClient, markup_job: JobRecord, path: str
) -> None:
    page = html(client, path.format(id=markup_job.id))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<script>alert" not in page
    assert "<img src=x" not in page


def test_pages_forbid_inline_scripts(client: FlaskClient) -> None:
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


class ShownText(HTMLParser):
    """The text a visitor sees or hears: text nodes and the attributes browsers show."""

    SHOWN_ATTRIBUTES = ("placeholder", "title", "alt", "aria-label", "value")

    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        self.pieces += [value for name, value in attrs if name in self.SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if not self._in_script and data.strip():
            self.pieces.append(data.strip())


def thai_left_in(page: str, allowed: list[str]) -> list[str]:
    """The pieces of the page's text that still have Thai once what people wrote is taken out."""
    reader = ShownText()
    reader.feed(page)
    left = []
    for piece in reader.pieces:
        for words in sorted(allowed, key=len, reverse=True):
            piece = piece.replace(words, "")
        if re.search("[\u0e00-\u0e7f]", piece):
            left.append(piece)
    return left


@pytest.mark.parametrize("path", ["/", "/gallery", "/dashboard", "/jobs/{id}", "/jobs/Nothing12"])
def test_in_english_the_pages_show_thai_only_where_people_wrote_it(
    client: FlaskClient, finished_job: JobRecord, path: str
) -> None:
    client.get("/?lang=en")
    gallery = client.get("/api/gallery?limit=50").json["items"]
    people_wrote = [item["prompt"] for item in gallery] + [item["command"] for item in gallery]
    allowed = [*people_wrote, *STYLE_PRESETS, *EXAMPLES, DEFAULT_NEGATIVE, "ภาษาไทย"]
    answer = client.get(path.format(id=finished_job.id))
    assert thai_left_in(answer.get_data(as_text=True), allowed) == []


def test_the_english_dashboard_counts_one_job_and_two_jobs(
    client: FlaskClient, running_core: RunningCore
) -> None:
    running_core.draw_directly("ทะเล", styles=("ภาพแฟนตาซี", "1990"))
    running_core.draw_directly("ภูเขา", styles=("1990",))
    page = html(client, "/dashboard?lang=en")
    assert re.search(r"\b1 job ·", page)
    assert re.search(r"\b2 jobs ·", page)
    assert "1 jobs" not in page
