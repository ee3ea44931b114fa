"""Several text encoders scored on the same aligned captions against the same teacher."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from generator.settings import NAMED_TEXT_ENCODERS
from generator.thclip.embedding_cache import embed_texts
from generator.thclip.metrics import DistillationScores, distillation_scores
from generator.thclip.pairs import CaptionPair
from generator.thclip.student import is_student_folder
from generator.thclip.teacher import CLIPTextTower
from generator.weights.layout import WeightsLayout
from generator.weights.loading import load_text_encoder

CLIP_FLOOR = "clip"  # CLIP's own text tower fed Thai: what no Thai training at all gives
COMPARABLE = (*NAMED_TEXT_ENCODERS, CLIP_FLOOR)


@dataclass(frozen=True)
class EncoderScores:
    label: str  # as asked for; a student folder by its name
    scores: DistillationScores


def check_encoder_name(name: str) -> str:
    """`name` when it is one of COMPARABLE or a trained student's folder; else ValueError."""
    if name in COMPARABLE or is_student_folder(Path(name)):
        return name
    raise ValueError(
        f"unknown text encoder {name!r}: one of {', '.join(COMPARABLE)}, or a folder written by "
        "`thaidraw thclip train`"
    )


def compare_text_encoders(
    pairs: Sequence[CaptionPair],
    layout: WeightsLayout,
    names: Sequence[str],
    *,
    device: torch.device,
    batch_size: int = 128,
) -> list[EncoderScores]:
    """The teacher embeds the English captions once; each encoder embeds the Thai ones."""
    teacher = CLIPTextTower.from_folder(layout.clip_dir).to(device)
    targets = embed_texts(teacher, [pair.english for pair in pairs], batch_size=batch_size)
    results = []
    for name in names:
        encoder = teacher if name == CLIP_FLOOR else load_text_encoder(layout, name).to(device)
        embeddings = embed_texts(encoder, [pair.thai for pair in pairs], batch_size=batch_size)
        label = name if name in COMPARABLE else Path(name).name
        results.append(EncoderScores(label, distillation_scores(embeddings, targets)))
        del encoder  # one student model in memory at a time
    return results
