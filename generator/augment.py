"""Random cutouts of the pictures being made, augmented per sample with kornia."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import kornia.augmentation as K
import torch
from torch import nn


def original_augmentations(size: int) -> nn.Module:
    """What the original app's transforms actually did: a resized crop, a small rotation, a blur.

    Its `RandomAdjustSharpness(1)` and argument-less `ColorJitter()` are identities in
    torchvision, so they are left out.
    """
    return K.AugmentationSequential(
        K.RandomResizedCrop((size, size), scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)),
        K.RandomAffine(degrees=5.0, p=1.0),
        K.RandomGaussianBlur((3, 3), sigma=(0.1, 2.0), p=1.0),
    )


def sharp_augmentations(size: int) -> nn.Module:
    """The original app's transforms made to do what it meant: sharpness really raised
    (factor > 1) and colours really jittered."""
    return K.AugmentationSequential(
        K.RandomResizedCrop((size, size), scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3)),
        K.RandomSharpness(sharpness=(1.25, 2.0), p=0.5),
        K.RandomAffine(degrees=5.0, p=1.0),
        K.ColorJitter(brightness=0.1, contrast=0.1, saturation=0.1, hue=0.02, p=0.8),
        K.RandomGaussianBlur((3, 3), sigma=(0.1, 2.0), p=1.0),
    )


# One per name in generator.request.AUGMENTS.
AUGMENTATION_SETS: dict[str, Callable[[int], nn.Module]] = {
    "original": original_augmentations,
    "sharp": sharp_augmentations,
}


def augmentation_sets(size: int) -> dict[str, nn.Module]:
    """Every named set, making cutouts of `size`×`size`."""
    return {name: make(size) for name, make in AUGMENTATION_SETS.items()}


class Cutouts:
    """Takes `cutn` augmented cutouts of each picture, with randomness from each job's own stream.

    Each job keeps its own random state and names its own augmentation set, so a picture does
    not depend on which other jobs happen to share its batch.
    """

    def __init__(self, augmentations: Mapping[str, nn.Module]) -> None:
        self.augmentations = augmentations

    def __call__(
        self,
        images: torch.Tensor,
        cutn: Sequence[int],
        rng_states: list[torch.Tensor],
        augments: Sequence[str],
    ) -> torch.Tensor:
        """images [B,3,H,W] → cutouts [sum(cutn),3,S,S]; `rng_states[i]` advances for image i,
        which is augmented with the set named `augments[i]`."""
        pieces = []
        for index, (image, count, augment) in enumerate(zip(images, cutn, augments, strict=True)):
            with torch.random.fork_rng(devices=[]):
                torch.set_rng_state(rng_states[index])
                batch = image.unsqueeze(0).expand(count, -1, -1, -1)
                pieces.append(self.augmentations[augment](batch))
                rng_states[index] = torch.get_rng_state()
        return torch.cat(pieces)
