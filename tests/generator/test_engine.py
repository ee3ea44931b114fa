"""The engine's loop, in a colour world where guidance is easy to see."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from generator.engine import Engine, EngineJob
from generator.request import DrawRequest, WeightedPrompt
from tests.generator.colour_world import COLOURS, colour_bundle, mean_colour

CPU = torch.device("cpu")


def request(*prompts: str, negatives: tuple[str, ...] = (), **fields) -> DrawRequest:
    fields.setdefault("steps", 30)
    fields.setdefault("width", 64)
    fields.setdefault("height", 64)
    fields.setdefault("seed", 7)
    fields.setdefault("aesthetic_weight", 0.0)
    return DrawRequest(
        prompts=tuple(WeightedPrompt(p, 1.0) for p in prompts),
        negatives=tuple(WeightedPrompt(n, 1.0) for n in negatives),
        **fields,
    )


def distance_to(image: Image.Image, colour: str) -> float:
    return float((mean_colour(image) - torch.tensor(COLOURS[colour])).norm())


def draw_one(engine: Engine, job_request: DrawRequest, **kwargs):
    (result,) = engine.draw([EngineJob(job_request)], **kwargs)
    return result


@pytest.fixture
def engine() -> Engine:
    return Engine(colour_bundle(), CPU, progress_every=5)


def test_the_picture_moves_toward_the_prompt(engine):
    before = draw_one(engine, request("แดง", steps=1)).image
    after = draw_one(engine, request("แดง", steps=40)).image
    assert distance_to(after, "แดง") < distance_to(before, "แดง") - 0.2


def test_a_negative_prompt_pushes_the_picture_away(engine):
    plain = draw_one(engine, request("ขาว", steps=40)).image
    pushed = draw_one(engine, request("ขาว", negatives=("แดง",), steps=40)).image
    assert distance_to(pushed, "แดง") > distance_to(plain, "แดง") + 0.05


def test_a_positive_aesthetic_weight_raises_the_aesthetic_score(engine):
    def brightness(weight: float) -> float:
        result = draw_one(engine, request("แดง", steps=40, aesthetic_weight=weight))
        return float(mean_colour(result.image).sum())

    assert brightness(2.0) > brightness(0.0) + 0.2


def test_a_target_image_pulls_the_picture_toward_it(engine):
    blue = Image.new("RGB", (64, 64), (0, 0, 255))
    free = draw_one(engine, request("ดำ", steps=40)).image
    (targeted,) = engine.draw(
        [EngineJob(request("ดำ", steps=40, target_weight=3.0), target_image=blue)]
    )
    assert distance_to(targeted.image, "น้ำเงิน") < distance_to(free, "น้ำเงิน") - 0.2


def test_an_init_image_is_the_starting_point(engine):
    green = Image.new("RGB", (64, 64), (0, 255, 0))
    (result,) = engine.draw([EngineJob(request("แดง", steps=1), init_image=green)])
    assert distance_to(result.image, "เขียว") < 0.3


def test_the_same_request_and_seed_give_identical_pixels(engine):
    first = draw_one(engine, request("แดง", "เขียว", steps=12, seed=3)).image
    second = draw_one(engine, request("แดง", "เขียว", steps=12, seed=3)).image
    assert first.tobytes() == second.tobytes()


def test_different_seeds_give_different_pictures(engine):
    one = draw_one(engine, request("แดง", steps=2, seed=1)).image
    two = draw_one(engine, request("แดง", steps=2, seed=2)).image
    assert one.tobytes() != two.tobytes()


def test_a_request_without_seed_gets_one_and_reports_it(engine):
    result = draw_one(engine, request("แดง", steps=1, seed=None))
    assert isinstance(result.request.seed, int)


def test_each_job_in_a_batch_follows_its_own_prompt_and_seed(engine):
    jobs = [
        EngineJob(request("แดง", seed=1)),
        EngineJob(request("น้ำเงิน", seed=2)),
        EngineJob(request("แดง", seed=3)),
    ]
    red, blue, red_again = engine.draw(jobs)
    assert [r.key for r in (red, blue, red_again)] == [0, 1, 2]
    assert distance_to(red.image, "แดง") < distance_to(red.image, "น้ำเงิน")
    assert distance_to(blue.image, "น้ำเงิน") < distance_to(blue.image, "แดง")
    assert red.image.tobytes() != red_again.image.tobytes()


def test_a_jobs_picture_does_not_depend_on_its_batch_mates(engine):
    alone = draw_one(engine, request("แดง", seed=1, steps=10)).image
    together, _ = engine.draw(
        [EngineJob(request("แดง", seed=1, steps=10)), EngineJob(request("เขียว", seed=9))]
    )
    assert together.image.tobytes() == alone.tobytes()


def test_all_cutouts_of_a_batch_go_through_one_image_encoder_call_per_step():
    engine = Engine(colour_bundle(), CPU, batch_invariant=False)  # as on CUDA
    encoder = engine.models.image_encoder
    encoder.calls = 0
    engine.draw([EngineJob(request("แดง", steps=6)), EngineJob(request("เขียว", steps=6))])
    assert encoder.calls == 6


def test_jobs_with_different_step_counts_finish_at_their_own_count(engine):
    short, long = engine.draw(
        [EngineJob(request("แดง", steps=3)), EngineJob(request("เขียว", steps=8))]
    )
    assert (short.steps_done, long.steps_done) == (3, 8)
    assert short.status == long.status == "done"


def test_progress_arrives_every_few_steps_with_a_small_preview(engine):
    updates = []
    draw_one(engine, request("แดง", steps=12), on_progress=updates.append)
    assert [u.step for u in updates] == [5, 10, 12]
    assert all(u.total == 12 and max(u.preview().size) <= engine.preview_size for u in updates)


def test_a_cancelled_job_stops_between_steps_and_the_others_carry_on(engine):
    steps_seen = {0: 0, 1: 0}

    def count(update):
        steps_seen[update.key] = update.step

    def cancel_second_after_five(index: int) -> bool:
        return index == 1 and steps_seen[1] >= 5

    kept, cancelled = engine.draw(
        [EngineJob(request("แดง", steps=12)), EngineJob(request("เขียว", steps=12))],
        on_progress=count,
        is_cancelled=cancel_second_after_five,
    )
    assert (kept.status, kept.steps_done) == ("done", 12)
    assert (cancelled.status, cancelled.steps_done, cancelled.image) == ("cancelled", 5, None)


def test_frozen_models_never_accumulate_parameter_gradients(engine):
    draw_one(engine, request("แดง", steps=3))
    parameters = [p for module in engine.models.modules() for p in module.parameters()]
    assert parameters
    assert all(p.grad is None and not p.requires_grad for p in parameters)


def test_a_batch_of_different_sizes_is_refused(engine):
    with pytest.raises(ValueError, match="one size"):
        engine.draw([EngineJob(request("แดง")), EngineJob(request("แดง", width=128))])
