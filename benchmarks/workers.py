"""GPU workers behind NATS: pictures per minute with 1 and 2 workers, and the latency NATS adds.

With the smoke models on the CPU, real SQLite and the NATS server of THAIDRAW_NATS_URL (default
nats://127.0.0.1:4222), all in one run so that the ratios compare like with like:

  pictures/min      = JOBS jobs of STEPS steps through `thaidraw serve`'s service, with one worker,
                      then two (each its own generator process, batch size 1); the ratio 2 : 1;
  added latency     = median time from `submit` to JobDone of a 1-step job, one at a time,
                      through NATS and a warm worker, minus the same through the local process.

    python benchmarks/workers.py [--jobs 8] [--steps 20] [--latency-jobs 10]

On a machine with fewer cores than workers × torch threads, two workers share the CPU: expect
well under 2×. Each GPU host brings its own GPU, so there the ratio approaches the worker count.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from pydantic import SecretStr
from service_overhead import Finished  # run as a script, benchmarks/ is on sys.path

from bot.generators.local import GeneratorConfig, LocalGenerators
from bot.generators.nats import NatsConfig, NatsGenerators
from bot.generators.nats_wire import NatsNames, connect
from bot.generators.nats_worker import Drawer, NatsWorker, WorkerConfig
from bot.nats_settings import NatsSettings
from bot.service import Accepted, DrawService, Origin, ServiceLimits
from generator.request import DrawRequest, WeightedPrompt
from generator.settings import GeneratorSettings
from generator.weights.smoke import ensure_smoke_models
from storage.database import Database


def request(steps: int, seed: int) -> DrawRequest:
    return DrawRequest(
        prompts=(WeightedPrompt("คฤหาสน์", 1.0),),
        steps=steps,
        width=64,
        height=64,
        cutn=2,
        seed=seed,
    )


async def started_service(generators, folder: Path) -> tuple[DrawService, Finished]:
    database = Database.open(f"sqlite:///{folder / 'thaidraw.db'}")
    limits = ServiceLimits(max_queue=1000, max_jobs_per_user=1000, max_jobs_per_minute=100_000)
    service = DrawService(database, generators, limits, images_dir=folder / "images")
    finished = Finished()
    service.subscribe("web", finished)
    await service.start()
    return service, finished


async def draw(service: DrawService, finished: Finished, steps: int, seed: int) -> None:
    accepted = await service.submit(request(steps, seed), Origin("web", f"u{seed}"), "/วาด")
    assert isinstance(accepted, Accepted), accepted
    await finished.future(accepted.job.id)


async def stop(service: DrawService) -> None:
    await service.stop(grace_seconds=5)
    service.database.close()


class Workers:
    """N NatsWorkers in this process, each with its own generator process."""

    def __init__(self, count: int, nats: NatsSettings, smoke: GeneratorSettings, folder: Path):
        self.stop_event = asyncio.Event()
        self.workers = [
            NatsWorker(
                WorkerConfig(f"bench-{n}", nats, batch_size=1),
                Drawer(GeneratorConfig(smoke, folder / f"scratch-{n}", progress_every=10)),
            )
            for n in range(count)
        ]
        self.tasks = [asyncio.create_task(worker.run(self.stop_event)) for worker in self.workers]

    async def ready(self) -> None:
        while any(worker.state != "ready" for worker in self.workers):  # noqa: ASYNC110
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        self.stop_event.set()
        await asyncio.gather(*self.tasks)


async def forget(nats: NatsSettings) -> None:
    """Delete the streams and buckets this run made under its prefix."""
    names = NatsNames(nats.nats_prefix)
    client = await connect(nats, "thaidraw-benchmark-cleanup")
    js = client.jetstream()
    for stream in (names.jobs_stream, names.events_stream):
        await js.delete_stream(stream)
    await js.delete_object_store(names.pictures_bucket)
    await js.delete_key_value(names.workers_bucket)
    await client.close()


def nats_settings(url: str) -> NatsSettings:
    return NatsSettings(
        nats_url=SecretStr(url), nats_prefix=f"bench{uuid.uuid4().hex[:8]}", _env_file=None
    )


async def pictures_per_minute(
    count: int, url: str, smoke: GeneratorSettings, jobs: int, steps: int, folder: Path
) -> float:
    await asyncio.to_thread(folder.mkdir)
    nats = nats_settings(url)
    service, finished = await started_service(
        NatsGenerators(NatsConfig(nats, folder / "images")), folder
    )
    workers = Workers(count, nats, smoke, folder)
    await workers.ready()
    started = time.perf_counter()
    await asyncio.gather(*(draw(service, finished, steps, seed) for seed in range(jobs)))
    seconds = time.perf_counter() - started
    await workers.stop()
    await stop(service)
    await forget(nats)
    return jobs / seconds * 60


async def latency(service: DrawService, finished: Finished, jobs: int) -> float:
    """Median seconds from submit to JobDone of a 1-step job, one at a time (after a warm-up)."""
    await draw(service, finished, 1, 10_000)
    times = []
    for seed in range(jobs):
        started = time.perf_counter()
        await draw(service, finished, 1, seed)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def run(jobs: int, steps: int, latency_jobs: int, url: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        layout = ensure_smoke_models(folder / "weights")
        smoke = GeneratorSettings(
            THAIDRAW_MODELS="smoke",
            THAIDRAW_WEIGHTS_DIR=layout.root.parent,
            THAIDRAW_DEVICE="cpu",
            _env_file=None,
        )
        one = await pictures_per_minute(1, url, smoke, jobs, steps, folder / "one")
        two = await pictures_per_minute(2, url, smoke, jobs, steps, folder / "two")
        print(f"{jobs} jobs of {steps} steps at 64×64, smoke models, CPU, batch size 1:")
        print(f"  1 worker:  {one:.1f} pictures/min")
        print(f"  2 workers: {two:.1f} pictures/min ({two / one:.2f}× one worker)")

        (folder / "local").mkdir()
        local_generators = LocalGenerators(GeneratorConfig(smoke, folder / "local" / "images"))
        service, finished = await started_service(local_generators, folder / "local")
        local = await latency(service, finished, latency_jobs)
        await stop(service)

        (folder / "nats").mkdir()
        nats = nats_settings(url)
        service, finished = await started_service(
            NatsGenerators(NatsConfig(nats, folder / "nats" / "images")), folder / "nats"
        )
        workers = Workers(1, nats, smoke, folder / "nats")
        await workers.ready()
        through_nats = await latency(service, finished, latency_jobs)
        await workers.stop()
        await stop(service)
        await forget(nats)
        print(f"1-step job, submit to JobDone (median of {latency_jobs}):")
        print(f"  local process: {local * 1000:.0f} ms; through NATS: {through_nats * 1000:.0f} ms")
        print(f"  added by NATS: {(through_nats - local) * 1000:.0f} ms per job")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--latency-jobs", type=int, default=10)
    parser.add_argument(
        "--nats", default=os.environ.get("THAIDRAW_NATS_URL", "nats://127.0.0.1:4222")
    )
    arguments = parser.parse_args()
    asyncio.run(run(arguments.jobs, arguments.steps, arguments.latency_jobs, arguments.nats))


if __name__ == "__main__":
    main()
