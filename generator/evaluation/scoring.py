"""Figures of finished pictures: CLIP scores against the prompt and its English gloss, the
aesthetic score, and the diversity of one prompt's pictures across seeds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from generator.interfaces import ModelBundle, TextEncoder
from generator.request import WeightedPrompt


@dataclass(frozen=True)
class PictureScores:
    clip_prompt: float  # cosine between the picture and the Thai prompt (guiding text encoder)
    clip_gloss: float | None  # cosine between the picture and the English gloss (CLIP's own)
    aesthetic: float  # the aesthetic head's score


class PictureScorer:
    """Scores pictures with the models that made them, plus CLIP's own text tower for glosses."""

    def __init__(
        self, models: ModelBundle, device: torch.device, gloss_encoder: TextEncoder | None = None
    ) -> None:
        self.models = models
        self.device = device
        self.gloss_encoder = gloss_encoder

    @torch.no_grad()
    def image_embeddings(self, images: Sequence[Image.Image]) -> torch.Tensor:
        """Unit-length CLIP embeddings, each picture centre-cropped and resized as CLIP's own
        preprocessing does."""
        size = self.models.image_encoder.input_size
        pixels = torch.stack([_clip_input(image, size) for image in images]).to(self.device)
        return F.normalize(self.models.image_encoder.encode_images(pixels).float(), dim=-1)

    @torch.no_grad()
    def score(
        self,
        embeddings: torch.Tensor,
        prompts: Sequence[WeightedPrompt],
        gloss: str | None,
    ) -> list[PictureScores]:
        """`embeddings` from `image_embeddings`; the prompt score is the weight-averaged cosine
        to each positive prompt, as the loss weighs them."""
        texts = F.normalize(
            self.models.text_encoder.encode_texts([prompt.text for prompt in prompts]).float(),
            dim=-1,
        )
        weights = torch.tensor([prompt.weight for prompt in prompts], device=texts.device)
        prompt_scores = (embeddings @ texts.T * weights).sum(-1) / weights.sum()
        gloss_scores = None
        if gloss is not None and self.gloss_encoder is not None:
            gloss_embedding = F.normalize(self.gloss_encoder.encode_texts([gloss]).float(), dim=-1)
            gloss_scores = (embeddings @ gloss_embedding.T).squeeze(-1).tolist()
        aesthetic = self.models.aesthetic.score(embeddings).float().tolist()
        return [
            PictureScores(
                clip_prompt=prompt_scores[index].item(),
                clip_gloss=None if gloss_scores is None else gloss_scores[index],
                aesthetic=aesthetic[index],
            )
            for index in range(len(embeddings))
        ]


def diversity(embeddings: torch.Tensor) -> float | None:
    """Mean cosine distance between every two of one prompt's pictures (None for fewer than two):
    0 when the seeds give the same picture, larger the more they differ."""
    count = len(embeddings)
    if count < 2:
        return None
    similarities = embeddings @ embeddings.T
    pairs = torch.triu_indices(count, count, offset=1)
    return (1 - similarities[pairs[0], pairs[1]]).mean().item()


def _clip_input(image: Image.Image, size: int) -> torch.Tensor:
    """[3, size, size] in [0, 1]: the centre square, resized with bicubic filtering."""
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    square = image.convert("RGB").crop((left, top, left + side, top + side))
    square = square.resize((size, size), Image.BICUBIC)
    return torch.from_numpy(np.asarray(square).copy()).permute(2, 0, 1).float().div(255)
