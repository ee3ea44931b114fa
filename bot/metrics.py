"""Prometheus metrics of the bot and `GET /metrics`, on a registry of their own per app.

Images per minute: `thaidraw_images_total` counts finished pictures; Prometheus computes the
rate, e.g. `rate(thaidraw_images_total[5m]) * 60`.

GPU memory: the serving process never touches CUDA, so its own `torch.cuda` figures would be
zero. The generator process reports its allocator's figures with every message that ends a
batch (bot/generators/runner.py `gpu_memory`), and `thaidraw_gpu_memory_bytes` shows the latest
report.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, Response, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector

from bot.bridge import LoopBridge
from bot.events import (
    FeedbackRecorded,
    JobCancelled,
    JobDone,
    JobFailed,
    JobQueued,
    JobStarted,
    ServiceEvent,
)
from bot.generators import GeneratorStatus
from bot.http.auth import monitoring_refusal
from bot.http.health import LOOP_TIMEOUT_SECONDS
from bot.service import DrawService

JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
STATE_OF_EVENT = {
    JobQueued: "queued",
    JobStarted: "running",
    JobDone: "done",
    JobFailed: "failed",
    JobCancelled: "cancelled",
}
# A job waits from seconds (an idle bot) to an hour (a long queue); a picture takes from
# under a second (small, few steps) to ten minutes (large, many steps, a full batch).
WAIT_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600)
RUN_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 90, 120, 180, 300, 600)


class ServiceStateCollector(Collector):
    """Figures read from the service at each scrape: the queue, the generator process, its GPU."""

    def __init__(self, service: DrawService, bridge: LoopBridge) -> None:
        self.service = service
        self.bridge = bridge

    def collect(self) -> Iterator[Metric]:
        queue = self.bridge.call(self.service.queue_now(), LOOP_TIMEOUT_SECONDS)
        yield GaugeMetricFamily(
            "thaidraw_queue_length", "Jobs waiting for the generator.", value=queue.waiting
        )
        yield GaugeMetricFamily(
            "thaidraw_jobs_running", "Jobs the generator is drawing now.", value=queue.running
        )
        generator = self.service.generators.status()
        yield GaugeMetricFamily(
            "thaidraw_generator_ready",
            "1 while the generator process is alive with its models loaded.",
            value=float(generator.alive),
        )
        yield CounterMetricFamily(
            "thaidraw_generator_restarts",
            "Times the generator process was started again after dying or failing to load.",
            value=generator.restarts,
        )
        yield from worker_families(generator)
        memory = generator.gpu_memory
        if memory is not None:
            family = GaugeMetricFamily(
                "thaidraw_gpu_memory_bytes",
                "The generator process's CUDA memory as it last reported it (peak: the most "
                "allocated during the last batch).",
                labels=["kind"],
            )
            for kind in ("allocated", "reserved", "peak", "total"):
                family.add_metric([kind], getattr(memory, kind))
            yield family


def worker_families(generator: GeneratorStatus) -> Iterator[Metric]:
    """Per GPU worker (NATS): up, last heartbeat and pictures drawn, labelled by its name."""
    if not generator.workers:
        return
    up = GaugeMetricFamily(
        "thaidraw_worker_up", "1 while the GPU worker is ready or drawing.", labels=["worker"]
    )
    heartbeat = GaugeMetricFamily(
        "thaidraw_worker_last_heartbeat_seconds",
        "Unix time of the GPU worker's last report.",
        labels=["worker"],
    )
    pictures = CounterMetricFamily(
        "thaidraw_worker_pictures",
        "Pictures the GPU worker finished since it started.",
        labels=["worker"],
    )
    for worker in generator.workers:
        up.add_metric([worker.name], float(worker.alive))
        heartbeat.add_metric([worker.name], worker.last_heartbeat)
        pictures.add_metric([worker.name], worker.pictures)
    yield from (up, heartbeat, pictures)


class ServiceMetrics:
    """Watches a draw service (as its observer) and reads its state at each scrape."""

    def __init__(self, service: DrawService, bridge: LoopBridge) -> None:
        self.registry = CollectorRegistry()
        self.jobs = Counter(
            "thaidraw_jobs",
            "Jobs that entered each state since the bot started.",
            ["state"],
            registry=self.registry,
        )
        for state in JOB_STATES:
            self.jobs.labels(state)
        self.wait_seconds = Histogram(
            "thaidraw_job_wait_seconds",
            "Time from a job's request to the start of its drawing.",
            buckets=WAIT_BUCKETS,
            registry=self.registry,
        )
        self.run_seconds = Histogram(
            "thaidraw_job_run_seconds",
            "Time from a job's start to its finished picture.",
            buckets=RUN_BUCKETS,
            registry=self.registry,
        )
        self.images = Counter(
            "thaidraw_images",
            "Pictures finished; rate(thaidraw_images_total[5m]) * 60 is images per minute.",
            registry=self.registry,
        )
        self.feedback = Counter(
            "thaidraw_feedback",
            "Reactions to pictures, by platform, value (1, 0, -1) and action (added, removed).",
            ["platform", "value", "action"],
            registry=self.registry,
        )
        self.registry.register(ServiceStateCollector(service, bridge))
        service.observe(self.observe)

    def observe(self, event: ServiceEvent) -> None:
        """Count one event of the service (runs on its loop)."""
        if isinstance(event, FeedbackRecorded):
            action = "removed" if event.removed else "added"
            self.feedback.labels(event.platform, str(event.value), action).inc()
            return
        state = STATE_OF_EVENT.get(type(event))
        if state is None:
            return  # progress
        self.jobs.labels(state).inc()
        job = event.job
        if isinstance(event, JobStarted) and job.wait_seconds is not None:
            self.wait_seconds.observe(job.wait_seconds)
        if isinstance(event, JobDone):
            self.images.inc()
            if job.run_seconds is not None:
                self.run_seconds.observe(job.run_seconds)

    def exposition(self) -> bytes:
        """The Prometheus text format; call it from a thread other than the service's loop."""
        return generate_latest(self.registry)


def metrics_blueprint(metrics: ServiceMetrics, token: str | None = None) -> Blueprint:
    """`GET /metrics`: open on loopback; beyond it only with `Authorization: Bearer <token>`."""
    blueprint = Blueprint("metrics", __name__)

    @blueprint.get("/metrics")
    def prometheus_text():
        refusal = monitoring_refusal(request, token)
        if refusal is not None:
            return refusal
        return Response(metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    return blueprint
