"""NatsGenerators: the bot's side of the GPU workers (`thaidraw worker`) behind NATS JetStream.

It runs no generator. Admitted jobs are published to the jobs stream (`Nats-Msg-Id` = job id, so
a second publish is dropped); a durable consumer reads the workers' news, copies each finished
picture from the object store into the images folder and acknowledges only once the service has
recorded it; progress arrives on core subjects; the server's MAX_DELIVERIES advisory says when a
job's every delivery was lost. Imported only when THAIDRAW_NATS_URL is set (bot/serve.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import (
    KeyDeletedError,
    KeyNotFoundError,
    NoKeysError,
    NotFoundError,
    ObjectNotFoundError,
)
from nats.js.kv import KeyValue
from nats.js.object_store import ObjectStore

from bot.event_hub import cancel_task
from bot.generators import (
    GeneratorState,
    GeneratorStatus,
    GeneratorUnavailable,
    UpdateSink,
    WorkerStatus,
)
from bot.generators.nats_wire import (
    STATUS_EVERY_SECONDS,
    NatsNames,
    WorkerEntry,
    WorkerEvent,
    check_reachable,
    close_quietly,
    connect,
    decode_job,
    decode_progress,
    encode_job,
    ensure_size_consumer,
    ensure_streams,
    pictures_store,
    workers_bucket,
)
from bot.generators.remote import JobExhausted, JobReturned, JobTaken, NewsHandler, WorkerNews
from bot.generators.wire import GeneratorJob, JobFinished
from bot.nats_settings import NatsSettings
from storage.errors import JobNotFound

log = logging.getLogger(__name__)

NEWS_ACK_WAIT_SECONDS = 30.0  # news the bot took but never acknowledged comes again after this
RETRY_NEWS_AFTER_SECONDS = 5.0  # news the service could not record (the database was away)


@dataclass(frozen=True)
class NatsConfig:
    settings: NatsSettings
    images_dir: Path  # finished pictures are copied here, named by job id


class NatsGenerators:
    """Implements RemoteGenerators; every method is called on the event loop."""

    def __init__(self, config: NatsConfig) -> None:
        self.config = config
        self.names = NatsNames(config.settings.nats_prefix)
        self._client: Client | None = None
        self._js: JetStreamContext | None = None
        self._pictures: ObjectStore | None = None
        self._workers: dict[str, WorkerEntry] = {}
        self._sizes: set[tuple[int, int]] = set()  # size consumers known to exist
        self._tasks: list[asyncio.Task] = []
        self._cancels: set[asyncio.Task] = set()

    @property
    def alive(self) -> bool:
        return self._client is not None and self._client.is_connected

    @property
    def redelivery_seconds(self) -> float:
        return self.config.settings.nats_ack_wait

    def status(self) -> GeneratorStatus:
        now = time.time()
        workers = tuple(
            WorkerStatus(
                entry.name,
                entry.seen_state(now),
                entry.device,
                dict(entry.models),
                entry.heartbeat,
                entry.pictures,
            )
            for entry in sorted(self._workers.values(), key=lambda entry: entry.name)
        )
        ready = [worker for worker in workers if worker.alive]
        if not self.alive:
            state = GeneratorState.DEAD
        elif ready:
            all_busy = all(worker.state == "busy" for worker in ready)
            state = GeneratorState.BUSY if all_busy else GeneratorState.READY
        elif any(worker.state == "loading" for worker in workers):
            state = GeneratorState.LOADING
        else:
            state = GeneratorState.STOPPED
        return GeneratorStatus(
            state=state,
            device=", ".join(sorted({worker.device for worker in ready})),
            model_versions=dict(ready[0].models) if ready else {},
            workers=workers,
        )

    async def start(self, on_progress: UpdateSink, on_news: NewsHandler) -> None:
        settings = self.config.settings
        problem = await check_reachable(settings)
        if problem is not None:
            raise GeneratorUnavailable(problem)
        self._client = await connect(settings, f"thaidraw-bot-{self.names.prefix}")
        self._js = js = self._client.jetstream()
        await ensure_streams(js, self.names)
        await js.add_consumer(
            self.names.events_stream,
            ConsumerConfig(
                durable_name=self.names.frontend_consumer,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=NEWS_ACK_WAIT_SECONDS,
            ),
        )
        self._pictures = await pictures_store(js, self.names)
        workers = await workers_bucket(js, self.names)

        async def progress(message: Msg) -> None:
            job_id = message.subject.rsplit(".", 1)[1]
            on_progress(decode_progress(job_id, message.headers or {}, message.data))

        async def exhausted(message: Msg) -> None:
            await self._on_exhausted(message, on_news)

        await self._client.subscribe(self.names.progress_subject("*"), cb=progress)
        await self._client.subscribe(self.names.max_deliveries_advisory, cb=exhausted)
        self._tasks = [
            asyncio.create_task(self._read_news(on_news), name="thaidraw-nats-news"),
            asyncio.create_task(self._watch_workers(workers), name="thaidraw-nats-workers"),
        ]
        log.info("connected to NATS; GPU workers draw the jobs (prefix %s)", self.names.prefix)

    async def publish(self, job: GeneratorJob) -> None:
        width, height = int(job.request["width"]), int(job.request["height"])
        js = self._jetstream()
        if (width, height) not in self._sizes:
            ack_wait = self.config.settings.nats_ack_wait
            await ensure_size_consumer(js, self.names, width, height, ack_wait)
            self._sizes.add((width, height))
        await js.publish(
            self.names.job_subject(job.job_id, width, height),
            encode_job(job),
            headers={"Nats-Msg-Id": job.job_id},
        )

    async def news_waiting(self) -> int:
        info = await self._jetstream().consumer_info(
            self.names.events_stream, self.names.frontend_consumer
        )
        return (info.num_pending or 0) + (info.num_ack_pending or 0)

    async def in_line(self, job: GeneratorJob) -> bool:
        return await self._sequence_in_line(job) is not None

    async def withdraw(self, job: GeneratorJob) -> None:
        self.cancel(job.job_id)  # a worker may have taken it a moment ago
        sequence = await self._sequence_in_line(job)
        if sequence is not None:
            with contextlib.suppress(NotFoundError):
                await self._jetstream().delete_msg(self.names.jobs_stream, sequence)

    def cancel(self, job_id: str) -> None:
        if self._client is None:
            return
        task = asyncio.create_task(self._client.publish(self.names.cancel_subject, job_id.encode()))
        self._cancels.add(task)
        task.add_done_callback(self._cancels.discard)

    async def stop(self) -> None:
        for task in self._tasks:
            await cancel_task(task)
        if self._client is not None:
            await close_quietly(self._client)
        self._client = None

    # --- inside ------------------------------------------------------------------------------

    def _jetstream(self) -> JetStreamContext:
        assert self._js is not None, "NatsGenerators.start comes first"
        return self._js

    async def _sequence_in_line(self, job: GeneratorJob) -> int | None:
        width, height = int(job.request["width"]), int(job.request["height"])
        subject = self.names.job_subject(job.job_id, width, height)
        try:
            message = await self._jetstream().get_last_msg(self.names.jobs_stream, subject)
        except NotFoundError:
            return None
        return message.seq

    async def _read_news(self, on_news: NewsHandler) -> None:
        subscription = await self._jetstream().pull_subscribe_bind(
            durable=self.names.frontend_consumer, stream=self.names.events_stream
        )
        while True:
            try:
                # One at a time: a pull for more would wait for them until it expires.
                messages = await subscription.fetch(1, timeout=1.0)
            except TimeoutError:
                continue
            except NatsError as error:  # the server restarts, or is away: it keeps the news
                log.warning("could not read the workers' news (%s); trying again", error)
                await asyncio.sleep(RETRY_NEWS_AFTER_SECONDS)
                continue
            for message in messages:
                try:
                    await self._take_news(message, on_news)
                except Exception:  # an ack or a clean-up that failed: the reading goes on
                    log.exception("trouble after the workers' news %r", message.data)

    async def _take_news(self, message: Msg, on_news: NewsHandler) -> None:
        """Copy the pictures, let the service record the news, then acknowledge it."""
        try:
            event = WorkerEvent.decode(message.data)
            news: WorkerNews
            if event.kind == "started":
                news = JobTaken(event.job_id, event.worker, event.delivery)
            elif event.kind == "returned":
                news = JobReturned(event.job_id, event.worker)
            else:
                news = await self._outcome(event)
            await on_news(news)
        except JobNotFound:
            log.warning("news of job %s, which this bot does not know; dropped", message.data)
        except Exception:
            log.exception("could not record the workers' news %r; it comes again", message.data)
            await message.nak(delay=RETRY_NEWS_AFTER_SECONDS)
            return
        await message.ack()
        if event.kind == "finished":
            await self._delete_pictures(event)

    async def _outcome(self, event: WorkerEvent) -> JobFinished:
        """The finished job with its pictures in the images folder; failed if they were lost."""
        try:
            await self._copy_pictures(event)
        except ObjectNotFoundError:
            log.error("the pictures of job %s are not in the object store", event.job_id)
            return replace(
                event.finished(self.config.images_dir),
                status="failed",
                pictures=(),
                failure="not_saved",
                detail="its pictures were lost between the worker and the bot",
            )
        return event.finished(self.config.images_dir)

    async def _copy_pictures(self, event: WorkerEvent) -> None:
        assert self._pictures is not None
        for picture in event.pictures:
            try:
                result = await self._pictures.get(picture.object_name)
            except ObjectNotFoundError:
                # Copied and deleted before: this is a second word on a recorded outcome.
                if not (self.config.images_dir / picture.file_name).exists():
                    raise
                continue
            assert result.data is not None
            await asyncio.to_thread(
                _write_whole, self.config.images_dir / picture.file_name, result.data
            )

    async def _delete_pictures(self, event: WorkerEvent) -> None:
        assert self._pictures is not None
        for picture in event.pictures:
            with contextlib.suppress(NotFoundError, ObjectNotFoundError):
                await self._pictures.delete(picture.object_name)

    async def _on_exhausted(self, message: Msg, on_news: NewsHandler) -> None:
        """The server gave a job up after its last delivery: fail it and take it out of line."""
        sequence = json.loads(message.data)["stream_seq"]
        js = self._jetstream()
        try:
            stored = await js.get_msg(self.names.jobs_stream, sequence)
        except NotFoundError:
            return  # acknowledged after all, or already taken out
        job = decode_job(stored.data or b"")
        try:
            await on_news(JobExhausted(job.job_id))
        except Exception:
            log.exception("could not record that job %s was given up; the sweep will", job.job_id)
            return
        with contextlib.suppress(NotFoundError):
            await js.delete_msg(self.names.jobs_stream, sequence)

    async def _watch_workers(self, bucket: KeyValue) -> None:
        """Read every worker's entry now and then (health and the dashboard read a copy)."""
        while True:
            try:
                self._workers = await _read_entries(bucket)
            except NatsError as error:  # the table waits for the server; the drawing does not
                log.debug("could not read the workers' entries: %s", error)
            await asyncio.sleep(STATUS_EVERY_SECONDS / 2)


async def _read_entries(bucket: KeyValue) -> dict[str, WorkerEntry]:
    try:
        names = await bucket.keys()
    except NoKeysError:
        return {}
    entries = {}
    for name in names:
        with contextlib.suppress(KeyNotFoundError, KeyDeletedError):  # gone meanwhile
            entry = await bucket.get(name)
            if entry.value:
                entries[name] = WorkerEntry.decode(entry.value)
    return entries


def _write_whole(path: Path, data: bytes) -> None:
    """Write the file under another name first, so no reader ever sees half a picture."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial_path = path.with_name(f".{path.name}.part")
    partial_path.write_bytes(data)
    os.replace(partial_path, path)
