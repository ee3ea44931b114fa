"""A GPU worker: pulls jobs from the NATS line and draws them in this machine's generator process.

The generator process and its supervisor are the single machine's own (`LocalGenerators`, used
only by `Drawer` below): a CUDA crash ends that process, never this one or its NATS connection;
its jobs go back to the line and the process starts again. The worker takes batches of one
size, heartbeats (`in_progress`) only while steps keep coming, streams progress on core
subjects, puts each finished picture in the object store, publishes the outcome on the events
stream, and only then acknowledges the job.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.kv import KeyValue
from nats.js.object_store import ObjectStore

from bot.event_hub import cancel_task
from bot.generators import GeneratorDied, GeneratorUnavailable, JobUpdate
from bot.generators.local import GeneratorConfig, LocalGenerators
from bot.generators.nats_wire import (
    STATUS_EVERY_SECONDS,
    NatsNames,
    StoredPicture,
    WorkerEntry,
    WorkerEvent,
    close_quietly,
    connect,
    decode_job,
    ensure_streams,
    pictures_store,
    progress_headers,
    workers_bucket,
)
from bot.generators.wire import GeneratorJob, JobFinished, JobProgress
from bot.nats_settings import NatsSettings

log = logging.getLogger(__name__)

IDLE_LOOK_SECONDS = 2.0  # with no doorbell, look at the line this often anyway
FETCH_SECONDS = 1.0
REMEMBERED_CANCELS = 1000  # cancels of jobs this worker may not have taken yet


class Drawer:
    """This GPU's generator process, as the single machine runs it: the worker's one use of it.

    The worker draws one pulled batch at a time: `draw` submits it and waits until each job has
    its outcome, or the process died holding some.
    """

    def __init__(self, config: GeneratorConfig) -> None:
        self.generators = LocalGenerators(config)
        self._unsettled: set[str] = set()
        self._settled = asyncio.Event()
        self._died: GeneratorDied | None = None

    async def start(self, on_update: Callable[[JobUpdate], None]) -> None:
        """Load the models (raises GeneratorUnavailable when they cannot be loaded)."""

        def watch(update: JobUpdate | GeneratorDied) -> None:
            if isinstance(update, GeneratorDied):
                self._died = update
                self._settled.set()
                return
            if isinstance(update, JobFinished):
                self._unsettled.discard(update.job_id)
                if not self._unsettled:
                    self._settled.set()
            on_update(update)

        await self.generators.start(watch)

    async def draw(self, jobs: Sequence[GeneratorJob]) -> list[str]:
        """Draw one batch; returns the ids of the jobs left without an outcome (it died)."""
        self._unsettled = {job.job_id for job in jobs}
        self._died = None
        self._settled.clear()
        try:
            self.generators.submit(jobs)
        except GeneratorDied as died:
            return died.unfinished_job_ids
        await self._settled.wait()
        if self._died is None:
            return []
        return [job_id for job_id in self._died.unfinished_job_ids if job_id in self._unsettled]

    def cancel(self, job_id: str) -> None:
        self.generators.cancel(job_id)

    async def stop(self, grace_seconds: float) -> None:
        """Let the batch finish within the grace period; what is left ends `draw` unfinished."""
        left = await self.generators.stop(grace_seconds)
        if left and self._unsettled:
            self._died = GeneratorDied(left, None)
            self._settled.set()

    @property
    def device(self) -> str:
        return self.generators.device

    @property
    def model_versions(self) -> dict[str, str]:
        return dict(self.generators.model_versions)


@dataclass(frozen=True)
class WorkerConfig:
    name: str
    nats: NatsSettings
    batch_size: int = 4
    stall_seconds: float = 60.0  # no step for this long: stop heartbeating (a hung kernel)
    grace_seconds: float = 60.0  # after SIGTERM, to finish the running batch


def default_worker_name(device: str, visible_devices: str | None) -> str:
    """This host's name and GPU index (the first of CUDA_VISIBLE_DEVICES), or `-cpu`."""
    host = socket.gethostname().split(".")[0] or "worker"
    if device == "cpu":
        return f"{host}-cpu"
    index = (visible_devices or "0").split(",")[0].strip() or "0"
    return f"{host}-gpu{index}"


@dataclass
class _Held:
    """A job this worker took: its message (to heartbeat, ack or nak) and its delivery count."""

    message: Msg
    job: GeneratorJob
    delivery: int


