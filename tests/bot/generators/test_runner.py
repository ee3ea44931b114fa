"""The generator process's running batch: jobs join and leave, pictures on disk, and failures."""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
import torch
from PIL import Image

from bot.generators.local import GeneratorConfig
from bot.generators.runner import BatchRunner, MemoryReading, StepClock, places_for_memory
from bot.generators.wire import Capacity, GeneratorJob, JobFinished, JobProgress
from generator.engine import Engine
from generator.pictures import read_recipe
from generator.settings import GeneratorSettings
from tests.bot.conftest import draw_request
from tests.generator.colour_world import colour_bundle


class SmallGPU(Engine):
    """An engine whose device holds at most `max_batch` pictures at once (batched, as on CUDA)."""

    def __init__(self, max_batch: int, progress_every: int = 2) -> None:
        super().__init__(
            colour_bundle(),
            torch.device("cpu"),
            progress_every=progress_every,
            batch_invariant=False,
        )
        self.max_batch = max_batch
        self.step_sizes: list[int] = []  # jobs in each step tried

    def _step(self, active):
        self.step_sizes.append(len(active))
        if len(active) > self.max_batch:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return super()._step(active)


def run(
    engine: Engine,
    jobs: list[GeneratorJob],
    tmp_path,
    cancelled=frozenset(),
    progress_every=10,
    batch_size=8,
) -> list:
    """Everything the runner sends while it draws `jobs`, handed over together, to the end."""
    sent: list = []
    config = GeneratorConfig(
        GeneratorSettings(), tmp_path, progress_every=progress_every, batch_size=batch_size
    )
    runner = BatchRunner(engine, config, sent.append)
    waiting = runner.admit(jobs)
    for job_id in cancelled:
        runner.cancel(job_id)
    while runner.busy or waiting:
        waiting = runner.step() + waiting
        waiting = runner.admit(waiting)
    return sent


def jobs(count: int, steps: int = 4, **fields) -> list[GeneratorJob]:
    return [
        GeneratorJob(f"job{i:04d}", draw_request("แดง", seed=i, steps=steps, **fields).to_dict())
        for i in range(count)
    ]


def finished(sent: list) -> dict[str, JobFinished]:
    return {m.job_id: m for m in sent if isinstance(m, JobFinished)}


def test_a_finished_job_leaves_a_png_with_its_recipe_and_a_small_jpeg_preview(tmp_path):
    sent = run(SmallGPU(max_batch=8), jobs(1), tmp_path)
    (result,) = finished(sent).values()
    assert result.status == "done"
    full, preview = result.pictures
    assert (full.kind, full.mime_type, full.path) == ("full", "image/png", tmp_path / "job0000.png")
    assert read_recipe(full.path)["seed"] == 0
    assert preview.mime_type == "image/jpeg"
    assert Image.open(preview.path).format == "JPEG"
    assert preview.size_bytes < 1_000_000
    assert len(full.sha256) == 64


def test_progress_messages_carry_jpeg_previews(tmp_path):
    sent = run(SmallGPU(max_batch=8), jobs(1), tmp_path)
    progress = [m for m in sent if isinstance(m, JobProgress)]
    assert [m.step for m in progress] == [2, 4]
    assert all(m.preview_jpeg.startswith(b"\xff\xd8") for m in progress)


def test_the_first_step_is_shown_at_once_then_every_few_steps_and_the_last(tmp_path):
    engine = SmallGPU(max_batch=8, progress_every=1)  # as the generator process runs it
    sent = run(engine, jobs(2, steps=25), tmp_path, progress_every=10)
    for job_id in ("job0000", "job0001"):
        steps = [m.step for m in sent if isinstance(m, JobProgress) and m.job_id == job_id]
        assert steps == [1, 10, 20, 25]


def test_progress_says_how_many_seconds_a_step_takes_on_this_device(tmp_path):
    sent = run(SmallGPU(max_batch=8, progress_every=1), jobs(1, steps=6), tmp_path)
    progress = [m for m in sent if isinstance(m, JobProgress)]
    assert all(0 < m.seconds_per_step < 10 for m in progress)


def test_the_seconds_per_step_leave_out_setting_the_batch_up_once_a_second_step_is_done():
    times = iter([100.0, 103.0, 103.5, 104.0, 108.0])  # 3 s to set up and do step 1, then 0.5 s
    clock = StepClock(now=lambda: next(times))
    assert clock.seconds_per_step(1) == 3.0  # the best guess there is yet
    assert clock.seconds_per_step(2) == 0.5
    assert clock.seconds_per_step(3) == 0.5
    assert clock.seconds_per_step(11) == 0.5


def test_running_out_of_memory_halves_the_places_instead_of_failing_everyone(tmp_path):
    engine = SmallGPU(max_batch=1)
    sent = run(engine, jobs(4), tmp_path)
    assert {m.status for m in finished(sent).values()} == {"done"}
    assert len(finished(sent)) == 4
    assert [(m.places) for m in sent if isinstance(m, Capacity)] == [2, 1]
    assert engine.step_sizes[:3] == [4, 2, 1]
    assert set(engine.step_sizes[2:]) == {1}


def test_a_single_job_too_big_for_memory_fails_with_its_reason(tmp_path):
    sent = run(SmallGPU(max_batch=0), jobs(2), tmp_path)
    assert {(m.status, m.failure) for m in finished(sent).values()} == {("failed", "out_of_memory")}


