"""The waiting line in front of the generators: a fair order, truthful positions, same-size takes.

The line is round-robin over communities (a Discord server, a LINE group or room; a person on
their own otherwise), then over the people within each: a person's second job goes behind other
people's first, and one busy server cannot hold back everyone else. It works like start-time fair
queueing, in rounds: each community has one place per round, and within a community each person
one place per round. A job's round is fixed when it comes, so a position only changes when a job
ahead leaves the line (it moves up) or when a newcomer is owed an earlier place (it moves back
one); `position` always reads the order that `take` serves.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.generators import Size


@dataclass(frozen=True)
class PendingJob:
    job_id: str
    user_id: int  # storage's user id
    size: Size
    community: str = ""  # whom the job's chat belongs to; "" → the person alone
    queued_at: float = field(default_factory=time.monotonic)

    @property
    def flow(self) -> str:
        """The community the line is fair between."""
        return self.community or f"user:{self.user_id}"


@dataclass
class _Waiting:
    job: PendingJob
    tag: int  # the person's round within the community
    arrival: int  # ties within a round go to the earlier job


@dataclass
class _Community:
    """One community's jobs, in its people's round-robin order."""

    first_round: int  # the line's round of its first job; its next jobs take the rounds after
    activated: int  # ties between communities in one round go to the earlier one
    jobs: list[_Waiting] = field(default_factory=list)
    served_tag: int = 0  # the person-round of the job it last had taken (its inner clock)
    next_tag: dict[int, int] = field(default_factory=dict)  # user id → their next person-round
    # Rounds after `first_round` whose place a job of the running size took out of turn: its
    # jobs ahead keep their rounds, those behind skip it.
    used_rounds: set[int] = field(default_factory=set)

    def rounds(self) -> list[int]:
        """Each waiting job's round, in the community's order."""
        rounds, candidate = [], self.first_round
        for _ in self.jobs:
            while candidate in self.used_rounds:
                candidate += 1
            rounds.append(candidate)
            candidate += 1
        return rounds

    def use_round(self, index: int) -> int:
        """The job at `index` is served: its round is used up. Returns that round."""
        served = self.rounds()[index]
        if index:
            self.used_rounds.add(served)
        else:
            self.first_round = served + 1
            while self.first_round in self.used_rounds:
                self.used_rounds.remove(self.first_round)
                self.first_round += 1
        return served


class JobQueue:
    """Fair over communities, then people; retries go first; a take holds jobs of one size."""

    def __init__(self) -> None:
        self._retries: list[PendingJob] = []  # a job the generator died on goes first
        self._communities: dict[str, _Community] = {}
        self._round = 0  # the round of the job taken last: newcomers start there
        self._last_round: dict[str, int] = {}  # community → round of its job taken last
        self._arrivals = itertools.count()
        self._line: list[PendingJob] = []  # the order, kept current (read from other threads)
        self._not_empty = asyncio.Event()

    def __len__(self) -> int:
        return len(self._line)

    def push(self, job: PendingJob, *, front: bool = False) -> int:
        """Add a job; returns its 1-based position (1 = next to run)."""
        if front:
            self._retries.insert(0, job)
        else:
            self._add(job)
        self._reorder()
        return self.position(job.job_id) or 0

    def position(self, job_id: str) -> int | None:
        for index, job in enumerate(self._line):
            if job.job_id == job_id:
                return index + 1
        return None

    def remove(self, job_id: str) -> PendingJob | None:
        job = next((job for job in self._line if job.job_id == job_id), None)
        if job is not None:
            self._take_out(job, served=False)
            self._reorder()
        return job

    def job_ids(self) -> list[str]:
        return [job.job_id for job in self._line]

    def take(
        self,
        places: Callable[[Size], int],
        *,
        starving_after: float | None = None,
        now: float | None = None,
    ) -> list[PendingJob]:
        """Jobs in line order, all of one size, as many as `places(size)` allows.

        The size is the first in line with places. A job of another size ahead in line that has
        waited longer than `starving_after` seconds stops the take there: the running size then
        drains and that job's size comes next.
        """
        now = time.monotonic() if now is None else now
        taken: list[PendingJob] = []
        size, limit = None, 0
        for job in self._line:
            if size is None and places(job.size) > 0:
                size, limit = job.size, places(job.size)
            if job.size == size:
                taken.append(job)
                if len(taken) == limit:
                    break
            elif starving_after is not None and now - job.queued_at > starving_after:
                break
        for job in taken:
            self._take_out(job, served=True)
        self._reorder()
        return taken

    def take_all(self) -> list[PendingJob]:
        """Empty the line (every job, in order)."""
        taken = list(self._line)
        for job in taken:
            self._take_out(job, served=False)
        self._reorder()
        return taken

    async def wait_for_jobs(self) -> None:
        await self._not_empty.wait()

    # --- the order --------------------------------------------------------------------------------

    def _add(self, job: PendingJob) -> None:
        community = self._communities.get(job.flow)
        if community is None:
            first = max(self._round, self._last_round.get(job.flow, -1) + 1)
            community = _Community(first, next(self._arrivals))
            self._communities[job.flow] = community
        tag = max(community.served_tag, community.next_tag.get(job.user_id, 0))
        community.next_tag[job.user_id] = tag + 1
        community.jobs.append(_Waiting(job, tag, next(self._arrivals)))
        community.jobs.sort(key=lambda waiting: (waiting.tag, waiting.arrival))

    def _take_out(self, job: PendingJob, *, served: bool) -> None:
        if job in self._retries:
            self._retries.remove(job)
            return
        community = self._communities[job.flow]
        index = next(i for i, waiting in enumerate(community.jobs) if waiting.job is job)
        if served:
            # The community had its place in this round; its next job waits for the next round.
            self._round = community.use_round(index)
            self._last_round[job.flow] = self._round
            community.served_tag = max(community.served_tag, community.jobs[index].tag)
        community.jobs.pop(index)
        if not community.jobs:
            del self._communities[job.flow]
        # A community whose last round is behind the line's would start at the line's round anyway.
        for flow in [f for f, r in self._last_round.items() if r < self._round]:
            del self._last_round[flow]

    def _reorder(self) -> None:
        ranked = sorted(
            (round_, community.activated, index, waiting.job)
            for community in self._communities.values()
            for index, (round_, waiting) in enumerate(
                zip(community.rounds(), community.jobs, strict=True)
            )
        )
        self._line = [*self._retries, *(job for *_, job in ranked)]
        if self._line:
            self._not_empty.set()
        else:
            self._not_empty.clear()
