"""What storage raises when asked for something the database cannot do."""

from __future__ import annotations


class StorageError(Exception):
    """Base of storage's own errors."""


class JobNotFound(StorageError, LookupError):
    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job with id {job_id!r}")
        self.job_id = job_id


class InvalidTransition(StorageError):
    """A status change the job lifecycle does not allow (e.g. a finished job marked running)."""

    def __init__(self, job_id: str, current: str, wanted: str) -> None:
        super().__init__(f"job {job_id} is {current}; it cannot become {wanted}")
        self.job_id = job_id
        self.current = current
        self.wanted = wanted
