"""The distillation loop: the student learns to put each Thai caption where the teacher puts its
English one (MSE), as the original app trained ThCLIP.

A run lives in one folder: `checkpoint.pt` (everything needed to resume, saved every
`save_every` steps, when interrupted and at the end), `training_log.jsonl` (loss and
validation scores) and, at the end, the student itself (see student.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from transformers import get_cosine_schedule_with_warmup

from generator.models.thclip import ThCLIPTextEncoder
from generator.thclip.embedding_cache import embed_texts
from generator.thclip.metrics import DistillationScores, distillation_scores

CHECKPOINT_FILE = "checkpoint.pt"
LOG_FILE = "training_log.jsonl"


class ResumeError(ValueError):
    """A run that cannot be resumed as asked; the message says why."""


@dataclass(frozen=True)
class TrainingOptions:
    """How to train. The learning rates and weight decay are the original app's."""

    steps: int = 2000  # optimiser steps
    batch_size: int = 32  # pairs per forward pass
    accumulate: int = 1  # forward passes per optimiser step
    head_lr: float = 1e-3
    backbone_lr: float = 1e-5
    weight_decay: float = 1e-3  # on the head, as the original app
    warmup_steps: int = 100  # linear warm-up, then cosine decay to zero at `steps`
    validation_fraction: float = 0.05
    validate_every: int = 200
    save_every: int = 500
    log_every: int = 10
    seed: int = 42

    # Changing these mid-run would change what is being trained; the others may differ on resume.
    FIXED_ON_RESUME = (
        "batch_size",
        "accumulate",
        "head_lr",
        "backbone_lr",
        "weight_decay",
        "warmup_steps",
        "validation_fraction",
        "seed",
    )

    def __post_init__(self) -> None:
        for name in (
            "steps",
            "batch_size",
            "accumulate",
            "validate_every",
            "save_every",
            "log_every",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if not 0 <= self.validation_fraction < 1:
            raise ValueError("validation_fraction must be in [0, 1)")


@dataclass(frozen=True)
class StepReport:
    """Sent after every optimiser step; `validation` only on validation steps."""

    step: int
    total: int
    loss: float
    learning_rate: float  # the head's
    validation: DistillationScores | None = None


@dataclass
class TrainingSummary:
    steps: int
    resumed_from: int
    losses: list[tuple[int, float]] = field(default_factory=list)  # (step, loss) of this session
    validation: DistillationScores | None = None


@dataclass(frozen=True)
class Split:
    """Which pairs train and which only validate (fixed by the seed, the same on resume)."""

    train: torch.Tensor
    validation: torch.Tensor


def split_pairs(count: int, fraction: float, seed: int) -> Split:
    if count < 2:
        raise ValueError("distillation needs at least two caption pairs")
    held_out = min(round(count * fraction), count - 1)
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed))
    return Split(train=order[held_out:].sort().values, validation=order[:held_out].sort().values)


class BatchOrder:
    """Micro-batch k of an endless run of shuffled epochs; the same k always gives the same
    batch, so a resumed run sees exactly the pairs it would have seen."""

    def __init__(self, indices: torch.Tensor, batch_size: int, seed: int) -> None:
        self.indices = indices
        self.batch_size = batch_size
        self.seed = seed
        self._epochs: dict[int, torch.Tensor] = {}

    def batch(self, k: int) -> torch.Tensor:
        count = len(self.indices)
        positions = torch.arange(k * self.batch_size, (k + 1) * self.batch_size)
        epochs = positions // count
        return torch.cat(
            [
                self._epoch(epoch)[positions[epochs == epoch] % count]
                for epoch in epochs.unique().tolist()
            ]
        )

    def _epoch(self, epoch: int) -> torch.Tensor:
        if epoch not in self._epochs:
            # Batches move forward, so only the previous epoch can still be asked for.
            self._epochs = {e: o for e, o in self._epochs.items() if e == epoch - 1}
            generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            shuffled = torch.randperm(len(self.indices), generator=generator)
            self._epochs[epoch] = self.indices[shuffled]
        return self._epochs[epoch]


