"""One log line per job state change, each carrying the job's id."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.events import JobDone, JobFailed
from bot.job_log import log_job_event
from bot.service import Accepted
from tests.bot.conftest import draw_request, origin


async def test_a_jobs_life_is_logged_with_its_id_and_a_failure_with_its_detail(
    make_service, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    service, log, generators = await make_service(max_jobs_per_user=5)
    service.observe(log_job_event)
    with caplog.at_level(logging.INFO, logger="bot.jobs"):
        drawn = await service.submit(draw_request(steps=2), origin(), "/วาด คฤหาสน์")
        broken = await service.submit(draw_request(steps=2, size=80), origin(), "/วาด")
        assert isinstance(drawn, Accepted)
        assert isinstance(broken, Accepted)
        await generators.next_batch()
        generators.finish(drawn.job.id)
        await generators.next_batch()
        generators.fail(broken.job.id, "bad_picture", f"cannot read image {tmp_path}/gone.png")
        await log.wait_for(drawn.job.id, JobDone)
        await log.wait_for(broken.job.id, JobFailed)

    def lines_of(job_id: str) -> list[tuple[str, str]]:
        return [
            (record.levelname, record.getMessage())
            for record in caplog.records
            if getattr(record, "job_id", None) == job_id
        ]

    drawn_lines = lines_of(drawn.job.id)
    assert drawn_lines[0] == ("INFO", "job queued at position 1")
    assert drawn_lines[1] == ("INFO", "job started (2 steps, 64x64)")
    assert drawn_lines[2][1].startswith("job done in ")
    assert len(drawn_lines) == 3  # progress is not logged
    level, failure = lines_of(broken.job.id)[-1]
    assert level == "WARNING"
    assert failure.startswith("job failed: cannot read image ")
    assert all(record.platform == "web" for record in caplog.records if record.name == "bot.jobs")
