"""The four model roles the engine depends on; any implementation of these can be plugged in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import torch


@runtime_checkable
class VQGAN(Protocol):
    """A vector-quantised autoencoder: images in [0, 1] ↔ latent grids over a codebook."""

    name: str
    downsample_factor: int

    @property
    def codebook(self) -> torch.Tensor:
        """The codebook, shape [n_codes, code_dim]."""
        ...

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Images [B, 3, H, W] in [0, 1] → unquantised latents [B, code_dim, H/f, W/f]."""
        ...

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Quantised latents [B, code_dim, h, w] → images [B, 3, h·f, w·f], roughly in [0, 1]."""
        ...


@runtime_checkable
class ImageEncoder(Protocol):
    """Images in [0, 1] at `input_size`² → embeddings in the shared space (not normalised)."""

    name: str
    input_size: int
    embedding_dim: int

    def encode_images(self, images: torch.Tensor) -> torch.Tensor: ...


@runtime_checkable
class TextEncoder(Protocol):
    """Raw user strings → embeddings in the image encoder's space (not normalised).

    Each implementation prepares the text the way its own model was trained.
    """

    name: str
    embedding_dim: int

    def encode_texts(self, texts: list[str]) -> torch.Tensor: ...


@runtime_checkable
class AestheticHead(Protocol):
    """L2-normalised image embeddings [N, D] → aesthetic scores [N] (higher is prettier)."""

    name: str

    def score(self, normalised_embeddings: torch.Tensor) -> torch.Tensor: ...


@dataclass(frozen=True)
class ModelBundle:
    """Everything the engine needs, built elsewhere (the engine never touches files)."""

    vqgan: VQGAN
    image_encoder: ImageEncoder
    text_encoder: TextEncoder
    aesthetic: AestheticHead
    kind: str  # "real" or "smoke"

    def versions(self) -> dict[str, str]:
        """Model names for the recipe of every picture."""
        return {
            "kind": self.kind,
            "vqgan": self.vqgan.name,
            "image_encoder": self.image_encoder.name,
            "text_encoder": self.text_encoder.name,
            "aesthetic": self.aesthetic.name,
        }

    def modules(self) -> list[torch.nn.Module]:
        """The torch modules behind the roles, for moving and freezing them together."""
        roles = (self.vqgan, self.image_encoder, self.text_encoder, self.aesthetic)
        return [role for role in roles if isinstance(role, torch.nn.Module)]