class NatsWorker:
    """Runs until `stop` is set; then finishes the running batch within the grace or hands it
    back to the line."""

    def __init__(self, config: WorkerConfig, drawer: Drawer) -> None:
        self.config = config
        self.drawer = drawer
        self.names = NatsNames(config.nats.nats_prefix)
        self.state = "loading"
        self.pictures = 0
        self._client: Client | None = None
        self._js: JetStreamContext | None = None
        self._store: ObjectStore | None = None
        self._bucket: KeyValue | None = None
        self._held: dict[str, _Held] = {}
        self._pulls: dict[str, JetStreamContext.PullSubscription] = {}  # per size consumer
        self._outcomes: list[asyncio.Task] = []
        self._sends: set[asyncio.Task] = set()
        self._last_step = time.monotonic()
        self._doorbell = asyncio.Event()
        self._recent_cancels: deque[str] = deque(maxlen=REMEMBERED_CANCELS)
        self._stopping = False

    async def run(self, stop: asyncio.Event) -> None:
        self._client = await connect(self.config.nats, f"thaidraw-worker-{self.config.name}")
        self._js = self._client.jetstream()
        await ensure_streams(self._js, self.names)
        self._store = await pictures_store(self._js, self.names)
        self._bucket = await workers_bucket(self._js, self.names)
        await self._client.subscribe(self.names.cancel_subject, cb=self._on_cancel)
        await self._client.subscribe(self.names.jobs_subjects, cb=self._ring)
        announcer = asyncio.create_task(self._announce_now_and_then(), name="worker-status")
        stopper = asyncio.create_task(self._stop_when(stop), name="worker-stop")
        try:
            await self._load()
            while not self._stopping:
                held = await self._take_batch()
                if held:
                    await self._draw(held)
        finally:
            if self._stopping:
                await stopper
            else:  # the models would not load, or NATS failed us: nothing to hand back
                await cancel_task(stopper)
                await self.drawer.stop(self.config.grace_seconds)
            await cancel_task(announcer)
            self.state = "stopped"
            await self._announce()
            await close_quietly(self._client)

    # --- the line ------------------------------------------------------------------------

    async def _load(self) -> None:
        self.state = "loading"
        await self._announce()
        try:
            await self.drawer.start(self._on_update)
        except GeneratorUnavailable:
            if self._stopping:  # stopped while it loaded: nothing went wrong
                return
            self.state = "load_failed"
            await self._announce()
            raise
        self.state = "ready"
        await self._announce()
        log.info("worker %s ready on %s", self.config.name, self.drawer.device)

    async def _take_batch(self) -> list[_Held]:
        """Up to batch-size jobs of the size with the most waiting; [] after a quiet while.

        A size whose jobs are all held by workers is tried too: a dead worker's jobs come
        back there after AckWait, counted nowhere else.
        """
        js = self._jetstream()
        self._doorbell.clear()  # before looking: a job published meanwhile rings again
        sizes = [
            info
            for info in await js.consumers_info(self.names.jobs_stream)
            if (info.num_pending or info.num_ack_pending) and info.config.durable_name
        ]
        if not sizes:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._doorbell.wait(), IDLE_LOOK_SECONDS)
            return []
        busiest = max(sizes, key=lambda info: (info.num_pending, info.name))
        durable = busiest.config.durable_name
        if durable not in self._pulls:
            self._pulls[durable] = await js.pull_subscribe_bind(
                durable=durable, stream=self.names.jobs_stream
            )
        try:
            messages = await self._pulls[durable].fetch(
                self.config.batch_size, timeout=FETCH_SECONDS
            )
        except TimeoutError:
            return []
        return [
            _Held(message, decode_job(message.data), message.metadata.num_delivered)
            for message in messages
        ]

    async def _draw(self, batch: list[_Held]) -> None:
        for held in batch:
            if held.job.job_id in self._recent_cancels:
                await self._publish(
                    WorkerEvent(
                        "finished",
                        held.job.job_id,
                        self.config.name,
                        held.delivery,
                        status="cancelled",
                    )
                )
                await held.message.ack()
                continue
            await self._publish(
                WorkerEvent("started", held.job.job_id, self.config.name, held.delivery)
            )
            self._held[held.job.job_id] = held
        if not self._held:
            return
        self.state, self._last_step = "busy", time.monotonic()
        await self._announce()
        heartbeat = asyncio.create_task(self._heartbeat(), name="worker-heartbeat")
        unfinished = await self.drawer.draw([held.job for held in self._held.values()])
        await cancel_task(heartbeat)
        await asyncio.gather(*self._outcomes)
        self._outcomes.clear()
        for job_id in unfinished:
            held = self._held.pop(job_id, None)
            if held is not None:
                await self._hand_back(held)
        self._held.clear()
        if unfinished and not self._stopping:
            log.error("the generator process died holding %s; starting it again", unfinished)
            await self._load()
        elif not self._stopping:
            self.state = "ready"
            await self._announce()

    async def _hand_back(self, held: _Held) -> None:
        """Back to the line: said as "returned" when stopping (no fault of the job)."""
        if self._stopping:
            await self._publish(
                WorkerEvent("returned", held.job.job_id, self.config.name, held.delivery)
            )
        await held.message.nak()

    async def _heartbeat(self) -> None:
        """Keep the jobs ours while steps keep coming; a hung step lets them go to others."""
        interval = self.config.nats.nats_ack_wait / 3
        while True:
            await asyncio.sleep(interval)
            if time.monotonic() - self._last_step > self.config.stall_seconds:
                log.warning("no step for %.0f s: no more heartbeats", self.config.stall_seconds)
                continue
            for held in list(self._held.values()):
                await held.message.in_progress()

    # --- what the generator process says -------------------------------------------------

    def _on_update(self, update: JobUpdate) -> None:
        if isinstance(update, JobProgress):
            self._last_step = time.monotonic()
            self._send(
                self.names.progress_subject(update.job_id),
                update.preview_jpeg,
                progress_headers(update, self.config.name),
            )
            return
        held = self._held.get(update.job_id)
        if held is not None:
            self._outcomes.append(asyncio.create_task(self._deliver(held, update)))

    async def _deliver(self, held: _Held, finished: JobFinished) -> None:
        """Pictures into the object store, the outcome onto the events stream, then the ack."""
        assert self._store is not None
        stored = []
        for picture in finished.pictures:
            object_name = f"{finished.job_id}/{held.delivery}/{picture.path.name}"
            data = await asyncio.to_thread(picture.path.read_bytes)
            await self._store.put(object_name, data)
            await asyncio.to_thread(picture.path.unlink, missing_ok=True)
            stored.append(
                StoredPicture(
                    picture.kind,
                    object_name,
                    picture.path.name,
                    picture.sha256,
                    picture.size_bytes,
                    picture.width,
                    picture.height,
                    picture.mime_type,
                )
            )
        recipe: dict[str, Any] = {**finished.recipe, "worker": self.config.name}
        event = WorkerEvent(
            "finished",
            finished.job_id,
            self.config.name,
            held.delivery,
            finished.status,
            finished.steps_done,
            finished.seconds,
            tuple(stored),
            recipe if finished.status == "done" else {},
            finished.failure,
            finished.detail,
        )
        await self._publish(event)
        await held.message.ack()
        self._held.pop(finished.job_id, None)
        if finished.status == "done":
            self.pictures += 1

    # --- signals from outside ------------------------------------------------------------

    async def _on_cancel(self, message: Msg) -> None:
        job_id = message.data.decode()
        self._recent_cancels.append(job_id)
        if job_id in self._held:
            self.drawer.cancel(job_id)

    async def _ring(self, message: Msg) -> None:
        self._doorbell.set()

    async def _stop_when(self, stop: asyncio.Event) -> None:
        """SIGTERM: take no more; the running batch finishes within the grace or comes back."""
        await stop.wait()
        self._stopping = True
        self._doorbell.set()
        self.state = "stopping"
        await self._announce()
        log.info(
            "worker %s stopping; the running batch has %.0f s",
            self.config.name,
            self.config.grace_seconds,
        )
        await self.drawer.stop(self.config.grace_seconds)

    # --- saying things -------------------------------------------------------------------

    async def _publish(self, event: WorkerEvent) -> None:
        await self._jetstream().publish(
            self.names.event_subject(event.job_id),
            event.encode(),
            headers={"Nats-Msg-Id": event.message_id},
        )

    def _send(self, subject: str, data: bytes, headers: dict[str, str]) -> None:
        """A core message, fire and forget (progress may be lost; the outcome may not)."""
        assert self._client is not None
        task = asyncio.create_task(self._client.publish(subject, data, headers=headers))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    def entry(self) -> WorkerEntry:
        return WorkerEntry(
            name=self.config.name,
            host=socket.gethostname(),
            state=self.state,
            device=self.drawer.device,
            models=self.drawer.model_versions,
            batch_size=self.config.batch_size,
            pictures=self.pictures,
            heartbeat=time.time(),
        )

    async def _announce(self) -> None:
        assert self._bucket is not None
        try:
            await self._bucket.put(self.config.name, self.entry().encode())
        except Exception as error:  # the table is for people; the drawing goes on without it
            log.warning("could not publish this worker's state: %s", error)

    async def _announce_now_and_then(self) -> None:
        while True:
            await asyncio.sleep(STATUS_EVERY_SECONDS)
            await self._announce()

    def _jetstream(self) -> JetStreamContext:
        assert self._js is not None
        return self._js
