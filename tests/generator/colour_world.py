"""A tiny differentiable world where pictures are colours and words name colours.

The engine only sees the four model protocols, so these simple models let tests check that the
loop really moves a picture toward a prompt, away from a negative prompt and up an aesthetic score.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from generator.interfaces import ModelBundle

COLOURS: dict[str, tuple[float, float, float]] = {
    "แดง": (1.0, 0.0, 0.0),
    "เขียว": (0.0, 1.0, 0.0),
    "น้ำเงิน": (0.0, 0.0, 1.0),
    "ขาว": (1.0, 1.0, 1.0),
    "ดำ": (0.0, 0.0, 0.0),
}


def colour_embedding(rgb: torch.Tensor) -> torch.Tensor:
    """[N,3] mean colours → [N,4]: the colour around mid-grey plus a small constant axis."""
    return torch.cat([rgb - 0.5, torch.full_like(rgb[:, :1], 0.05)], dim=1)


class PixelVQGAN(nn.Module):
    """Each latent cell is a colour; the codebook is a 6×6×6 grid of colours."""

    name = "test-pixel-vqgan"
    downsample_factor = 16

    def __init__(self) -> None:
        super().__init__()
        levels = torch.linspace(0, 1, 6)
        grid = [torch.tensor(c) for c in itertools.product(levels.tolist(), repeat=3)]
        self.register_buffer("_codebook", torch.stack(grid))

    @property
    def codebook(self) -> torch.Tensor:
        return self._codebook

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(images, self.downsample_factor)

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        return F.interpolate(latents, scale_factor=self.downsample_factor, mode="nearest")


class ColourImageEncoder(nn.Module):
    """Sees only the mean colour; its parameter (frozen by the engine) catches stray gradients."""

    name = "test-colour-image"
    input_size = 32
    embedding_dim = 4

    def __init__(self) -> None:
        super().__init__()
        self.mix = nn.Linear(3, 3, bias=False)
        with torch.no_grad():
            self.mix.weight.copy_(torch.eye(3))
        self.calls = 0

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return colour_embedding(self.mix(images.mean(dim=(2, 3))))


class ColourTextEncoder(nn.Module):
    name = "test-colour-text"
    embedding_dim = 4

    def encode_texts(self, texts: list[str]) -> torch.Tensor:
        return colour_embedding(torch.tensor([COLOURS[text.split()[0]] for text in texts]))


class BrightnessAesthetic(nn.Module):
    """Scores brighter pictures higher."""

    name = "test-brightness"

    def score(self, normalised_embeddings: torch.Tensor) -> torch.Tensor:
        return normalised_embeddings[:, :3].sum(dim=1)


def colour_bundle() -> ModelBundle:
    return ModelBundle(
        vqgan=PixelVQGAN(),
        image_encoder=ColourImageEncoder(),
        text_encoder=ColourTextEncoder(),
        aesthetic=BrightnessAesthetic(),
        kind="test",
    )


def mean_colour(image) -> torch.Tensor:
    """A PIL image → its mean RGB in [0,1]."""
    pixels = torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.float32) / 255)
    return pixels.reshape(-1, 3).mean(dim=0)
