"""EngineRun: jobs join a running batch and leave it between steps, without changing a pixel."""

from __future__ import annotations

import pytest
import torch

from generator.engine import Engine, EngineJob, EngineRun
from generator.request import DrawRequest, WeightedPrompt
from generator.weights.layout import WeightsLayout
from generator.weights.loading import load_models
from tests.generator.colour_world import colour_bundle
from tests.generator.test_engine import request

CPU = torch.device("cpu")


@pytest.fixture
def engine() -> Engine:
    return Engine(colour_bundle(), CPU, progress_every=1)


@pytest.fixture(scope="module")
def smoke_engine(smoke_layout: WeightsLayout) -> Engine:
    return Engine(load_models(smoke_layout, kind="smoke", device=CPU), CPU)


def smoke_request(prompt: str, seed: int, steps: int) -> DrawRequest:
    return DrawRequest(
        prompts=(WeightedPrompt(prompt, 1.0),), steps=steps, width=32, height=32, seed=seed, cutn=2
    )


def run_steps(run: EngineRun, steps: int) -> list:
    finished = []
    for _ in range(steps):
        finished.extend(run.step())
    return finished


def test_a_job_that_joins_half_way_gives_the_bytes_it_gives_alone(smoke_engine):
    joiner = smoke_request("แมวน้ำ ใต้ทะเล", seed=11, steps=4)
    (alone,) = smoke_engine.draw([EngineJob(joiner)])
    run = EngineRun(smoke_engine)
    run.add([("first", EngineJob(smoke_request("คฤหาสน์ แฟนตาซี", seed=3, steps=6)))])
    run.add([("second", EngineJob(smoke_request("ภูเขา", seed=5, steps=3)))])
    run_steps(run, 2)
    run.add([("joiner", EngineJob(joiner))])
    finished = {result.key: result for result in run_steps(run, 5)}
    assert finished["joiner"].image.tobytes() == alone.image.tobytes()
    assert finished["joiner"].steps_done == 4


def test_the_jobs_already_running_are_not_changed_by_a_joiner(smoke_engine):
    first = smoke_request("คฤหาสน์", seed=3, steps=5)
    (alone,) = smoke_engine.draw([EngineJob(first)])
    run = EngineRun(smoke_engine)
    run.add([("first", EngineJob(first))])
    run_steps(run, 2)
    run.add([("joiner", EngineJob(smoke_request("ทะเล", seed=8, steps=9)))])
    (result,) = [r for r in run_steps(run, 3) if r.key == "first"]
    assert result.image.tobytes() == alone.image.tobytes()


def test_a_batch_started_together_gives_each_job_its_picture_alone(smoke_engine):
    one, two = smoke_request("แมว", seed=1, steps=3), smoke_request("หมาป่า ใหญ่", seed=2, steps=3)
    together = smoke_engine.draw([EngineJob(one), EngineJob(two)])
    alone = [smoke_engine.draw([EngineJob(r)])[0] for r in (one, two)]
    assert [r.image.tobytes() for r in together] == [r.image.tobytes() for r in alone]


def test_a_finished_job_leaves_at_the_step_it_finishes(engine):
    run = EngineRun(engine)
    run.add([("short", EngineJob(request("แดง", steps=2))), ("long", EngineJob(request("เขียว")))])
    assert run.step() == []
    (short,) = run.step()
    assert (short.key, short.status, short.steps_done) == ("short", "done", 2)
    assert run.job_keys() == ["long"]


def test_a_cancelled_job_leaves_at_once_without_a_picture(engine):
    run = EngineRun(engine)
    run.add([("a", EngineJob(request("แดง"))), ("b", EngineJob(request("เขียว")))])
    run_steps(run, 3)
    cancelled = run.cancel("b")
    assert (cancelled.status, cancelled.steps_done, cancelled.image) == ("cancelled", 3, None)
    assert run.job_keys() == ["a"]


def test_a_leaving_job_takes_its_adam_state_with_it(engine):
    run = EngineRun(engine)
    run.add([("a", EngineJob(request("แดง", steps=2))), ("b", EngineJob(request("เขียว")))])
    run_steps(run, 2)
    optimizer = run._optimizer
    assert optimizer is not None
    assert len(optimizer.param_groups) == len(optimizer.state) == 1


def test_a_run_that_empties_takes_jobs_of_another_size(engine):
    run = EngineRun(engine)
    run.add([("small", EngineJob(request("แดง", steps=1)))])
    run.step()
    assert run.size is None
    run.add([("big", EngineJob(request("แดง", steps=1, width=128)))])
    assert run.size == (128, 64)


def test_a_joiner_of_another_size_is_refused_while_the_run_has_jobs(engine):
    run = EngineRun(engine)
    run.add([("small", EngineJob(request("แดง")))])
    with pytest.raises(ValueError, match="one size"):
        run.add([("big", EngineJob(request("แดง", width=128)))])
    assert run.job_keys() == ["small"]


def test_a_key_already_running_is_refused(engine):
    run = EngineRun(engine)
    run.add([("a", EngineJob(request("แดง")))])
    with pytest.raises(ValueError, match="new and distinct"):
        run.add([("a", EngineJob(request("เขียว")))])


def test_progress_names_each_job_by_its_key(engine):
    updates = []
    run = EngineRun(engine, on_progress=updates.append)
    run.add([("x", EngineJob(request("แดง", steps=2)))])
    run_steps(run, 2)
    assert [(u.key, u.step) for u in updates] == [("x", 1), ("x", 2)]
