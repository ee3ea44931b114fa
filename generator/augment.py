"""Random cutouts of the pictures being made, augmented per sample with kornia."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import kornia.augmentation as K
import torch
from kornia.augmentation.container.params import ParamItem
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


# What kornia draws once per call rather than once per cutout (ColorJitter's order of its
# adjustments): jobs whose draws differ there cannot share a call.
_PER_CALL_KEYS = frozenset({"order"})
# The shape of the call's input, which kornia records with the draws: rewritten for a shared call.
_INPUT_SHAPE_KEY = "forward_input_shape"


@dataclass
class _SharedCall:
    """Consecutive jobs whose cutouts one augmentation call makes."""

    augment: str
    batches: list[torch.Tensor]
    draws: list[list[ParamItem]]

    def takes(self, augment: str, draws: list[ParamItem]) -> bool:
        return augment == self.augment and all(
            torch.equal(mine.data[key], theirs.data[key])
            for mine, theirs in zip(self.draws[0], draws, strict=True)
            for key in _PER_CALL_KEYS & mine.data.keys()
        )

    def merged_draws(self, shape: torch.Size) -> list[ParamItem]:
        """The jobs' draws as one call's, in the jobs' order."""
        merged = []
        for items in zip(*self.draws, strict=True):
            data = {
                key: value if key in _PER_CALL_KEYS else torch.cat([i.data[key] for i in items])
                for key, value in items[0].data.items()
            }
            if _INPUT_SHAPE_KEY in data:
                data[_INPUT_SHAPE_KEY] = torch.tensor(shape)
            merged.append(ParamItem(items[0].name, data))
        return merged


class Cutouts:
    """Takes `cutn` augmented cutouts of each picture, with randomness from each job's own stream.

    Each job keeps its own random state and names its own augmentation set, so a picture does
    not depend on which other jobs happen to share its batch. The draws are made per job; the
    jobs' cutouts are then made in as few kornia calls as their sets allow (one, usually), which
    gives the same numbers as a call per job with a fraction of the kernel launches.
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
        calls: list[_SharedCall] = []
        for index, (image, count, augment) in enumerate(zip(images, cutn, augments, strict=True)):
            batch = image.unsqueeze(0).expand(count, -1, -1, -1)
            with torch.random.fork_rng(devices=[]):
                torch.set_rng_state(rng_states[index])
                draws = self.augmentations[augment].forward_parameters(batch.shape)
                rng_states[index] = torch.get_rng_state()
            if calls and calls[-1].takes(augment, draws):
                calls[-1].batches.append(batch)
                calls[-1].draws.append(draws)
            else:
                calls.append(_SharedCall(augment, [batch], [draws]))
        pieces = []
        for call in calls:
            batch = torch.cat(call.batches)
            draws = call.merged_draws(batch.shape)
            pieces.append(self.augmentations[call.augment](batch, params=draws))
        return torch.cat(pieces)
