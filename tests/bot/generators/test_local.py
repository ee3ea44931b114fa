"""LocalGenerators: the real generator process (smoke models, real SQLite) under the service.

Most service behaviour is tested without a process (tests/bot/test_service.py); these tests keep
what only the real process can show: pictures, progress, cancel between steps, a real death, a
folder it cannot write to, and a parent that dies under it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from bot import messages
from bot.events import JobCancelled, JobDone, JobFailed, JobProgressed, JobStarted
from bot.generators import GeneratorDied
from bot.generators.local import GeneratorConfig, LocalGenerators
from bot.generators.wire import GeneratorJob, JobFinished
from bot.service import Accepted
from generator.pictures import read_recipe
from generator.settings import GeneratorSettings
from tests.bot.conftest import draw_request, origin
from tests.bot.running_bot import is_running, wait_until


async def submit(service, request, who="alice") -> Accepted:
    outcome = await service.submit(request, origin(who), "/วาด คฤหาสน์")
    assert isinstance(outcome, Accepted), outcome
    return outcome


# The same end-to-end tests on both implementations: this machine's generator process, and a GPU
# worker behind NATS (progress a worker sends before the bot has recorded that it took the job
# is not shown: the bot cannot yet say whose it is).
DRAWING = ["local", pytest.param("nats", marks=pytest.mark.nats)]


@pytest.mark.parametrize("drawing", DRAWING)
async def test_a_picture_comes_back_after_its_events_in_order(make_service, drawing):
    service, log, _ = await make_service(**{drawing: True})
    accepted = await submit(service, draw_request(steps=5, seed=9))
    done = await log.wait_for(accepted.job.id, JobDone)
    progress = [e for e in log.of(accepted.job.id) if isinstance(e, JobProgressed)]
    assert log.kinds(accepted.job.id) == ["JobQueued", "JobStarted"] + ["JobProgressed"] * len(
        progress
    ) + ["JobDone"]
    steps = [e.step for e in progress]
    assert steps == [1, 2, 3, 4, 5] if drawing == "local" else steps == sorted(steps)[-5:]
    assert steps[-1] == 5
    assert progress[0].preview_jpeg.startswith(b"\xff\xd8")  # a JPEG
    assert Image.open(done.image_path).size == (64, 64)
    assert Image.open(done.preview_path).format == "JPEG"
    assert read_recipe(done.image_path)["seed"] == 9
    stored = await service.job(accepted.job.id)
    assert {image.kind for image in stored.images} == {"full", "preview"}
    assert stored.model_versions["kind"] == "smoke"


@pytest.mark.parametrize("drawing", DRAWING)
async def test_a_running_job_is_stopped_between_steps(make_service, drawing):
    service, log, _ = await make_service(**{drawing: True})
    accepted = await submit(service, draw_request(steps=400))
    await log.wait_for(accepted.job.id, JobProgressed, count=2)
    assert await service.cancel(origin("alice")) == messages.cancelling(accepted.job.id)
    await log.wait_for(accepted.job.id, JobCancelled)
    steps = [e.step for e in log.of(accepted.job.id) if isinstance(e, JobProgressed)]
    assert steps[-1] < 400
    assert (await service.job(accepted.job.id)).status == "cancelled"


async def test_a_job_joins_the_running_batch_leaves_with_its_picture_and_the_other_is_cancelled(
    make_service,
):
    service, log, _ = await make_service(local=True)
    long = await submit(service, draw_request(steps=400), who="alice")
    await log.wait_for(long.job.id, JobProgressed, count=2)
    short = await submit(service, draw_request(steps=3, seed=5), who="bob")
    done = await log.wait_for(short.job.id, JobDone)  # while the long one still runs
    assert read_recipe(done.image_path)["steps_done"] == 3
    assert (await service.job(long.job.id)).status == "running"
    await service.cancel(origin("alice"))
    await log.wait_for(long.job.id, JobCancelled)
    steps = [e.step for e in log.of(long.job.id) if isinstance(e, JobProgressed)]
    assert steps[-1] < 400


@pytest.mark.parametrize("drawing", DRAWING)
async def test_a_waiting_job_is_cancelled_before_it_is_drawn(make_service, drawing):
    service, log, _ = await make_service(**{drawing: True})
    running = await submit(service, draw_request(steps=400))
    waiting = await submit(service, draw_request(steps=2, size=48), who="bob")
    await log.wait_for(running.job.id, JobProgressed)
    assert await service.position(waiting.job.id) == 1
    assert await service.cancel(origin("bob")) == messages.cancelled(waiting.job.id)
    await log.wait_for(waiting.job.id, JobCancelled)
    assert await service.position(waiting.job.id) is None
    assert log.kinds(waiting.job.id) == ["JobQueued", "JobCancelled"]


async def test_a_job_the_process_dies_on_is_retried_once_then_failed_with_a_message(
    make_service,
):
    service, log, generators = await make_service(local=True)
    accepted = await submit(service, draw_request(steps=400))
    for attempt in (1, 2):
        await log.wait_for(accepted.job.id, JobProgressed, count=2 * attempt)
        os.kill(generators.pid, signal.SIGKILL)
        if attempt == 1:
            await log.wait_for(accepted.job.id, JobStarted, count=2)
            assert (await service.job(accepted.job.id)).attempts == 1
    failed = await log.wait_for(accepted.job.id, JobFailed)
    assert failed.reason == messages.GENERATOR_CRASHED
    assert (await service.job(accepted.job.id)).status == "failed"
    assert generators.status().restarts >= 1

    after = await submit(service, draw_request(steps=2), who="bob")  # the new process works
    await log.wait_for(after.job.id, JobDone)


async def test_a_picture_that_cannot_be_saved_fails_alone_and_the_process_lives_on(
    make_service, tmp_path
):
    service, log, generators = await make_service(local=True)
    first = await submit(service, draw_request(steps=1))
    await log.wait_for(first.job.id, JobDone)
    pid = generators.pid

    images = tmp_path / "images"
    images.rename(tmp_path / "images-away")
    images.write_text("a file where the pictures folder was")
    lost = await submit(service, draw_request(steps=1))
    failed = await log.wait_for(lost.job.id, JobFailed)
    assert failed.reason == messages.failure_reason("not_saved")
    assert str(images) in (await service.job(lost.job.id)).error  # the cause, for the operator

    images.unlink()
    (tmp_path / "images-away").rename(images)
    after = await submit(service, draw_request(steps=1), who="bob")
    await log.wait_for(after.job.id, JobDone)
    assert (generators.pid, generators.status().restarts) == (pid, 0)  # the same process


async def test_ctrl_c_from_the_very_start_never_reaches_the_process(tmp_path, smoke_settings):
    generators = LocalGenerators(GeneratorConfig(smoke_settings, tmp_path / "images"))
    updates: list = []
    finished = asyncio.Event()

    def on_update(update) -> None:
        updates.append(update)
        if isinstance(update, JobFinished):
            finished.set()

    starting = asyncio.create_task(generators.start(on_update))
    await asyncio.sleep(0)  # start() spawns the process before its first wait
    assert generators.pid is not None
    while not starting.done():  # Ctrl-C, again and again, from its first instant to its models
        os.kill(generators.pid, signal.SIGINT)
        await asyncio.sleep(0.05)
    await starting
    os.kill(generators.pid, signal.SIGINT)
    generators.submit([GeneratorJob("job1", draw_request(steps=2).with_seed().to_dict())])
    await asyncio.wait_for(finished.wait(), 60)
    assert [u.status for u in updates if isinstance(u, JobFinished)] == ["done"]
    assert await generators.stop(grace_seconds=30) == []
    assert generators.status().restarts == 0


async def test_jobs_handed_to_a_process_that_just_died_are_named_in_its_death(
    tmp_path, smoke_settings
):
    generators = LocalGenerators(GeneratorConfig(smoke_settings, tmp_path / "images"))
    deaths: list[GeneratorDied] = []
    noticed = asyncio.Event()

    def on_update(update) -> None:
        if isinstance(update, GeneratorDied):
            deaths.append(update)
            noticed.set()

    await generators.start(on_update)
    os.kill(generators.pid, signal.SIGKILL)
    # Dead, and the event loop (blocked here on purpose) has not seen it: the pipe is broken and
    # nobody knows yet. WNOWAIT leaves the process for multiprocessing to reap.
    os.waitid(os.P_PID, generators.pid, os.WEXITED | os.WNOWAIT)  # noqa: ASYNC222
    generators.submit([GeneratorJob("job1", draw_request(steps=2).with_seed().to_dict())])
    await asyncio.wait_for(noticed.wait(), 30)
    assert [death.unfinished_job_ids for death in deaths] == [["job1"]]


PARENT = """
import asyncio, sys
from pathlib import Path
from bot.generators import GeneratorDied
from bot.generators.local import GeneratorConfig, LocalGenerators
from bot.generators.wire import GeneratorJob, JobProgress
from generator.request import DrawRequest, WeightedPrompt
from generator.settings import GeneratorSettings

