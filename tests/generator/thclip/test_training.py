"""Distillation as the original app did it, on real captions with a tiny random teacher."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from generator.thclip.distil import TEACHER_CACHE_FILE, distil
from generator.thclip.embedding_cache import embed_texts
from generator.thclip.metrics import distillation_scores
from generator.thclip.pairs import CaptionPair
from generator.thclip.student import WEIGHTS_FILE, build_student, load_student
from generator.thclip.training import (
    CHECKPOINT_FILE,
    LOG_FILE,
    BatchOrder,
    ResumeError,
    StepReport,
    TrainingOptions,
    split_pairs,
    train_student,
)
from generator.weights.layout import WeightsLayout

CPU = torch.device("cpu")
# A short run on 200 pairs: enough to compare an interrupted run with an uninterrupted one.
SHORT = TrainingOptions(
    steps=12, batch_size=16, head_lr=5e-3, backbone_lr=5e-3, warmup_steps=2,
    validation_fraction=0.1, validate_every=5, save_every=100, log_every=1,
)  # fmt: skip


def logged(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / LOG_FILE).read_text().splitlines()]


def test_the_training_loss_falls(trained_student: Path) -> None:
    losses = [record["loss"] for record in logged(trained_student)]
    assert len(losses) == 41  # the first step, then every 10th of the 400
    first, last = sum(losses[:3]) / 3, sum(losses[-3:]) / 3
    assert last < first / 3


def test_the_student_finds_the_english_caption_far_above_chance(
    trained_student: Path, reference_pairs: list[CaptionPair]
) -> None:
    teacher = load_file(trained_student / TEACHER_CACHE_FILE)["embeddings"]
    student = embed_texts(load_student(trained_student), [pair.thai for pair in reference_pairs])
    scores = distillation_scores(student, teacher)
    assert scores.pairs == 1000
    assert scores.recall[1] > 50 / 1000  # chance is 1 in 1000
    assert scores.recall[10] > scores.recall[1]


def run(
    smoke_layout: WeightsLayout, pairs: list[CaptionPair], out: Path, **arguments
) -> list[StepReport]:
    reports: list[StepReport] = []
    arguments.setdefault("options", SHORT)
    distil(
        pairs, smoke_layout, out, arguments.pop("options"), init="thclip",
        pooling=arguments.pop("pooling", "mean"), device=CPU, on_step=reports.append,
        **arguments,
    )  # fmt: skip
    return reports


def interrupt_at(step: int):
    def stop(report: StepReport) -> None:
        if report.step == step:
            raise KeyboardInterrupt

    return stop


def test_a_resumed_run_ends_exactly_where_an_uninterrupted_one_does(
    smoke_layout: WeightsLayout, reference_pairs: list[CaptionPair], tmp_path: Path
) -> None:
    pairs = reference_pairs[:200]
    run(smoke_layout, pairs, tmp_path / "straight")

    interrupted = tmp_path / "interrupted"
    with pytest.raises(KeyboardInterrupt):
        distil(pairs, smoke_layout, interrupted, SHORT, init="thclip", pooling="mean",
               device=CPU, on_step=interrupt_at(7))  # fmt: skip
    assert torch.load(interrupted / CHECKPOINT_FILE, weights_only=True)["step"] == 7
    assert not (interrupted / WEIGHTS_FILE).exists()

    resumed = run(smoke_layout, pairs, interrupted, resume=True)

    assert [report.step for report in resumed] == list(range(8, 13))
    straight = load_file(tmp_path / "straight" / WEIGHTS_FILE)
    continued = load_file(interrupted / WEIGHTS_FILE)
    assert straight.keys() == continued.keys()
    for name, tensor in straight.items():
        assert torch.equal(tensor, continued[name]), name
    assert [record["step"] for record in logged(interrupted)] == list(range(1, 13))


def test_validation_scores_the_held_out_pairs(
    smoke_layout: WeightsLayout, reference_pairs: list[CaptionPair], tmp_path: Path
) -> None:
    reports = run(smoke_layout, reference_pairs[:200], tmp_path / "run")
    validated = [report for report in reports if report.validation is not None]
    assert [report.step for report in validated] == [5, 10, 12]
    assert all(report.validation.pairs == 20 for report in validated)
    card = json.loads((tmp_path / "run" / "thclip.json").read_text())
    assert card["validation"]["pairs"] == 20
    assert card["pair_count"] == 200


def test_a_finished_run_is_not_overwritten_without_resume(
    smoke_layout: WeightsLayout, reference_pairs: list[CaptionPair], tmp_path: Path
) -> None:
    run(smoke_layout, reference_pairs[:100], tmp_path / "run")
    with pytest.raises(
        ResumeError, match="already holds a training run; continue it with --resume"
    ):
        run(smoke_layout, reference_pairs[:100], tmp_path / "run")


def test_resuming_with_other_settings_is_refused(
    smoke_layout: WeightsLayout, reference_pairs: list[CaptionPair], tmp_path: Path
) -> None:
    run(smoke_layout, reference_pairs[:100], tmp_path / "run")
    with pytest.raises(ResumeError, match="pooling was 'mean', now 'cls'"):
        run(smoke_layout, reference_pairs[:100], tmp_path / "run", resume=True, pooling="cls")
    with pytest.raises(ResumeError, match="pairs was"):
        run(smoke_layout, reference_pairs[:90], tmp_path / "run", resume=True)


def test_resuming_needs_a_checkpoint(
    smoke_layout: WeightsLayout, reference_pairs: list[CaptionPair], tmp_path: Path
) -> None:
    with pytest.raises(ResumeError, match=r"no checkpoint\.pt to resume from"):
        run(smoke_layout, reference_pairs[:100], tmp_path / "new", resume=True)


def test_each_epoch_shows_every_training_pair_once_and_never_a_held_out_one() -> None:
    split = split_pairs(103, 0.1, seed=5)
    assert len(split.validation) == 10
    order = BatchOrder(split.train, batch_size=31, seed=5)
    seen = torch.cat([order.batch(k) for k in range(6)])  # 186 = two epochs of 93
    first, second = seen[:93], seen[93:]
    assert sorted(first.tolist()) == sorted(split.train.tolist())
    assert sorted(second.tolist()) == sorted(split.train.tolist())
    assert not torch.equal(first, second)  # each epoch is shuffled anew


def test_the_same_batch_number_always_gives_the_same_batch() -> None:
    split = split_pairs(50, 0.2, seed=1)
    assert torch.equal(split.validation, split_pairs(50, 0.2, seed=1).validation)
    late = BatchOrder(split.train, batch_size=7, seed=1).batch(12)
    order = BatchOrder(split.train, batch_size=7, seed=1)
    for k in range(12):
        order.batch(k)
    assert torch.equal(order.batch(12), late)


def test_accumulated_small_batches_make_the_gradient_of_one_large_batch(
    smoke_layout: WeightsLayout, reference_pairs: list[CaptionPair], tmp_path: Path
) -> None:
    thai = [pair.thai for pair in reference_pairs[:64]]
    targets = torch.randn(64, 512, generator=torch.Generator().manual_seed(0))

    def first_gradients(batch_size: int, accumulate: int) -> list[torch.Tensor]:
        """After one AdamW step the first moment is 0.1 × the gradient."""
        student = build_student(smoke_layout, "thclip", "mean")
        for module in student.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0  # so that both runs make the same forward passes
        options = TrainingOptions(
            steps=1, batch_size=batch_size, accumulate=accumulate, validation_fraction=0.0
        )
        run_dir = tmp_path / f"{batch_size}x{accumulate}"
        train_student(student, thai, targets, options, run_dir=run_dir, device=CPU, run_identity={})
        state = torch.load(run_dir / CHECKPOINT_FILE, weights_only=True)["optimizer"]["state"]
        return [state[index]["exp_avg"] / 0.1 for index in sorted(state)]

    large, accumulated = first_gradients(16, 1), first_gradients(8, 2)
    assert len(large) == len(accumulated) > 0
    for one, other in zip(large, accumulated, strict=True):
        torch.testing.assert_close(other, one, atol=1e-6, rtol=1e-4)
