"""The page's JSON calls against the real core (smoke models), as a browser makes them."""

from __future__ import annotations

import base64
import json

import pytest
from flask.testing import FlaskClient

from bot import messages
from bot.web.context import VOTES_PER_MINUTE
from generator.styles import STYLE_PRESETS
from storage.records import JobRecord
from tests.bot.web.conftest import RunningCore

FINAL = {"done", "failed", "cancelled"}


def draw(client: FlaskClient, **fields):
    return client.post("/api/draw", json=fields)


def read_stream(client: FlaskClient, job_id: str) -> list[tuple[str, dict]]:
    """Every event of the job's progress stream, until its final one."""
    response = client.get(f"/api/jobs/{job_id}/events", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    seen = []
    try:
        for chunk in response.response:
            text = chunk.decode()
            if text.startswith("event: "):
                head, data = text.strip().split("\n")
                seen.append((head.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    finally:
        response.close()
    assert seen[-1][0] in FINAL
    return seen


def test_a_draw_is_queued_and_its_stream_shows_progress_then_the_picture(
    client: FlaskClient,
) -> None:
    answer = draw(client, text="คฤหาสน์ --steps 4 --size 64", negative="ภาพเบลอ", styles=["ภาพสวย"])
    assert answer.status_code == 202
    job = answer.json["job"]
    assert (job["prompt"], job["negative"], job["styles"]) == ("คฤหาสน์", "ภาพเบลอ", ["ภาพสวย"])
    assert job["status"] == "queued"
    assert answer.json["position"] >= 1

    seen = read_stream(client, job["id"])
    steps = [data["step"] for name, data in seen if name == "progress"]
    assert steps, seen
    assert steps == sorted(steps)
    assert steps[-1] == 4
    preview = next(data["preview"] for name, data in seen if name == "progress")
    assert base64.b64decode(preview.removeprefix("data:image/jpeg;base64,"))[:2] == b"\xff\xd8"
    name, data = seen[-1]
    assert name == "done"
    finished = data["job"]
    assert finished["image_url"] == f"/images/{job['id']}.png"
    assert finished["command"].startswith("/วาด คฤหาสน์ --neg ภาพเบลอ --style ภาพสวย --steps 4")
    picture = client.get(finished["image_url"])
    assert (picture.status_code, picture.mimetype) == (200, "image/png")

    again = client.get(f"/api/jobs/{job['id']}")
    assert again.json["job"]["status"] == "done"
    assert read_stream(client, job["id"]) == [("done", {"job": again.json["job"]})]


def test_core_refusals_come_back_as_the_chat_bots_thai_sentences(client: FlaskClient) -> None:
    refused = draw(client, text="แมว", steps="ห้า")
    assert refused.status_code == 422
    assert refused.json == {"error": messages.not_an_integer("--steps", "ห้า", "--steps 250").thai}
    empty = draw(client, text="   ", negative="ภาพเบลอ")
    assert empty.status_code == 422
    assert empty.json["error"].startswith("ยังไม่มีข้อความสำหรับวาด")


def test_in_english_mode_refusals_and_notices_are_english(client: FlaskClient) -> None:
    refused = client.post("/api/draw?lang=en", json={"text": "แมว", "steps": "ห้า"})
    assert refused.status_code == 422
    assert refused.json == {
        "error": messages.not_an_integer("--steps", "ห้า", "--steps 250").english
    }
    limited = client.post("/api/draw", json={"text": "แมว --steps 999"})  # the cookie keeps "en"
    assert limited.json == {"error": "steps must be between 1 and 500, e.g. --steps 250"}


def test_an_accepted_draw_says_what_the_bot_adjusted(client: FlaskClient) -> None:
    answer = draw(client, text="แมว --steps 1 --size 100")
    assert answer.status_code == 202
    assert answer.json["notices"] == [messages.size_rounded(96, 96, 16).thai]
    english = client.post("/api/draw?lang=en", json={"text": "หมา --steps 1 --size 70x64"})
    assert english.json["notices"] == [messages.size_rounded(64, 64, 16).english]
    for job in (answer, english):
        read_stream(client, job.json["job"]["id"])
    assert draw(client, text="นก --steps 1 --size 64").json["notices"] == []


def test_other_chat_commands_get_the_core_reply(client: FlaskClient) -> None:
    assert draw(client, text="/สไตล์").json == {"reply": messages.styles_list()}
    assert draw(client, text="ช่วยเหลือ").json == {"reply": messages.HELP}


@pytest.mark.parametrize(
    ("send", "status"),
    [
        ({"data": "text=แมว", "content_type": "application/x-www-form-urlencoded"}, 415),
        ({"data": "{not json", "content_type": "application/json"}, 400),
        ({"json": ["แมว"]}, 400),
        ({"json": {"negative": "ภาพเบลอ"}}, 400),
        ({"json": {"text": "แมว", "styles": "ภาพสวย"}}, 400),
        ({"json": {"text": "แมว", "seed": False}}, 400),
    ],
)
def test_requests_the_page_never_sends_are_refused_and_queue_nothing(
    client: FlaskClient, running_core: RunningCore, send: dict, status: int
) -> None:
    before = running_core.loop.run(running_core.service.queue_now())
    answer = client.post("/api/draw", **send)
    assert answer.status_code == status
    assert answer.json["error"]
    assert running_core.loop.run(running_core.service.queue_now()) == before


def test_the_core_limits_each_visitor_and_a_visitor_can_cancel_its_jobs(
    client: FlaskClient, app
) -> None:
    long_jobs = [draw(client, text=f"แมว {n} --steps 400 --size 64") for n in range(2)]
    assert [answer.status_code for answer in long_jobs] == [202, 202]
    third = draw(client, text="แมว --steps 2 --size 64")
    assert third.status_code == 422
    assert third.json["error"] == messages.too_many_active_jobs(2).thai
    assert draw(app.test_client(), text="/คิว").status_code == 200  # another visitor is not held

    for number, answer in enumerate(long_jobs):
        job_id = answer.json["job"]["id"]
        cancelled = client.post(f"/api/jobs/{job_id}/cancel", json={})
        assert cancelled.status_code == 200
        # Named by its prompt, as the person wrote it, not by its id.
        assert cancelled.json["message"] in (
            f"ยกเลิก “แมว {number}” แล้ว",
            f"กำลังหยุดวาด “แมว {number}”",
        )
        assert read_stream(client, job_id)[-1] == ("cancelled", {"prompt": f"แมว {number}"})


def test_a_visitor_cannot_cancel_someone_elses_job(
    app, running_core: RunningCore, finished_job: JobRecord
) -> None:
    answer = app.test_client().post(f"/api/jobs/{finished_job.id}/cancel", json={})
    assert answer.json == {"message": "ไม่มีงานของคุณที่ยกเลิกได้ตอนนี้"}
    english = app.test_client().post(f"/api/jobs/{finished_job.id}/cancel?lang=en", json={})
    assert english.json == {"message": "You have no job to cancel right now."}


def test_a_vote_counts_once_per_visitor_and_a_later_press_replaces_it(
    app, finished_job: JobRecord
) -> None:
    nok, dao = app.test_client(), app.test_client()
    path = f"/api/jobs/{finished_job.id}/feedback"
    start = app.test_client().get(f"/api/jobs/{finished_job.id}").json["job"]["votes"]
    assert nok.post(path, json={"vote": "up"}).json["votes"]["up"] == start["up"] + 1
    assert nok.post(path, json={"vote": "up"}).json["votes"]["up"] == start["up"] + 1
    both = dao.post(path, json={"vote": "down"}).json["votes"]
    assert (both["up"], both["down"]) == (start["up"] + 1, start["down"] + 1)
    changed = nok.post(path, json={"vote": "down"}).json
    assert changed["vote"] == "down"
    assert (changed["votes"]["up"], changed["votes"]["down"]) == (start["up"], start["down"] + 2)


def test_votes_are_rate_limited_per_visitor(app, finished_job: JobRecord) -> None:
    visitor = app.test_client()
    path = f"/api/jobs/{finished_job.id}/feedback"
    answers = [visitor.post(path, json={"vote": "up"}).status_code for _ in range(VOTES_PER_MINUTE)]
    assert set(answers) == {200}
    refused = visitor.post(path, json={"vote": "up"})
    assert refused.status_code == 429
    assert refused.json["error"] == "โหวตถี่เกินไป รอสักครู่แล้วลองใหม่นะ"
    assert app.test_client().post(path, json={"vote": "up"}).status_code == 200


def test_bad_votes_and_votes_on_unfinished_pictures_are_refused(
    client: FlaskClient, finished_job: JobRecord
) -> None:
    path = f"/api/jobs/{finished_job.id}/feedback"
    assert client.post(path, json={"vote": "love"}).status_code == 400
    assert client.post(path, data="vote=up").status_code == 415
    waiting = draw(client, text="แมว --steps 300 --size 64").json["job"]["id"]
    assert client.post(f"/api/jobs/{waiting}/feedback", json={"vote": "up"}).status_code == 409
    client.post(f"/api/jobs/{waiting}/cancel", json={})


def test_draw_again_queues_the_same_recipe_with_a_new_seed(
    client: FlaskClient, running_core: RunningCore, finished_job: JobRecord
) -> None:
    answer = client.post(f"/api/jobs/{finished_job.id}/redraw", json={})
    assert answer.status_code == 202
    again = answer.json["job"]
    assert again["id"] != finished_job.id
    assert (again["prompt"], again["styles"], again["steps"]) == ("คฤหาสน์", ["ภาพสวย"], 2)
    assert again["seed"] != finished_job.seed
    assert running_core.wait_until_finished(again["id"]).status == "done"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/jobs/{id}"),
        ("get", "/api/jobs/{id}/events"),
        ("post", "/api/jobs/{id}/feedback"),
        ("post", "/api/jobs/{id}/redraw"),
        ("post", "/api/jobs/{id}/cancel"),
    ],
)
@pytest.mark.parametrize("job_id", ["NoSuchJob123", "bad%20id!"])
def test_unknown_jobs_are_404_on_every_job_route(
    client: FlaskClient, method: str, path: str, job_id: str
) -> None:
    answer = getattr(client, method)(path.format(id=job_id), json={"vote": "up"})
    assert answer.status_code == 404
    assert answer.json == {"error": "ไม่พบภาพนี้"}


def test_the_gallery_shows_pictures_from_every_platform_with_their_votes(
    client: FlaskClient, running_core: RunningCore, finished_job: JobRecord
) -> None:
    from_discord = running_core.draw_directly("ทะเล", platform="discord", styles=("ภาพสีน้ำ",))
    items = client.get("/api/gallery?limit=60").json["items"]
    by_id = {item["id"]: item for item in items}
    assert by_id[from_discord.id]["platform"] == "discord"
    assert by_id[finished_job.id]["platform"] == "web"
    assert set(by_id[from_discord.id]["votes"]) == {"up", "down", "neutral"}
    assert by_id[from_discord.id]["preview_url"] == f"/images/{from_discord.id}-preview.jpg"

    watercolour = client.get("/api/gallery?style=watercolour").json["items"]
    assert [item["id"] for item in watercolour] == [from_discord.id]

    client.post(f"/api/jobs/{from_discord.id}/feedback", json={"vote": "down"})
    disliked = client.get("/api/gallery?vote=disliked").json["items"]
    assert from_discord.id in {item["id"] for item in disliked}
    liked = client.get("/api/gallery?vote=liked").json["items"]
    assert from_discord.id not in {item["id"] for item in liked}


def test_the_gallery_pages_on_with_the_older_cursor(
    client: FlaskClient, running_core: RunningCore
) -> None:
    for prompt in ("หนึ่ง", "สอง"):
        running_core.draw_directly(prompt)
    first = client.get("/api/gallery?limit=1").json
    second = client.get(f"/api/gallery?limit=1&before={first['older']}").json
    assert [item["prompt"] for item in first["items"] + second["items"]] == ["สอง", "หนึ่ง"]


@pytest.mark.parametrize(
    "query",
    [
        "style=ภาพเท่",
        "vote=meh",
        "limit=0",
        "limit=61",
        "limit=ten",
        "limit=%C2%B2",  # "²", a digit to str.isdigit, not to int()
        "limit=%D9%A1",  # "١", an Arabic-Indic one
        "limit=" + "9" * 5000,  # longer than int() reads
        "before=bad%20id",
        "before=Unknown123",
    ],
)
def test_bad_gallery_filters_are_refused(client: FlaskClient, query: str) -> None:
    answer = client.get(f"/api/gallery?{query}")
    assert answer.status_code == 400
    assert answer.json["error"]


def test_the_dashboard_reports_the_queue_the_figures_and_the_generator(
    client: FlaskClient, finished_job: JobRecord
) -> None:
    board = client.get("/api/dashboard").json
    assert set(board["queue"]) == {"waiting", "running"}
    assert board["report"]["jobs"] >= 1
    assert board["report"]["statuses"]["done"] >= 1
    assert "ภาพสวย" in {group["name"] for group in board["report"]["by_style"]}
    generator = board["generator"]
    assert generator["state"] in {"ready", "busy"}
    assert generator["model_versions"]["kind"] == "smoke"
    assert generator["device"] == "cpu"


def test_api_answers_are_never_cached_and_carry_the_security_headers(client: FlaskClient) -> None:
    answer = client.get("/api/gallery")
    assert answer.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_every_style_chip_is_a_preset_the_core_accepts(client: FlaskClient) -> None:
    answer = draw(client, text="แมว --steps 1 --size 64", styles=list(STYLE_PRESETS))
    assert answer.status_code == 202
    assert answer.json["job"]["styles"] == list(STYLE_PRESETS)


def test_when_every_stream_slot_is_taken_the_page_is_told_to_ask_instead(
    running_core: RunningCore, finished_job: JobRecord
) -> None:
    adapter = running_core.adapter()
    streams = adapter.context.streams
    taken = [streams.open(f"someone-{n}") for n in range(streams.max_open)]
    client = running_core.app(adapter).test_client()
    refused = client.get(f"/api/jobs/{finished_job.id}/events")
    assert refused.status_code == 503
    assert refused.json["error"].startswith("ตอนนี้มีคนดูความคืบหน้าอยู่มาก")
    assert client.get(f"/api/jobs/{finished_job.id}").status_code == 200  # asking still works
    taken[0].close()
    assert read_stream(client, finished_job.id)[-1][0] == "done"
    assert streams.open_count == streams.max_open - 1  # the read stream gave its slot back