async def main(weights, images, when):
    settings = GeneratorSettings(
        THAIDRAW_MODELS="smoke", THAIDRAW_WEIGHTS_DIR=weights, THAIDRAW_DEVICE="cpu"
    )
    generators = LocalGenerators(GeneratorConfig(settings, Path(images), progress_every=1))
    drawing = asyncio.Event()

    def on_update(update):
        if isinstance(update, JobProgress):
            drawing.set()

    starting = asyncio.create_task(generators.start(on_update))
    while generators.pid is None:
        await asyncio.sleep(0.01)
    if when == "drawing":
        await starting
        prompts = (WeightedPrompt("แดง", 1.0),)
        request = DrawRequest(prompts, steps=9999, width=64, height=64, cutn=2)
        job = GeneratorJob("job1", request.with_seed().to_dict())
        generators.submit([job])
        await drawing.wait()
    print(generators.pid, flush=True)
    await asyncio.sleep(3600)

asyncio.run(main(*sys.argv[1:]))
"""


@pytest.mark.parametrize("when", ["loading", "drawing"])
def test_the_process_exits_by_itself_when_its_parent_is_killed(
    tmp_path: Path, smoke_settings: GeneratorSettings, when: str
) -> None:
    stderr_path = tmp_path / "parent.log"
    with stderr_path.open("wb") as stderr:
        parent = subprocess.Popen(
            [sys.executable, "-c", PARENT, str(smoke_settings.weights_dir), str(tmp_path), when],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            cwd=tmp_path,
        )
    assert parent.stdout is not None
    child = int(parent.stdout.readline() or 0)
    assert child, stderr_path.read_text()
    parent.kill()
    parent.wait()
    assert wait_until(lambda: not is_running(child), timeout=10)
    log = stderr_path.read_text()
    assert "the serving process is gone; the generator process exits" in log
    assert "Traceback" not in log
