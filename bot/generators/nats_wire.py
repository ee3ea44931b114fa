"""What the bot and its GPU workers say to each other through NATS, and where.

One prefix names every stream, subject, consumer and bucket, so several installs (or test runs)
share one server. Jobs wait in a work-queue stream, one subject per job under its picture size;
outcomes go to a durable events stream; progress and cancels are core subjects (lost when nobody
listens, which is what a preview should be); pictures travel through the object store; each
worker's state lives in a key-value bucket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import nats
import nats.errors
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    KeyValueConfig,
    ObjectStoreConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BadRequestError
from nats.js.kv import KeyValue
from nats.js.object_store import ObjectStore

from bot.dispatcher import MAX_ATTEMPTS
from bot.generators.wire import FailureReason, GeneratorJob, JobFinished, JobProgress, PictureFile
from bot.nats_settings import NatsSettings

MAX_DELIVERIES = MAX_ATTEMPTS  # a job whose worker died is drawn once more, then failed
EVENTS_MAX_AGE_SECONDS = 7 * 24 * 3600  # outcomes wait this long for a stopped front-end
WORKER_ENTRY_MAX_AGE_SECONDS = 24 * 3600  # a worker gone for a day leaves the table
STATUS_EVERY_SECONDS = 5.0  # workers publish their state this often
SILENT_AFTER_SECONDS = 3 * STATUS_EVERY_SECONDS  # a worker not heard from for this long
PROBE_SECONDS = 5.0  # the bot's first look at the server, before it starts


@dataclass(frozen=True)
class NatsNames:
    prefix: str = "thaidraw"

    @property
    def jobs_stream(self) -> str:
        return f"{self.prefix}-jobs"

    @property
    def jobs_subjects(self) -> str:
        return f"{self.prefix}.jobs.>"

    def job_subject(self, job_id: str, width: int, height: int) -> str:
        return f"{self.prefix}.jobs.{width}x{height}.{job_id}"

    def size_consumer(self, width: int, height: int) -> str:
        """The durable consumer every worker shares for one picture size."""
        return f"{self.prefix}-draw-{width}x{height}"

    def size_filter(self, width: int, height: int) -> str:
        return f"{self.prefix}.jobs.{width}x{height}.*"

    @property
    def events_stream(self) -> str:
        return f"{self.prefix}-events"

    def event_subject(self, job_id: str) -> str:
        return f"{self.prefix}.events.{job_id}"

    @property
    def frontend_consumer(self) -> str:
        return f"{self.prefix}-frontend"

    def progress_subject(self, job_id: str) -> str:
        return f"{self.prefix}.progress.{job_id}"

    @property
    def cancel_subject(self) -> str:
        return f"{self.prefix}.cancel"

    @property
    def pictures_bucket(self) -> str:
        return f"{self.prefix}-pictures"

    @property
    def workers_bucket(self) -> str:
        return f"{self.prefix}-workers"

    @property
    def max_deliveries_advisory(self) -> str:
        """The server's word that a job reached MAX_DELIVERIES (any size consumer)."""
        return f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{self.jobs_stream}.*"


async def connect(settings: NatsSettings, name: str) -> Client:
    """Connect with the settings' credentials and TLS; waits for the server and reconnects on
    its own for ever."""
    return await nats.connect(
        _url(settings), **_security(settings), name=name, max_reconnect_attempts=-1
    )


async def check_reachable(settings: NatsSettings) -> str | None:
    """Why the server cannot be reached now (one line, no password), or None when it can.

    nats-py keeps trying a first connection however it is told, so the probe ends at the first
    error it reports (a refused connection answers at once) or after PROBE_SECONDS.
    """
    first_error: asyncio.Future[Exception] = asyncio.get_running_loop().create_future()

    async def remember(error: Exception) -> None:
        if not first_error.done():
            first_error.set_result(error)

    address = urlsplit(_url(settings))
    where = f"{address.scheme}://{address.hostname}:{address.port or 4222}"
    probe = nats.connect(
        _url(settings), **_security(settings), allow_reconnect=False, error_cb=remember
    )
    connecting = asyncio.ensure_future(probe)
    done, _ = await asyncio.wait(
        {connecting, first_error}, timeout=PROBE_SECONDS, return_when=asyncio.FIRST_COMPLETED
    )
    if connecting in done and connecting.exception() is None:
        await connecting.result().close()
        return None
    connecting.cancel()
    await asyncio.gather(connecting, return_exceptions=True)
    reason: BaseException | None
    if first_error.done():
        reason = first_error.result()
    elif connecting in done:
        reason = connecting.exception()
    else:
        reason = TimeoutError(f"no answer in {PROBE_SECONDS:g} s")
    detail = f"{type(reason).__name__}: {reason}".rstrip(": ")
    return f"cannot reach the NATS server at {where} (THAIDRAW_NATS_URL): {detail}"


def _url(settings: NatsSettings) -> str:
    assert settings.nats_url is not None, "connect only when THAIDRAW_NATS_URL is set"
    return settings.nats_url.get_secret_value()


def _security(settings: NatsSettings) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if settings.nats_credentials is not None:
        options["user_credentials"] = str(settings.nats_credentials)
    if settings.nats_ca_file is not None:
        options["tls"] = ssl.create_default_context(cafile=str(settings.nats_ca_file))
    return options


async def close_quietly(client: Client) -> None:
    """Send what is buffered (if the server is there), then close; never waits long."""
    with contextlib.suppress(Exception):  # a server that went away has nothing more to get
        await client.flush(timeout=2)
    await client.close()


