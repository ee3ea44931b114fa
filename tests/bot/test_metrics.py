"""`GET /metrics`: Prometheus figures that follow the jobs, feedback and generator process."""

from __future__ import annotations

import asyncio
import ipaddress
import json
from pathlib import Path

import pytest
import torch
from prometheus_client.parser import text_string_to_metric_families

from bot.bridge import LoopBridge
from bot.events import JobDone, JobFailed
from bot.generators.runner import gpu_memory
from bot.generators.wire import GpuMemory
from bot.http.app import create_app
from bot.metrics import ServiceMetrics, metrics_blueprint
from bot.service import Accepted, DrawService
from generator.settings import GeneratorSettings
from generator.weights.layout import WeightsLayout
from storage.database import Database
from tests.bot.conftest import draw_request, local_service, origin
from tests.bot.running_bot import bot_environment, queue_jobs, running_bot

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1"))
WEB_LIKE = {"platform": "web", "value": "1", "action": "added"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


async def scrape(metrics: ServiceMetrics) -> Samples:
    """As Prometheus would: from a thread other than the service's loop."""
    return parse((await asyncio.to_thread(metrics.exposition)).decode())


def stored_job(service: DrawService) -> str:
    """A job row, as an adapter's earlier request left it."""
    user = service.database.users.get_or_create("web", "alice", "Alice")
    request = draw_request(steps=2).with_seed().to_dict()
    job = service.database.jobs.create(
        user_id=user.id, platform="web", conversation={}, raw_text="/วาด", request=request
    )
    return job.id


async def accepted(service: DrawService, steps: int = 2, **fields) -> Accepted:
    outcome = await service.submit(draw_request(steps=steps, **fields), origin(), "/วาด คฤหาสน์")
    assert isinstance(outcome, Accepted), outcome
    return outcome


# --- a running `thaidraw serve` ----------------------------------------------------------------


def test_the_metrics_of_a_running_bot_follow_its_jobs(
    tmp_path: Path, smoke_layout: WeightsLayout
) -> None:
    job_ids = queue_jobs(tmp_path / "data", 3)
    env = bot_environment(tmp_path / "data", smoke_layout, THAIDRAW_WEB_TOKEN="web-secret-123")
    with running_bot(env, tmp_path) as bot:
        status, body = bot.get("/metrics")
        assert status == 200
        before = parse(body.decode())
        health_status, health = bot.health()
        # While the models load nothing can have run: this scrape shows the start.
        assert (health_status, health["generator"]["state"]) == (503, "loading")
        assert value(before, "thaidraw_jobs_total", state="queued") == 3
        assert value(before, "thaidraw_jobs_total", state="done") == 0
        assert value(before, "thaidraw_queue_length") == 3
        assert value(before, "thaidraw_images_total") == 0
        assert value(before, "thaidraw_generator_ready") == 0

        def all_done() -> Samples | None:
            samples = parse(bot.get("/metrics")[1].decode())
            return samples if value(samples, "thaidraw_jobs_total", state="done") == 3 else None

        after = bot.wait_for(all_done)
        assert value(after, "thaidraw_jobs_total", state="running") == 3
        assert value(after, "thaidraw_images_total") == 3
        assert value(after, "thaidraw_queue_length") == 0
        assert value(after, "thaidraw_jobs_running") == 0
        assert value(after, "thaidraw_generator_ready") == 1
        assert value(after, "thaidraw_generator_restarts_total") == 0
        assert value(after, "thaidraw_job_wait_seconds_count") == 3
        assert value(after, "thaidraw_job_run_seconds_count") == 3
        assert value(after, "thaidraw_job_run_seconds_sum") > 0
        assert value(after, "thaidraw_job_wait_seconds_bucket", le="+Inf") == 3
        assert not any(name.startswith("thaidraw_gpu_memory") for name, _ in after)  # CPU
    # The log: one JSON object per line; every job's life in lines that carry its id.
    entries = [json.loads(line) for line in bot.log_lines()]
    for job_id in job_ids:
        messages = [entry["message"] for entry in entries if entry.get("job_id") == job_id]
        assert messages[0] == "job queued at position " + str(job_ids.index(job_id) + 1)
        assert messages[1].startswith("job started")
        assert messages[2].startswith("job done in")
    assert "web-secret-123" not in bot.stderr()


# --- the metrics of one service ----------------------------------------------------------------


async def test_feedback_is_counted_by_platform_value_and_action(idle_service: DrawService) -> None:
    metrics = ServiceMetrics(idle_service, LoopBridge(asyncio.get_running_loop()))
    job_id = stored_job(idle_service)
    line_user, discord_user = origin("somchai", "line"), origin("malee", "discord")
    await idle_service.record_feedback(job_id, line_user, "postback", "like", 1)
    await idle_service.record_feedback(job_id, discord_user, "emoji", "👍", 1)
    await idle_service.record_feedback(job_id, discord_user, "emoji", "👎", -1)
    await idle_service.record_feedback(job_id, discord_user, "emoji", "👍", 1, removed=True)
    assert await idle_service.record_feedback("no-such-job", line_user, "button", "x", 1) is None

    samples = await scrape(metrics)
    feedback = {
        (labels["platform"], labels["value"], labels["action"]): count
        for (name, label_items), count in samples.items()
        if name == "thaidraw_feedback_total" and (labels := dict(label_items))
    }
    assert feedback == {
        ("line", "1", "added"): 1,
        ("discord", "1", "added"): 1,
        ("discord", "-1", "added"): 1,
        ("discord", "1", "removed"): 1,
    }


async def test_failed_and_cancelled_jobs_are_counted_and_only_pictures_are_images(
    make_service,
) -> None:
    service, log, generators = await make_service(max_jobs_per_user=5)
    metrics = ServiceMetrics(service, LoopBridge(asyncio.get_running_loop()))
    broken = await accepted(service)
    await generators.next_batch()
    generators.fail(broken.job.id, "bad_picture", "cannot read image")
    await log.wait_for(broken.job.id, JobFailed)
    long = await accepted(service, size=96)
    await generators.next_batch()  # still drawing while the next one waits
    waiting = await accepted(service, size=80)
    assert (await scrape(metrics))[("thaidraw_queue_length", frozenset())] == 1
    await service.cancel(origin(), waiting.job.id)
    generators.finish(long.job.id)
    await log.wait_for(long.job.id, JobDone)

    samples = await scrape(metrics)
    counts = {
        state: value(samples, "thaidraw_jobs_total", state=state)
        for state in ("queued", "running", "done", "failed", "cancelled")
    }
    assert counts == {"queued": 3, "running": 2, "done": 1, "failed": 1, "cancelled": 1}
    assert value(samples, "thaidraw_images_total") == 1
    assert value(samples, "thaidraw_job_run_seconds_count") == 1  # finished pictures only
    assert value(samples, "thaidraw_job_wait_seconds_count") == 2


async def test_the_generators_gpu_memory_appears_once_it_reports_some(make_service) -> None:
    service, _, generators = await make_service()
    metrics = ServiceMetrics(service, LoopBridge(asyncio.get_running_loop()))
    assert gpu_memory(torch.device("cpu")) is None  # a CPU generator reports none
    assert not any(name.startswith("thaidraw_gpu") for name, _ in await scrape(metrics))

    # What a CUDA generator's last BatchFinished carried.
    generators.gpu_memory = GpuMemory(
        allocated=3 * 2**30, reserved=5 * 2**30, peak=7 * 2**30, total=80 * 2**30
    )
    samples = await scrape(metrics)
    assert value(samples, "thaidraw_gpu_memory_bytes", kind="allocated") == 3 * 2**30
    assert value(samples, "thaidraw_gpu_memory_bytes", kind="reserved") == 5 * 2**30
    assert value(samples, "thaidraw_gpu_memory_bytes", kind="peak") == 7 * 2**30
    assert value(samples, "thaidraw_gpu_memory_bytes", kind="total") == 80 * 2**30


async def test_generator_restarts_and_readiness_are_read_from_the_generators(make_service) -> None:
    service, _, generators = await make_service()
    metrics = ServiceMetrics(service, LoopBridge(asyncio.get_running_loop()))
    await service.submit(draw_request(), origin(), "/วาด")
    await generators.next_batch()
    generators.die()
    await generators.next_batch()  # restarted, and drawing the job again
    samples = await scrape(metrics)
    assert value(samples, "thaidraw_generator_restarts_total") == 1
    assert value(samples, "thaidraw_generator_ready") == 1


async def test_each_app_has_its_own_registry(
    idle_service: DrawService, tmp_path: Path, smoke_settings: GeneratorSettings
) -> None:
    bridge = LoopBridge(asyncio.get_running_loop())
    with Database.open(f"sqlite:///{tmp_path / 'other.db'}") as other_database:
        other = local_service(other_database, smoke_settings, tmp_path)
        first, second = ServiceMetrics(idle_service, bridge), ServiceMetrics(other, bridge)
        await idle_service.record_feedback(stored_job(idle_service), origin(), "button", "ok", 1)
        assert value(await scrape(first), "thaidraw_feedback_total", **WEB_LIKE) == 1
        assert value(await scrape(second), "thaidraw_feedback_total", **WEB_LIKE) is None


# --- who may read them ---------------------------------------------------------------------

METRICS_TOKEN = "metrics-token-0123456789"
BEARER = f"Bearer {METRICS_TOKEN}"


def metrics_client(service: DrawService, token: str | None, peer: str, **headers: str):
    """A test client of an app with /metrics behind loopback (Caddy) as the trusted proxy."""
    metrics = ServiceMetrics(service, LoopBridge(asyncio.get_running_loop()))
    app = create_app(Path("images"), [metrics_blueprint(metrics, token)], LOOPBACK)
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=peer)
    client.environ_base.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    return client


