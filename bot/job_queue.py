"""The waiting line in front of the generator: order, positions and same-size batches."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass(frozen=True)
class PendingJob:
    job_id: str
    user_id: int  # storage's user id
    size: tuple[int, int]


class JobQueue:
    """First come, first served; a batch takes the head job and later jobs of the same size."""

    def __init__(self) -> None:
        self._pending: list[PendingJob] = []
        self._not_empty = asyncio.Event()

    def __len__(self) -> int:
        return len(self._pending)

    def push(self, job: PendingJob, *, front: bool = False) -> int:
        """Add a job; returns its 1-based position (1 = next to run)."""
        if front:
            self._pending.insert(0, job)
        else:
            self._pending.append(job)
        self._not_empty.set()
        return self.position(job.job_id) or 0

    def position(self, job_id: str) -> int | None:
        for index, job in enumerate(self._pending):
            if job.job_id == job_id:
                return index + 1
        return None

    def remove(self, job_id: str) -> PendingJob | None:
        for job in self._pending:
            if job.job_id == job_id:
                self._pending.remove(job)
                self._sync_event()
                return job
        return None

    def job_ids(self) -> list[str]:
        return [job.job_id for job in self._pending]

    def take_batch(self, max_jobs: int) -> list[PendingJob]:
        """The head job plus up to `max_jobs - 1` later jobs of the same size, in queue order."""
        if not self._pending:
            return []
        size = self._pending[0].size
        batch = [job for job in self._pending if job.size == size][:max_jobs]
        taken = {job.job_id for job in batch}
        self._pending = [job for job in self._pending if job.job_id not in taken]
        self._sync_event()
        return batch

    async def wait_for_jobs(self) -> None:
        await self._not_empty.wait()

    def _sync_event(self) -> None:
        if self._pending:
            self._not_empty.set()
        else:
            self._not_empty.clear()