async def ensure_streams(js: JetStreamContext, names: NatsNames) -> None:
    """Create the streams if they are missing (both sides call it; it changes nothing present)."""
    await js.add_stream(
        StreamConfig(
            name=names.jobs_stream,
            subjects=[names.jobs_subjects],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
        )
    )
    await js.add_stream(
        StreamConfig(
            name=names.events_stream,
            subjects=[f"{names.prefix}.events.>"],
            retention=RetentionPolicy.LIMITS,
            max_age=EVENTS_MAX_AGE_SECONDS,
            storage=StorageType.FILE,
        )
    )


async def ensure_size_consumer(
    js: JetStreamContext, names: NatsNames, width: int, height: int, ack_wait: float
) -> str:
    """The shared consumer of one picture size (created by the front-end on first use)."""
    durable = names.size_consumer(width, height)
    await js.add_consumer(
        names.jobs_stream,
        ConsumerConfig(
            durable_name=durable,
            filter_subject=names.size_filter(width, height),
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=ack_wait,
            max_deliver=MAX_DELIVERIES,
            max_ack_pending=-1,
        ),
    )
    return durable


async def pictures_store(js: JetStreamContext, names: NatsNames) -> ObjectStore:
    try:
        return await js.create_object_store(
            names.pictures_bucket, ObjectStoreConfig(storage=StorageType.FILE)
        )
    except BadRequestError:  # already there (made by the other side)
        return await js.object_store(names.pictures_bucket)


async def workers_bucket(js: JetStreamContext, names: NatsNames) -> KeyValue:
    try:
        return await js.create_key_value(
            KeyValueConfig(bucket=names.workers_bucket, history=1, ttl=WORKER_ENTRY_MAX_AGE_SECONDS)
        )
    except BadRequestError:
        return await js.key_value(names.workers_bucket)


# --- messages ---------------------------------------------------------------------------------


def encode_job(job: GeneratorJob) -> bytes:
    return json.dumps({"job_id": job.job_id, "request": job.request}).encode()


def decode_job(data: bytes) -> GeneratorJob:
    fields = json.loads(data)
    return GeneratorJob(fields["job_id"], fields["request"])


def progress_headers(update: JobProgress, worker: str) -> dict[str, str]:
    """A progress message is the preview JPEG; these headers say the rest."""
    headers = {"step": str(update.step), "total": str(update.total), "worker": worker}
    if update.seconds_per_step is not None:
        headers["seconds-per-step"] = repr(update.seconds_per_step)
    return headers


def decode_progress(job_id: str, headers: dict[str, str], data: bytes) -> JobProgress:
    seconds = headers.get("seconds-per-step")
    return JobProgress(
        job_id,
        int(headers["step"]),
        int(headers["total"]),
        data,
        float(seconds) if seconds is not None else None,
    )


@dataclass(frozen=True)
class StoredPicture:
    """A finished picture in the object store; the front-end copies it to its images folder."""

    kind: Literal["full", "preview"]
    object_name: str
    file_name: str
    sha256: str
    size_bytes: int
    width: int
    height: int
    mime_type: str

    def local(self, images_dir: Path) -> PictureFile:
        return PictureFile(
            self.kind,
            images_dir / self.file_name,
            self.sha256,
            self.size_bytes,
            self.width,
            self.height,
            self.mime_type,
        )


@dataclass(frozen=True)
class WorkerEvent:
    """A job's news from a worker, on the events stream: taken, handed back, or finished."""

    kind: Literal["started", "returned", "finished"]
    job_id: str
    worker: str
    delivery: int  # the job message's delivery count (1 = first try)
    status: Literal["done", "cancelled", "failed"] | None = None  # finished only
    steps_done: int = 0
    seconds: float = 0.0
    pictures: tuple[StoredPicture, ...] = ()
    recipe: dict[str, Any] = field(default_factory=dict)
    failure: FailureReason | None = None
    detail: str | None = None

    @property
    def message_id(self) -> str:
        """Nats-Msg-Id: the same news published twice is stored once."""
        return f"{self.job_id}.{self.delivery}.{self.kind}"

    def encode(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def decode(cls, data: bytes) -> WorkerEvent:
        fields = json.loads(data)
        fields["pictures"] = tuple(StoredPicture(**picture) for picture in fields["pictures"])
        return cls(**fields)

    def finished(self, images_dir: Path) -> JobFinished:
        """The outcome as the service records it, its pictures in `images_dir`."""
        assert self.status is not None, "only a finished event has an outcome"
        return JobFinished(
            self.job_id,
            self.status,
            self.steps_done,
            self.seconds,
            tuple(picture.local(images_dir) for picture in self.pictures),
            self.recipe,
            self.failure,
            self.detail,
        )


@dataclass(frozen=True)
class WorkerEntry:
    """One worker's line in the key-value bucket (and in `thaidraw workers`)."""

    name: str
    host: str
    state: str  # loading | ready | busy | stopping | stopped | load_failed
    device: str = ""
    models: dict[str, str] = field(default_factory=dict)
    batch_size: int = 1
    pictures: int = 0  # drawn since the worker started
    heartbeat: float = 0.0  # Unix time of this entry

    def encode(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def decode(cls, data: bytes) -> WorkerEntry:
        return cls(**json.loads(data))

    def seen_state(self, now: float) -> str:
        """The state, or "silent" when the worker has not been heard from lately."""
        if self.state != "stopped" and now - self.heartbeat > SILENT_AFTER_SECONDS:
            return "silent"
        return self.state
