"""CLIP's image tower (with its projection) from a transformers CLIP folder."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F
from transformers import CLIPConfig, CLIPVisionConfig, CLIPVisionModelWithProjection

from generator.models.state_dicts import (
    drop_legacy_buffers,
    load_strictly,
    read_tensors,
    transformers_weights_file,
)

# OpenAI CLIP's pixel normalisation (the same for every OpenAI CLIP model).
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)

# A full CLIPModel checkpoint also holds the text tower, which the image tower does not use.
TEXT_TOWER_PREFIXES = ("text_model.", "text_projection.", "logit_scale")
VISION_PREFIX = "vision_model."

# "auto": plain matmul attention on the CPU, the fused kernel (SDPA) elsewhere.
Attention = Literal["auto", "sdpa", "eager"]


class PatchEmbedding(torch.nn.Conv2d):
    """CLIP's patch convolution (kernel = stride, no padding) computed as one matmul over the
    picture's patches: the same numbers, and on the CPU its backward is several times faster
    than the convolution's (a twentieth of a bf16 engine step; README, "Performance")."""

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = images.shape
        side = self.kernel_size[0]
        rows, columns = height // side, width // side
        patches = (
            images.reshape(batch, channels, rows, side, columns, side)
            .permute(0, 2, 4, 1, 3, 5)
            .reshape(batch, rows * columns, channels * side * side)
        )
        embedded = F.linear(patches, self.weight.reshape(self.out_channels, -1), self.bias)
        return embedded.transpose(1, 2).reshape(batch, self.out_channels, rows, columns)


class CLIPImageTower(torch.nn.Module):
    """Images in [0, 1] → CLIP image embeddings (equal to OpenAI's `encode_image`)."""

    def __init__(self, config: CLIPVisionConfig, name: str, attention: Attention = "auto") -> None:
        super().__init__()
        self.attention = attention
        self.model = CLIPVisionModelWithProjection(config)
        embeddings = self.model.vision_model.embeddings
        convolution = embeddings.patch_embedding
        embeddings.patch_embedding = PatchEmbedding(
            convolution.in_channels,
            convolution.out_channels,
            kernel_size=convolution.kernel_size,
            stride=convolution.stride,
            bias=convolution.bias is not None,
        )
        self.register_buffer("mean", torch.tensor(CLIP_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(CLIP_STD).view(1, 3, 1, 1), persistent=False)
        self.name = name
        self.input_size = config.image_size
        self.embedding_dim = config.projection_dim

    @classmethod
    def from_folder(cls, folder: Path) -> CLIPImageTower:
        """The vision tower and projection of a CLIPModel folder, every vision tensor strictly."""
        config = CLIPConfig.from_pretrained(folder, local_files_only=True)
        vision_config = config.vision_config
        vision_config.projection_dim = config.projection_dim
        tower = cls(vision_config, name=folder.name)
        weights = transformers_weights_file(folder)
        vision_tensors = {
            name: tensor
            for name, tensor in read_tensors(weights).items()
            if not name.startswith(TEXT_TOWER_PREFIXES)
        }
        load_strictly(
            tower.model,
            drop_legacy_buffers(vision_tensors, VISION_PREFIX),
            f"{folder.name}/{weights.name}",
        )
        return tower

    def encode_images(self, images: torch.Tensor) -> torch.Tensor:
        expected = (3, self.input_size, self.input_size)
        if tuple(images.shape[1:]) != expected:
            raise ValueError(f"images must be [N, {', '.join(map(str, expected))}]")
        self._use_attention_for(images.device)
        pixels = (images - self.mean) / self.std
        return self.model(pixel_values=pixels).image_embeds

    def _use_attention_for(self, device: torch.device) -> None:
        """ViT-B/32 attends over only 50 tokens: on the CPU the fused kernel's backward costs
        more than plain matmuls there (a tenth of a bf16 engine step; README, "Performance")."""
        wanted = self.attention
        if wanted == "auto":
            wanted = "eager" if device.type == "cpu" else "sdpa"
        if self.model.config._attn_implementation != wanted:
            self.model.set_attn_implementation(wanted)
