from __future__ import annotations

from pathlib import Path

import torch

from generator.thclip.embedding_cache import cached_embeddings, embed_texts

TEXTS = ["a much longer caption than the others", "short", "a middling caption", "tiny"]


class CountingEncoder(torch.nn.Module):
    """Embeds a text as (length, sum of code points) times a weight; counts its calls."""

    name = "counting"
    embedding_dim = 2

    def __init__(self) -> None:
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(()))
        self.calls = 0
        self.modes: list[bool] = []

    def encode_texts(self, texts: list[str]) -> torch.Tensor:
        self.calls += 1
        self.modes.append(self.training)
        values = [[float(len(text)), float(sum(map(ord, text)))] for text in texts]
        return torch.tensor(values) * self.scale


def test_embeddings_come_back_in_the_texts_order_from_batches_of_similar_length() -> None:
    encoder = CountingEncoder()
    embeddings = embed_texts(encoder, TEXTS, batch_size=3)
    torch.testing.assert_close(embeddings, encoder.encode_texts(TEXTS).detach())
    assert encoder.calls == 3  # two batches, then the direct call


def test_the_encoder_runs_in_eval_mode_and_gets_its_mode_back() -> None:
    encoder = CountingEncoder().train()
    embed_texts(encoder, TEXTS)
    assert encoder.modes == [False]
    assert encoder.training


def test_a_second_run_reads_the_cache_instead_of_encoding(tmp_path: Path) -> None:
    cache = tmp_path / "teacher.safetensors"
    encoder = CountingEncoder()
    first = cached_embeddings(encoder, TEXTS, cache)
    calls = encoder.calls
    second = cached_embeddings(encoder, TEXTS, cache)
    assert encoder.calls == calls
    torch.testing.assert_close(first, second)


def test_other_texts_or_other_weights_are_encoded_again(tmp_path: Path) -> None:
    cache = tmp_path / "teacher.safetensors"
    encoder = CountingEncoder()
    cached_embeddings(encoder, TEXTS, cache)

    reordered = cached_embeddings(encoder, TEXTS[::-1], cache)
    torch.testing.assert_close(reordered, encoder.encode_texts(TEXTS[::-1]).detach())

    with torch.no_grad():
        encoder.scale.fill_(2.0)
    rescaled = cached_embeddings(encoder, TEXTS[::-1], cache)
    torch.testing.assert_close(rescaled, 2 * reordered)