@pytest.mark.parametrize(
    ("peer", "headers", "status"),
    [
        ("127.0.0.1", {}, 200),  # Prometheus on this host
        ("::1", {}, 200),
        ("198.51.100.5", {}, 401),  # beyond loopback without the token
        ("198.51.100.5", {"authorization": "Bearer wrong-token-000000000"}, 403),
        ("198.51.100.5", {"authorization": f"bearer {METRICS_TOKEN}"}, 200),
        ("127.0.0.1", {"x_forwarded_for": "203.0.113.8"}, 401),  # the internet through Caddy
        ("127.0.0.1", {"x_forwarded_for": "203.0.113.8", "authorization": BEARER}, 200),
    ],
)
async def test_beyond_loopback_the_metrics_need_the_token(
    idle_service: DrawService, peer: str, headers: dict[str, str], status: int
) -> None:
    client = metrics_client(idle_service, METRICS_TOKEN, peer, **headers)
    answer = await asyncio.to_thread(client.get, "/metrics")
    assert answer.status_code == status
    if status == 401:
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    if status == 200:
        assert "thaidraw_queue_length" in answer.get_data(as_text=True)


async def test_without_any_token_the_metrics_are_for_loopback_only(
    idle_service: DrawService,
) -> None:
    client = metrics_client(idle_service, None, "198.51.100.5", authorization="Bearer anything")
    answer = await asyncio.to_thread(client.get, "/metrics")
    assert answer.status_code == 403
    assert "THAIDRAW_METRICS_TOKEN" in answer.get_data(as_text=True)
