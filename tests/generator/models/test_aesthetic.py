from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from generator.interfaces import AestheticHead
from generator.models.aesthetic import LinearAestheticHead
from generator.models.state_dicts import StateDictMismatch

# Scores the LAION head gives the reference embeddings rating0 … rating9 (README there).
EXPECTED_SCORES = [-1.470, 0.273, 1.990, 3.611, 5.087, 6.393, 7.668, 8.915, 9.917, 11.006]


def test_the_real_laion_head_scores_the_reference_embeddings(test_data: Path) -> None:
    folder = test_data / "laion-aesthetic"
    head = LinearAestheticHead.from_file(folder / "sa_0_4_vit_b_32_linear.pth", 512)
    assert isinstance(head, AestheticHead)
    embeddings = torch.cat(
        [torch.from_numpy(np.load(folder / f"rating{rating}.npy")) for rating in range(10)]
    )
    with torch.no_grad():
        scores = head.score(embeddings)
    assert scores.shape == (10,)
    assert scores.tolist() == pytest.approx(EXPECTED_SCORES, abs=1e-3)
    assert torch.all(scores[1:] > scores[:-1])


def test_a_head_for_another_embedding_size_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "head.pth"
    torch.save(torch.nn.Linear(768, 1).state_dict(), path)
    with pytest.raises(StateDictMismatch, match=r"wrong shape weight \(file \[1, 768\]"):
        LinearAestheticHead.from_file(path, 512)
