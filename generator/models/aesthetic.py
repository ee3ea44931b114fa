"""LAION's linear aesthetic predictor on L2-normalised CLIP image embeddings."""

from __future__ import annotations

from pathlib import Path

import torch

from generator.models.state_dicts import load_strictly, read_tensors


class LinearAestheticHead(torch.nn.Linear):
    """`Linear(D, 1)`, named as LAION saved it (`weight`, `bias`)."""

    def __init__(self, embedding_dim: int, name: str) -> None:
        super().__init__(embedding_dim, 1)
        self.name = name

    @classmethod
    def from_file(cls, weights: Path, embedding_dim: int) -> LinearAestheticHead:
        """The head in `weights`, which must fit embeddings of `embedding_dim`."""
        head = cls(embedding_dim, name=weights.stem)
        load_strictly(head, read_tensors(weights), weights.name)
        return head

    def score(self, normalised_embeddings: torch.Tensor) -> torch.Tensor:
        return self(normalised_embeddings).squeeze(-1)
