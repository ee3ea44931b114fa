"""How close a student's embeddings are to the teacher's: MSE, cosine and retrieval recall."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

RECALL_AT = (1, 5, 10)
_ROWS_PER_CHUNK = 1024  # bounds the similarity matrix held at once


@dataclass(frozen=True)
class DistillationScores:
    """Scores over `pairs` aligned pairs; recall is Thai→English retrieval among all of them."""

    pairs: int
    mse: float
    cosine: float
    recall: dict[int, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "pairs": self.pairs,
            **{f"r@{k}": value for k, value in self.recall.items()},
            "mse": self.mse,
            "cosine": self.cosine,
        }


def distillation_scores(student: torch.Tensor, teacher: torch.Tensor) -> DistillationScores:
    """`student[i]` embeds the Thai caption of pair i, `teacher[i]` its English caption.

    MSE is the training loss (mean over all elements). Recall@k is the share of Thai captions
    whose own English caption is among the k most cosine-similar of all English captions; ties
    count against the pair, so embeddings that cannot tell captions apart earn nothing by it.
    """
    if student.shape != teacher.shape or student.ndim != 2:
        raise ValueError(
            f"embeddings must be [N, D] alike, got {student.shape} and {teacher.shape}"
        )
    student, teacher = student.float(), teacher.float()
    ranks = _ranks_of_true_pairs(F.normalize(student, dim=-1), F.normalize(teacher, dim=-1))
    return DistillationScores(
        pairs=len(student),
        mse=F.mse_loss(student, teacher).item(),
        cosine=F.cosine_similarity(student, teacher, dim=-1).mean().item(),
        recall={k: (ranks <= k).float().mean().item() for k in RECALL_AT},
    )


def _ranks_of_true_pairs(queries: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """1-based rank of key i among all keys for query i (counting every key at least as close)."""
    ranks = []
    for start in range(0, len(queries), _ROWS_PER_CHUNK):
        similarities = queries[start : start + _ROWS_PER_CHUNK] @ keys.T
        rows = torch.arange(len(similarities))
        own = similarities[rows, rows + start].unsqueeze(1)
        ranks.append((similarities >= own).sum(dim=1))
    return torch.cat(ranks)
