"""Random cutouts of the pictures being made, augmented per sample with kornia."""

from __future__ import annotations

from collections.abc import Sequence

import kornia.augmentation as K
import torch
from torch import nn


def default_augmentations(size: int) -> nn.Module:
    """The original app's transforms, made to do what it meant them to do.

    Its `RandomAdjustSharpness(1)` and argument-less `ColorJitter()` are identities in torchvision;
    here sharpness is really raised (factor > 1) and colours really jitter.
    """
    return K.AugmentationSequential(
        K.RandomResizedCrop((size, size), scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)),
        K.RandomSharpness(sharpness=(1.25, 2.0), p=0.5),
        K.RandomAffine(degrees=5.0, p=1.0),
        K.ColorJitter(brightness=0.1, contrast=0.1, saturation=0.1, hue=0.02, p=0.8),
        K.RandomGaussianBlur((3, 3), sigma=(0.1, 2.0), p=1.0),
    )


class Cutouts:
    """Takes `cutn` augmented cutouts of each picture, with randomness from each job's own stream.

    Each job keeps its own random state, so a picture does not depend on which other jobs happen
    to share its batch.
    """

    def __init__(self, augmentations: nn.Module) -> None:
        self.augmentations = augmentations

    def __call__(
        self,
        images: torch.Tensor,
        cutn: Sequence[int],
        rng_states: list[torch.Tensor],
    ) -> torch.Tensor:
        """images [B,3,H,W] → cutouts [sum(cutn),3,S,S]; `rng_states[i]` advances for image i."""
        pieces = []
        for index, (image, count) in enumerate(zip(images, cutn, strict=True)):
            with torch.random.fork_rng(devices=[]):
                torch.set_rng_state(rng_states[index])
                pieces.append(self.augmentations(image.unsqueeze(0).expand(count, -1, -1, -1)))
                rng_states[index] = torch.get_rng_state()
        return torch.cat(pieces)
