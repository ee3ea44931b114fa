from __future__ import annotations

import pytest
import torch

from generator.thclip.metrics import distillation_scores


def teacher(count: int = 50, dim: int = 16) -> torch.Tensor:
    return torch.randn(count, dim, generator=torch.Generator().manual_seed(0))


def test_a_perfect_student_scores_zero_error_and_full_recall() -> None:
    scores = distillation_scores(teacher(), teacher())
    assert scores.to_dict() == pytest.approx(
        {"pairs": 50, "r@1": 1.0, "r@5": 1.0, "r@10": 1.0, "mse": 0.0, "cosine": 1.0}
    )


def test_recall_looks_only_at_direction_and_mse_at_magnitude_too() -> None:
    scores = distillation_scores(3 * teacher(), teacher())
    assert scores.recall[1] == 1.0
    assert scores.cosine == pytest.approx(1.0)
    assert scores.mse == pytest.approx(4 * teacher().pow(2).mean().item())


def test_a_student_that_says_the_same_for_every_caption_scores_chance() -> None:
    targets = teacher()
    collapsed = targets.mean(0, keepdim=True).expand_as(targets)
    scores = distillation_scores(collapsed, targets)
    assert scores.recall == pytest.approx({1: 1 / 50, 5: 5 / 50, 10: 10 / 50})


def test_ties_count_against_the_pair() -> None:
    same = torch.ones(20, 4)
    assert distillation_scores(same, same).recall == {1: 0.0, 5: 0.0, 10: 0.0}


def test_recall_counts_where_the_true_english_caption_ranks() -> None:
    targets = torch.eye(20)
    student = targets.clone()
    student[0] = torch.eye(20)[1]  # caption 0 now looks exactly like caption 1
    student[2] = 0.9 * torch.eye(20)[3] + 0.1 * torch.eye(20)[2]  # own caption ranks second
    scores = distillation_scores(student, targets)
    assert scores.recall[1] == pytest.approx(18 / 20)
    assert scores.recall[5] == pytest.approx(19 / 20)


def test_recall_over_more_captions_than_one_chunk_is_the_same() -> None:
    targets = teacher(count=2500, dim=8)
    noisy = targets + 0.5 * torch.randn(2500, 8, generator=torch.Generator().manual_seed(1))
    ranks_by_hand = (noisy / noisy.norm(dim=1, keepdim=True)) @ (
        targets / targets.norm(dim=1, keepdim=True)
    ).T
    expected = (ranks_by_hand.argmax(dim=1) == torch.arange(2500)).float().mean().item()
    assert distillation_scores(noisy, targets).recall[1] == pytest.approx(expected)


def test_embeddings_of_different_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="alike"):
        distillation_scores(torch.zeros(3, 4), torch.zeros(4, 4))
