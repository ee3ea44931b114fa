"""The draw service's own cost: per-job overhead, accepted requests per second, loop stalls.

With the smoke models and a real generator process on real SQLite:

  overhead per job  = wall time from parsing `/วาด …` to the JobDone event, minus the engine's own
                      compute (which the worker measures), one job at a time;
  accepted/s        = how many draws `submit` accepts per second (job row written, queued);
  loop stall        = the longest the event loop was late while 100 jobs were queued and running.

    python benchmarks/service_overhead.py [--jobs 20] [--burst 100]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from bot.commands import ParseContext, parse_message
from bot.events import JobDone, JobEvent, JobFailed
from bot.generators.local import GeneratorConfig, LocalGenerators
from bot.service import Accepted, DrawService, Origin, ServiceLimits
from generator.settings import GeneratorSettings
from generator.weights.smoke import ensure_smoke_models
from storage.database import Database

COMMAND = "/วาด คฤหาสน์ แฮรี่พอตเตอร์ --neg ภาพเบลอ --steps 1 --size 64"


class Finished:
    """Signals each job's JobDone (a JobFailed raises), and when it came."""

    def __init__(self) -> None:
        self.done: dict[str, asyncio.Future[JobDone]] = {}
        self.at: dict[str, float] = {}  # perf_counter when the job's outcome arrived

    def future(self, job_id: str) -> asyncio.Future[JobDone]:
        return self.done.setdefault(job_id, asyncio.get_running_loop().create_future())

    async def __call__(self, event: JobEvent) -> None:
        if isinstance(event, JobDone | JobFailed):
            self.at[event.job.id] = time.perf_counter()
        if isinstance(event, JobFailed):
            self.future(event.job.id).set_exception(RuntimeError(event.reason))
        elif isinstance(event, JobDone):
            self.future(event.job.id).set_result(event)


async def loop_lag(stop: asyncio.Event, period: float = 0.01) -> float:
    """The longest delay beyond `period` that a sleeping task saw."""
    worst = 0.0
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(period)
        worst = max(worst, time.perf_counter() - start - period)
    return worst


async def measure(folder: Path, jobs: int, burst: int) -> None:
    weights = ensure_smoke_models(folder / "weights").root.parent
    settings = GeneratorSettings(THAIDRAW_MODELS="smoke", THAIDRAW_WEIGHTS_DIR=weights)
    database = Database.open(f"sqlite:///{folder / 'thaidraw.db'}")
    limits = ServiceLimits(
        max_queue=burst + 10, max_jobs_per_user=burst + 10, max_jobs_per_minute=10_000
    )
    generators = LocalGenerators(GeneratorConfig(settings, folder / "images", 50, batch_size=4))
    service = DrawService(database, generators, limits, images_dir=folder / "images")
    finished = Finished()
    service.subscribe("bench", finished)
    await service.start()
    context = ParseContext(limits=settings.limits())

    overheads = []
    for index in range(jobs + 1):
        start = time.perf_counter()
        parsed = parse_message(COMMAND, context)
        outcome = await service.handle(parsed, Origin("bench", f"user{index}"), COMMAND)
        assert isinstance(outcome, Accepted), outcome
        done = await finished.future(outcome.job.id)
        if index:  # the first job also waits for the generator process to load
            overheads.append(time.perf_counter() - start - done.seconds)

    stop = asyncio.Event()
    lag = asyncio.create_task(loop_lag(stop))
    start = time.perf_counter()
    accepted = []
    for index in range(burst):
        parsed = parse_message(COMMAND, context)
        outcome = await service.handle(parsed, Origin("bench", f"burst{index}"), COMMAND)
        assert isinstance(outcome, Accepted), outcome
        accepted.append(outcome.job.id)
    accept_seconds = time.perf_counter() - start
    await asyncio.gather(*(finished.future(job_id) for job_id in accepted))
    drain_seconds = time.perf_counter() - start
    stop.set()
    worst_lag = await lag
    await service.stop(grace_seconds=5)
    database.close()

    median, fastest, slowest = (f(overheads) * 1000 for f in (statistics.median, min, max))
    print(f"service overhead per job (median of {jobs}): {median:.1f} ms")
    print(f"  (min {fastest:.1f} ms, max {slowest:.1f} ms)")
    rate = burst / accept_seconds
    print(f"accepted draws per second: {rate:.0f} ({burst} in {accept_seconds:.2f} s)")
    print(f"{burst} jobs drawn in {drain_seconds:.1f} s")
    print(f"longest event-loop stall while they ran: {worst_lag * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--burst", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(measure(Path(folder), args.jobs, args.burst))


if __name__ == "__main__":
    main()