def train_student(
    student: ThCLIPTextEncoder,
    thai: Sequence[str],
    targets: torch.Tensor,
    options: TrainingOptions,
    *,
    run_dir: Path,
    device: torch.device,
    run_identity: dict[str, Any],
    resume: bool = False,
    on_step: Callable[[StepReport], None] | None = None,
) -> TrainingSummary:
    """Train `student` in place so that student(thai[i]) ≈ targets[i].

    `run_identity` names what is trained (pairs, teacher, init, pooling); resuming checks it and
    the options in FIXED_ON_RESUME against the checkpoint. On KeyboardInterrupt the last finished
    step is saved before the interrupt goes on.
    """
    if len(thai) != len(targets):
        raise ValueError(f"{len(thai)} captions but {len(targets)} target embeddings")
    checkpoint = run_dir / CHECKPOINT_FILE
    if checkpoint.exists() and not resume:
        raise ResumeError(
            f"{run_dir} already holds a training run; continue it with --resume "
            "or choose another --out"
        )
    if resume and not checkpoint.exists():
        raise ResumeError(f"{run_dir} holds no {CHECKPOINT_FILE} to resume from")
    split = split_pairs(len(thai), options.validation_fraction, options.seed)
    order = BatchOrder(split.train, options.batch_size, options.seed)
    identity = {
        **run_identity,
        **{name: getattr(options, name) for name in options.FIXED_ON_RESUME},
    }
    run = _Optimisation(student.to(device).train(), options, device)
    step = run.restore(checkpoint, identity) if resume else 0
    summary = TrainingSummary(steps=step, resumed_from=step)
    run_dir.mkdir(parents=True, exist_ok=True)
    log = (run_dir / LOG_FILE).open("a", encoding="utf-8")
    try:
        while summary.steps < options.steps:
            micro_batches = range(
                summary.steps * options.accumulate, (summary.steps + 1) * options.accumulate
            )
            loss = run.step([order.batch(k) for k in micro_batches], thai, targets)
            summary.steps += 1
            summary.losses.append((summary.steps, loss))
            validation = None
            if len(split.validation) and (
                summary.steps % options.validate_every == 0 or summary.steps == options.steps
            ):
                validation = summary.validation = validate(student, thai, targets, split.validation)
            report = StepReport(summary.steps, options.steps, loss, run.learning_rate, validation)
            if (
                summary.steps % options.log_every == 0
                or summary.steps == summary.resumed_from + 1  # where this session began
                or validation is not None
            ):
                log.write(json.dumps(_log_record(report)) + "\n")
                log.flush()
            if summary.steps % options.save_every == 0 and summary.steps < options.steps:
                run.save(checkpoint, identity, summary.steps)
            if on_step is not None:
                on_step(report)
    except KeyboardInterrupt:
        run.save(checkpoint, identity, summary.steps)
        raise
    finally:
        log.close()
    run.save(checkpoint, identity, summary.steps)
    student.eval()
    return summary


def validate(
    student: ThCLIPTextEncoder, thai: Sequence[str], targets: torch.Tensor, indices: torch.Tensor
) -> DistillationScores:
    """Scores of the held-out pairs (retrieval among them only); the student is left training."""
    predicted = embed_texts(student, [thai[index] for index in indices.tolist()], batch_size=128)
    return distillation_scores(predicted, targets[indices])


class _Optimisation:
    """The optimiser, the learning-rate schedule and the loss scaling of one run, and the
    checkpoint that keeps them (with the student and the random state) between sessions."""

    def __init__(
        self, student: ThCLIPTextEncoder, options: TrainingOptions, device: torch.device
    ) -> None:
        self.student = student
        self.device = device
        # Two learning rates, as the original app: the pretrained backbone moves slowly.
        self.optimizer = torch.optim.AdamW(
            [
                {
                    "params": student.text_encoder.parameters(),
                    "lr": options.backbone_lr,
                    "weight_decay": 0.0,
                },
                {
                    "params": student.text_projection.parameters(),
                    "lr": options.head_lr,
                    "weight_decay": options.weight_decay,
                },
            ]
        )
        self.scheduler = get_cosine_schedule_with_warmup(
            self.optimizer, options.warmup_steps, options.steps
        )
        # bfloat16 where the GPU has it, float16 with loss scaling on older GPUs, none on a CPU.
        self.autocast_dtype = None
        if device.type == "cuda":
            self.autocast_dtype = (
                torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            )
        self.scaler = torch.amp.GradScaler(
            device.type, enabled=self.autocast_dtype == torch.float16
        )

    @property
    def learning_rate(self) -> float:
        """The head's learning rate now."""
        return self.scheduler.get_last_lr()[1]

    def step(
        self, batches: list[torch.Tensor], thai: Sequence[str], targets: torch.Tensor
    ) -> float:
        """One optimiser step over the micro-batches (gradients accumulated); the mean loss."""
        self.optimizer.zero_grad(set_to_none=True)
        total = 0.0
        for indices in batches:
            with self._autocast():
                predicted = self.student.encode_texts([thai[index] for index in indices.tolist()])
            loss = F.mse_loss(predicted.float(), targets[indices].to(self.device)) / len(batches)
            self.scaler.scale(loss).backward()
            total += loss.item()
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.scheduler.step()
        return total

    def save(self, path: Path, identity: dict[str, Any], step: int) -> None:
        """Everything a resumed run needs, written atomically (a cut-short save keeps the old)."""
        state = {
            "identity": identity,
            "step": step,
            "student": self.student.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "cpu_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        }
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        os.close(descriptor)
        try:
            torch.save(state, temporary)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def restore(self, path: Path, identity: dict[str, Any]) -> int:
        """Load a checkpoint of the same run; returns the step it reached."""
        state = torch.load(path, map_location="cpu", weights_only=True)
        differences = [
            f"{name} was {state['identity'].get(name)!r}, now {value!r}"
            for name, value in identity.items()
            if state["identity"].get(name) != value
        ]
        if differences:
            raise ResumeError(f"{path} is another run: {'; '.join(differences)}")
        self.student.load_state_dict(state["student"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])
        torch.set_rng_state(state["cpu_rng"])
        if state["cuda_rng"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        return int(state["step"])

    def _autocast(self) -> contextlib.AbstractContextManager:
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)


def _log_record(report: StepReport) -> dict[str, Any]:
    record: dict[str, Any] = {"step": report.step, "loss": report.loss, "lr": report.learning_rate}
    if report.validation is not None:
        record["validation"] = report.validation.to_dict()
    return record
