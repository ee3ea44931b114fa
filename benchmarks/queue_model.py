"""What continuous batching can gain on a given step cost: the queue_latency stream, simulated.

`queue_latency.py` measures the real service; this replays the same seeded arrivals through a
model of the two policies in a fraction of a second, so that one can see which step costs
and size mixes allow the target (p95 at most 0.8× static) before renting a GPU to measure it:

    python benchmarks/queue_model.py --step-ms 47,111 [--overhead-ms 30] [--one-size]
        [--load 0.7] [--seeds 8]

`--step-ms A,B` is one step's cost with 1 and with 4 jobs (measured: `queue_latency.py` prints
neither, the README has both for the CPU); steps in between are on the line through them.
The model runs the real line (`JobQueue`: round-robin over people, the dispatcher's size rule and
starvation bound) against a generator that batches up to 4 jobs of one size and, in continuous
mode, admits jobs of the running size between steps (what `LocalGenerators.places` allows).
A job costs `--overhead-ms` to join and to leave, during which the generator does nothing else.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from queue_latency import (  # run as a script, benchmarks/ is on sys.path
    BATCH_SIZE,
    STEP_SHARES,
    Arrival,
    ModeResult,
    arrivals,
)

from bot.generators import Size
from bot.job_queue import JobQueue, PendingJob

StepCost = Callable[[int], float]  # jobs in the step → seconds


@dataclass
class _Running:
    arrival: Arrival
    joined: float
    steps_left: int


def simulate(
    stream: list[Arrival], continuous: bool, step: StepCost, overhead: float
) -> ModeResult:
    """Submission-to-picture seconds with one generator serving `stream` from the real line."""
    line, running, latencies, done_at = JobQueue(), [], [], 0.0
    job_seconds: float | None = None  # the dispatcher's starvation bound: the last job's run

    def places(size: Size) -> int:  # what LocalGenerators.places answers
        if not running:
            return BATCH_SIZE
        if not continuous or size != (running[0].arrival.size,) * 2:
            return 0
        return BATCH_SIZE - len(running)

    now, coming = 0.0, 0
    while len(latencies) < len(stream):
        while coming < len(stream) and stream[coming].at <= now:
            arrival = stream[coming]
            user = int(arrival.person.removeprefix("person"))
            line.push(PendingJob(str(coming), user, (arrival.size,) * 2, queued_at=arrival.at))
            coming += 1
        for pending in line.take(places, starving_after=job_seconds, now=now):
            now += overhead
            arrival = stream[int(pending.job_id)]
            running.append(_Running(arrival, now, arrival.steps))
        if not running:
            now = max(now, stream[coming].at)
            continue
        now += step(len(running))
        for job in list(running):
            job.steps_left -= 1
            if job.steps_left == 0:
                now += overhead
                running.remove(job)
                job_seconds = now - job.joined
                latencies.append(now - job.arrival.at)
                done_at = now
    return ModeResult(latencies, len(stream) / done_at * 60)


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
        static = simulate(stream, False, step, overhead).percentile(0.95)
        ratios.append(simulate(stream, True, step, overhead).percentile(0.95) / static)
    print(
        f"step {one * 1000:.0f} ms for 1 job, {four * 1000:.0f} ms for 4, sizes {sizes}, "
        f"load {args.load}: p95 continuous/static by seed "
        + " ".join(f"{ratio:.2f}" for ratio in ratios)
    )
    print(f"continuous/static: p95 {statistics.median(ratios):.2f} (median of {args.seeds} seeds)")


if __name__ == "__main__":
    main()
