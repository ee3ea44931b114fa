"""What continuous batching can gain on a given step cost: the queue_latency stream, simulated.

`queue_latency.py` measures the real service; this replays the same seeded arrivals through a
model of the two policies in a fraction of a second, so that one can see which step costs
and size mixes allow the target (p95 at most 0.8× static) before renting a GPU to measure it:

    python benchmarks/queue_model.py --step-ms 47,111 [--overhead-ms 30] [--one-size]
        [--load 0.7] [--seeds 8]

`--step-ms A,B` is one step's cost with 1 and with 4 jobs (measured: `queue_latency.py` prints
neither, the README has both for the CPU); steps in between are on the line through them.
The model serves the line first come, first served (the real line is round-robin over people,
which reorders jobs but not the work), batches up to 4 jobs of one size, and in continuous mode
admits jobs of the running size between steps until a job of the other size has waited longer
than the last job took (the dispatcher's rule). A job costs `--overhead-ms` to join and to
leave, during which the generator does nothing else.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from queue_latency import BATCH_SIZE, STEP_SHARES, Arrival, arrivals  # benchmarks/ on sys.path

StepCost = Callable[[int], float]  # jobs in the step → seconds


@dataclass
class _Running:
    arrival: Arrival
    steps_left: int


def p95_seconds(stream: list[Arrival], continuous: bool, step: StepCost, overhead: float) -> float:
    """p95 of submission-to-picture seconds with one generator serving `stream`."""
    now, waiting, running, latencies = 0.0, [], [], []
    last_job_seconds: float | None = None
    upcoming = iter(stream)
    coming = next(upcoming, None)
    while len(latencies) < len(stream):
        while coming is not None and coming.at <= now:
            waiting.append(coming)
            coming = next(upcoming, None)
        if not running or continuous:
            for arrival in _take(waiting, running, now, last_job_seconds):
                waiting.remove(arrival)
                running.append(_Running(arrival, arrival.steps))
                now += overhead
        if not running:
            assert coming is not None
            now = max(now, coming.at)
            continue
        now += step(len(running))
        for job in list(running):
            job.steps_left -= 1
            if job.steps_left == 0:
                now += overhead
                running.remove(job)
                last_job_seconds = now - job.arrival.at
                latencies.append(last_job_seconds)
    return statistics.quantiles(latencies, n=20, method="inclusive")[-1]


def _take(
    waiting: list[Arrival], running: list[_Running], now: float, starving_after: float | None
) -> list[Arrival]:
    """What `JobQueue.take` would hand over: the running size (or the first waiting one)."""
    size = running[0].arrival.size if running else None
    taken: list[Arrival] = []
    for arrival in waiting:
        size = size or arrival.size
        if arrival.size == size:
            if len(running) + len(taken) == BATCH_SIZE:
                break
            taken.append(arrival)
        elif starving_after is not None and now - arrival.at > starving_after:
            break
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step-ms", default="47,111", help="a step of 1 and of 4 jobs, in ms")
    parser.add_argument("--overhead-ms", type=float, default=30.0)
    parser.add_argument("--load", type=float, default=0.7)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--step-scale", type=float, default=0.03)
    parser.add_argument("--one-size", dest="two_sizes", action="store_false")
    parser.add_argument("--seeds", type=int, default=8, help="seeds 1…N, as queue_latency's")
    args = parser.parse_args()
    one, four = (float(ms) / 1000 for ms in args.step_ms.split(","))
    per_job = (four - one) / 3

    def step(jobs: int) -> float:
        return one + per_job * (jobs - 1)

    overhead = args.overhead_ms / 1000
    mean_steps = sum(s * share for s, share in STEP_SHARES.items()) * args.step_scale
    rate = args.load / (2 * overhead + round(mean_steps) * step(1))
    sizes = [64, 80] if args.two_sizes else [64]
    ratios = []
    for seed in range(1, args.seeds + 1):
        stream = arrivals(args.jobs, rate, sizes, args.step_scale, seed)
        static = p95_seconds(stream, False, step, overhead)
        ratios.append(p95_seconds(stream, True, step, overhead) / static)
    print(
        f"step {one * 1000:.0f} ms for 1 job, {four * 1000:.0f} ms for 4, sizes {sizes}, "
        f"load {args.load}: p95 continuous/static by seed "
        + " ".join(f"{ratio:.2f}" for ratio in ratios)
    )
    print(f"continuous/static: p95 {statistics.median(ratios):.2f} (median of {args.seeds} seeds)")


if __name__ == "__main__":
    main()
