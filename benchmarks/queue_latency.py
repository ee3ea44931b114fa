"""Time from submission to picture, batch-at-a-time against continuous batching, same arrivals.

A seeded Poisson stream of draw jobs (several people, one or two sizes, step counts drawn from
what people ask for) goes through the whole service (real SQLite, the fair line, the real
generator process with the smoke models), once with THAIDRAW_CONTINUOUS_BATCHING off (static:
a batch runs to its end before the next starts) and once on, one after the other (on a shared
machine, run it when nothing else does). The arrival rate is set from a job's time alone
through the service (the median of five), so that the generator is busy about `--load` of the
time.

    python benchmarks/queue_latency.py [--quick] [--jobs 300] [--load 0.7] [--seed 7]
        [--device cuda] [--batched-kernels]

It prints p50/p95 seconds from submission to picture and pictures per minute for each mode, and
last `continuous/static: p95 R, pictures/min T` (the ratios).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from service_overhead import Finished  # run as a script, benchmarks/ is on sys.path

from bot.generators.local import GeneratorConfig, LocalGenerators
from bot.service import Accepted, DrawService, Origin, ServiceLimits
from generator.request import DrawRequest, WeightedPrompt
from generator.settings import GeneratorSettings
from generator.weights.smoke import ensure_smoke_models
from storage.database import Database

# What people ask for (the default 250 most of all), as shares; --step-scale shrinks them alike.
STEP_SHARES = {100: 0.2, 150: 0.15, 250: 0.5, 400: 0.1, 500: 0.05}
PEOPLE = 8
BATCH_SIZE = 4


@dataclass(frozen=True)
class Arrival:
    at: float  # seconds after the stream starts
    person: str
    size: int
    steps: int


@dataclass(frozen=True)
class ModeResult:
    latencies: list[float]
    pictures_per_minute: float

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def arrivals(count: int, rate: float, sizes: list[int], step_scale: float, seed: int) -> list:
    """A Poisson stream: exponential gaps at `rate` jobs per second, seeded."""
    rng = random.Random(seed)
    steps, shares = zip(*STEP_SHARES.items(), strict=True)
    at, stream = 0.0, []
    for _ in range(count):
        at += rng.expovariate(rate)
        chosen = rng.choices(steps, shares)[0]
        stream.append(
            Arrival(
                at,
                f"person{rng.randrange(PEOPLE)}",
                rng.choice(sizes),
                max(1, round(chosen * step_scale)),
            )
        )
    return stream


def draw_request(size: int, steps: int, seed: int) -> DrawRequest:
    prompt = (WeightedPrompt("คฤหาสน์ แฟนตาซี", 1.0),)
    return DrawRequest(prompt, steps=steps, width=size, height=size, seed=seed, cutn=2)


async def started_service(folder: Path, settings: GeneratorSettings, continuous: bool):
    database = Database.open(f"sqlite:///{folder / 'thaidraw.db'}")
    config = GeneratorConfig(
        settings, folder / "images", 1000, batch_size=BATCH_SIZE, continuous=continuous
    )
    limits = ServiceLimits(max_queue=10_000, max_jobs_per_user=10_000, max_jobs_per_minute=10_000)
    service = DrawService(database, LocalGenerators(config), limits, images_dir=folder / "images")
    finished = Finished()
    service.subscribe("bench", finished)
    await service.start()
    return service, database, finished


async def submit(service: DrawService, request: DrawRequest, person: str) -> str:
    outcome = await service.submit(request, Origin("bench", person), "/วาด")
    assert isinstance(outcome, Accepted), outcome
    return outcome.job.id


async def seconds_per_job(
    folder: Path, settings: GeneratorSettings, size: int, steps: int, samples: int = 5
) -> float:
    """One job's time alone, setting up and saving included: the median of `samples` jobs
    after a warm-up job (one job's time swung by half from run to run, and the load with it)."""
    service, database, finished = await started_service(folder, settings, continuous=False)
    try:
        await finished.future(await submit(service, draw_request(size, 3, 0), "warm-up"))
        times = []
        for seed in range(1, samples + 1):
            start = time.perf_counter()
            await finished.future(await submit(service, draw_request(size, steps, seed), "pace"))
            times.append(time.perf_counter() - start)
        return statistics.median(times)
    finally:
        await service.stop(grace_seconds=5)
        database.close()


async def run_stream(
    service: DrawService, finished: Finished, stream: list[Arrival], start: float
) -> ModeResult:
    submitted: dict[str, float] = {}
    for index, arrival in enumerate(stream):
        await asyncio.sleep(max(0.0, start + arrival.at - time.perf_counter()))
        request = draw_request(arrival.size, arrival.steps, index + 1)
        submitted[await submit(service, request, arrival.person)] = time.perf_counter()
    for job_id in submitted:
        await finished.future(job_id)
    done = {job_id: finished.at[job_id] for job_id in submitted}
    elapsed = max(done.values()) - start
    latencies = [done[job_id] - submitted[job_id] for job_id in submitted]
    return ModeResult(latencies, len(stream) / elapsed * 60)


async def run_modes(
    root: Path, settings: GeneratorSettings, stream: list[Arrival]
) -> dict[str, ModeResult]:
    """One mode after the other, each with the machine to itself and its own generator process
    (side by side, two processes' threads would fight over the same cores)."""
    results = {}
    for name, continuous in {"static": False, "continuous": True}.items():
        (root / name).mkdir()
        service, database, finished = await started_service(root / name, settings, continuous)
        try:
            await finished.future(await submit(service, draw_request(64, 2, 0), "warm-up"))
            results[name] = await run_stream(service, finished, stream, time.perf_counter())
        finally:
            await service.stop(grace_seconds=5)
            database.close()
    return results


async def measure(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        weights = ensure_smoke_models(root / "weights").root.parent
        settings = GeneratorSettings(
            THAIDRAW_MODELS="smoke",
            THAIDRAW_WEIGHTS_DIR=weights,
            THAIDRAW_DEVICE=args.device,
            THAIDRAW_BATCHED_KERNELS=args.batched_kernels or None,
        )
        sizes = [64, 80] if args.two_sizes else [64]
        (root / "pace").mkdir()
        mean_steps = sum(s * share for s, share in STEP_SHARES.items()) * args.step_scale
        pace = await seconds_per_job(root / "pace", settings, max(sizes), round(mean_steps))
        rate = args.load / pace
        stream = arrivals(args.jobs, rate, sizes, args.step_scale, args.seed)
        print(
            f"{args.jobs} jobs, sizes {sizes}, {PEOPLE} people, mean {mean_steps:.0f} steps "
            f"({pace:.1f} s a job alone), {rate * 60:.1f} jobs/min (load {args.load}), "
            f"batch size {BATCH_SIZE}, seed {args.seed}"
        )
        results = await run_modes(root, settings, stream)
        for name, result in results.items():
            print(
                f"{name:>10}: p50 {result.percentile(0.5):6.1f} s, "
                f"p95 {result.percentile(0.95):6.1f} s, "
                f"mean {statistics.mean(result.latencies):6.1f} s, "
                f"{result.pictures_per_minute:5.1f} pictures/min"
            )
        static, continuous_result = results["static"], results["continuous"]
        p95_ratio = continuous_result.percentile(0.95) / static.percentile(0.95)
        throughput_ratio = continuous_result.pictures_per_minute / static.pictures_per_minute
        print(f"continuous/static: p95 {p95_ratio:.2f}, pictures/min {throughput_ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter jobs (minutes)")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--load", type=float, default=0.7, help="share of time the GPU is busy")
    parser.add_argument("--step-scale", type=float, default=None, help="multiplies step counts")
    parser.add_argument("--one-size", dest="two_sizes", action="store_false")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument(
        "--batched-kernels",
        action="store_true",
        help="jobs share kernel calls on the CPU too, as on a GPU: a step of four jobs then costs "
        "about 2.4 steps of one (measured, smoke models, bf16, 80²) instead of four",
    )
    args = parser.parse_args()
    args.jobs = args.jobs or (200 if args.quick else 300)  # a p95 of fewer swings widely
    args.step_scale = args.step_scale or (0.03 if args.quick else 0.1)
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
