"""GPU workers behind NATS, as health, metrics, the dashboard and `thaidraw workers` show them."""

from __future__ import annotations

import asyncio
import time

from bot.bridge import LoopBridge
from bot.generators import GeneratorState, GeneratorStatus, WorkerStatus
from bot.generators.nats_wire import SILENT_AFTER_SECONDS, WorkerEntry
from bot.http.health import check_health
from bot.metrics import worker_families
from bot.web.dashboard import read_dashboard
from bot.worker_cli import workers_table

MODELS = {"vqgan": "taming-vqgan-f16-16384"}


def worker(name: str, state: str, pictures: int = 0) -> WorkerStatus:
    return WorkerStatus(name, state, "cuda:0", MODELS, 1_800_000_000.0, pictures)


async def test_health_lists_each_worker_by_its_state_without_devices_or_versions(make_service):
    service, _, fake = await make_service()
    fake.workers = (worker("gpu-a", "busy", 3), worker("gpu-b", "silent"))
    health = await asyncio.to_thread(check_health, service, LoopBridge(asyncio.get_running_loop()))
    assert health.details["workers"] == [
        {
            "name": "gpu-a",
            "state": "busy",
            "last_heartbeat": "2027-01-15T08:00:00+00:00",
            "pictures": 3,
        },
        {
            "name": "gpu-b",
            "state": "silent",
            "last_heartbeat": "2027-01-15T08:00:00+00:00",
            "pictures": 0,
        },
    ]


async def test_without_a_ready_worker_health_says_so(make_service):
    service, _, fake = await make_service()
    fake.load_error = "no worker has models"  # so that no start in between makes it ready
    fake.state = GeneratorState.LOAD_FAILED
    fake.workers = (worker("gpu-a", "silent"),)
    health = await asyncio.to_thread(check_health, service, LoopBridge(asyncio.get_running_loop()))
    assert health.reasons == ["no GPU worker is ready"]


def test_metrics_label_each_worker_by_its_name():
    status = GeneratorStatus(
        GeneratorState.READY, workers=(worker("gpu-a", "ready", 7), worker("gpu-b", "silent"))
    )
    samples = {
        (sample.name, sample.labels["worker"]): sample.value
        for family in worker_families(status)
        for sample in family.samples
    }
    assert samples[("thaidraw_worker_up", "gpu-a")] == 1.0
    assert samples[("thaidraw_worker_up", "gpu-b")] == 0.0
    assert samples[("thaidraw_worker_pictures_total", "gpu-a")] == 7
    assert samples[("thaidraw_worker_last_heartbeat_seconds", "gpu-b")] == 1_800_000_000.0


def test_one_machine_has_no_worker_metrics():
    assert list(worker_families(GeneratorStatus(GeneratorState.READY))) == []


async def test_the_dashboard_reads_the_workers(make_service):
    service, _, fake = await make_service()
    fake.workers = (worker("gpu-a", "ready", 2),)
    board = await read_dashboard(service)
    assert board.to_dict()["generator"]["workers"][0]["name"] == "gpu-a"


def test_the_workers_table_has_one_aligned_line_per_worker_and_marks_the_silent():
    now = time.time()
    entries = [
        WorkerEntry("gpu-a", "host1", "busy", "cuda:0", MODELS, 4, 12, now - 2),
        WorkerEntry(
            "host2-gpu1", "host2", "ready", "cuda:0", MODELS, 4, 0, now - SILENT_AFTER_SECONDS - 5
        ),
    ]
    lines = workers_table(entries, now).splitlines()
    assert lines[0].split() == [
        "NAME",
        "STATE",
        "DEVICE",
        "MODELS",
        "LAST",
        "HEARTBEAT",
        "PICTURES",
    ]
    assert lines[1].split()[:3] == ["gpu-a", "busy", "cuda:0"]
    assert lines[1].endswith("12")
    assert lines[2].split()[:2] == ["host2-gpu1", "silent"]
    assert lines[1].index("busy") == lines[2].index("silent")  # columns aligned