def test_an_unreadable_init_picture_fails_only_its_own_job(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a picture")
    batch = [
        GeneratorJob("bad-job1", draw_request("แดง", init_image=str(broken)).to_dict()),
        *jobs(1),
    ]
    results = finished(run(SmallGPU(max_batch=8), batch, tmp_path))
    assert (results["bad-job1"].status, results["bad-job1"].failure) == ("failed", "bad_picture")
    assert results["job0000"].status == "done"


def test_a_cancelled_job_reports_cancelled_and_leaves_no_picture(tmp_path):
    results = finished(run(SmallGPU(max_batch=8), jobs(2), tmp_path, cancelled={"job0001"}))
    assert results["job0001"].status == "cancelled"
    assert not (tmp_path / "job0001.png").exists()
    assert results["job0000"].status == "done"


def test_a_picture_that_cannot_be_saved_fails_only_its_own_job(tmp_path, caplog):
    (tmp_path / "job0001.png").mkdir()  # the picture's name is taken by a folder
    with caplog.at_level(logging.ERROR, logger="bot.generators.runner"):
        results = finished(run(SmallGPU(max_batch=8), jobs(3), tmp_path))
    failed = results["job0001"]
    assert (failed.status, failed.failure) == ("failed", "not_saved")
    assert failed.detail.startswith("IsADirectoryError")
    assert (results["job0000"].status, results["job0002"].status) == ("done", "done")
    assert "could not save the picture of job job0001" in caplog.text  # the cause, for the operator
    assert not list(tmp_path.glob("job0001*.jpg"))


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A real file system with no space left: a tiny tmpfs, filled (where the machine lets us)."""
    folder = tmp_path / "full"
    folder.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        pytest.skip("no mount command on this machine")
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        with (folder / "filler").open("wb", buffering=0) as filler, suppress(OSError):
            while True:  # until the file system says it is full
                filler.write(b"\0" * 4096)
        assert os.statvfs(folder).f_bavail == 0
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_on_a_full_disk_each_job_fails_with_its_reason_and_the_runner_carries_on(full_disk):
    results = finished(run(SmallGPU(max_batch=8), jobs(2), full_disk))
    assert {(m.status, m.failure) for m in results.values()} == {("failed", "not_saved")}
    assert all("No space left on device" in m.detail for m in results.values())
    assert sorted(path.name for path in full_disk.iterdir()) == ["filler"]  # nothing half-written


def test_a_job_joins_between_steps_and_its_result_is_sent_when_it_finishes(tmp_path):
    sent: list = []
    config = GeneratorConfig(GeneratorSettings(), tmp_path, batch_size=4)
    runner = BatchRunner(SmallGPU(max_batch=8), config, sent.append)
    long = GeneratorJob("long", draw_request("แดง", seed=1, steps=6).to_dict())
    short = GeneratorJob("short", draw_request("เขียว", seed=2, steps=2).to_dict())
    assert runner.admit([long]) == []
    runner.step()
    assert runner.admit([short]) == []
    runner.step()
    runner.step()
    assert list(finished(sent)) == ["short"]  # while `long` still runs
    while runner.busy:
        runner.step()
    assert list(finished(sent)) == ["short", "long"]


def test_a_job_of_another_size_or_beyond_the_places_waits(tmp_path):
    config = GeneratorConfig(GeneratorSettings(), tmp_path, batch_size=2)
    runner = BatchRunner(SmallGPU(max_batch=8), config, [].append)
    small = jobs(3)
    big = GeneratorJob("big", draw_request("แดง", size=128).to_dict())
    assert runner.admit([small[0], big, *small[1:]]) == [big, small[2]]


def reading(allocated=0, reserved=0, peak=0, free=0) -> MemoryReading:
    return MemoryReading(allocated=allocated, reserved=reserved, peak=peak, free=free)


GIB = 1 << 30


def test_places_are_what_free_memory_holds_of_what_one_job_needed():
    before = reading(allocated=2 * GIB)
    # Two jobs took 2 GiB more at their peak: 1 GiB each; 9 GiB could still be had.
    after = reading(allocated=2 * GIB, reserved=5 * GIB, peak=4 * GIB, free=6 * GIB)
    assert places_for_memory(64, 2, before, after) == 8  # 9 GiB × 0.9 headroom / 1 GiB
    assert places_for_memory(4, 2, before, after) == 4  # THAIDRAW_BATCH_SIZE bounds it
    crowded = reading(allocated=2 * GIB, reserved=3 * GIB, peak=4 * GIB, free=0)
    assert places_for_memory(64, 2, before, crowded) == 1  # at least one


def test_places_are_measured_once_per_size_after_its_first_step(tmp_path):
    sent: list = []
    readings = iter(
        [reading(allocated=GIB), reading(allocated=GIB, reserved=2 * GIB, peak=2 * GIB, free=GIB)]
    )
    config = GeneratorConfig(GeneratorSettings(), tmp_path, batch_size=8)
    runner = BatchRunner(SmallGPU(max_batch=8), config, sent.append, memory=lambda: next(readings))
    runner.admit(jobs(1, steps=3))
    for _ in range(3):
        runner.step()  # a second measurement would exhaust `readings`
    assert [m for m in sent if isinstance(m, Capacity)] == [Capacity(64, 64, 1)]
    assert runner.places_for((64, 64)) == 1
