"""One distillation run from pairs to a saved student: teacher targets (cached), the student,
training, and the student's folder with its card."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import torch

from generator.models.thclip import Pooling
from generator.thclip.embedding_cache import cached_embeddings
from generator.thclip.pairs import CaptionPair, pairs_fingerprint
from generator.thclip.student import Init, build_student, save_student
from generator.thclip.teacher import CLIPTextTower
from generator.thclip.training import StepReport, TrainingOptions, TrainingSummary, train_student
from generator.weights.layout import WeightsLayout

TEACHER_CACHE_FILE = "teacher_embeddings.safetensors"


def distil(
    pairs: list[CaptionPair],
    layout: WeightsLayout,
    out: Path,
    options: TrainingOptions,
    *,
    init: Init,
    pooling: Pooling,
    device: torch.device,
    resume: bool = False,
    teacher_cache: Path | None = None,
    progress: bool = False,
    on_step: Callable[[StepReport], None] | None = None,
) -> TrainingSummary:
    """Train a student on `pairs` with the teacher of `layout` and save it in `out`.

    Torch's global random state is seeded with `options.seed` (dropout draws from it), so the
    same pairs and options give the same student.
    """
    teacher = CLIPTextTower.from_folder(layout.clip_dir).to(device)
    targets = cached_embeddings(
        teacher,
        [pair.english for pair in pairs],
        teacher_cache or out / TEACHER_CACHE_FILE,
        progress=progress,
    )
    identity = {
        "pairs": pairs_fingerprint(pairs),
        "teacher": teacher.name,
        "init": init,
        "pooling": pooling,
    }
    del teacher  # its memory is the student's now
    torch.manual_seed(options.seed)  # a fresh head and the dropout masks follow the seed
    student = build_student(layout, init, pooling)
    summary = train_student(
        student,
        [pair.thai for pair in pairs],
        targets,
        options,
        run_dir=out,
        device=device,
        run_identity=identity,
        resume=resume,
        on_step=on_step,
    )
    card = {
        **identity,
        "pair_count": len(pairs),
        "steps": summary.steps,
        "options": asdict(options),
        "validation": summary.validation.to_dict() if summary.validation else None,
    }
    save_student(student.cpu(), out, card)
    return summary
