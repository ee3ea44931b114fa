"""Cutouts and their augmentations."""

from __future__ import annotations

import kornia.augmentation as K
import torch

from generator.augment import AUGMENTATION_SETS, Cutouts, augmentation_sets, sharp_augmentations
from generator.request import AUGMENTS


def laplacian_energy(images: torch.Tensor) -> float:
    """Variance of the Laplacian: higher means sharper."""
    kernel = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    grey = images.mean(dim=1, keepdim=True)
    return float(torch.nn.functional.conv2d(grey, kernel.view(1, 1, 3, 3)).var())


def smooth_picture() -> torch.Tensor:
    ramp = torch.linspace(0, 1, 64)
    picture = torch.stack([ramp.view(1, -1).expand(64, -1), ramp.view(-1, 1).expand(-1, 64)])
    picture = torch.cat([picture, picture[:1] * picture[1:]])
    noise = torch.Generator().manual_seed(0)
    return (0.8 * picture + 0.2 * torch.rand(3, 64, 64, generator=noise)).unsqueeze(0)


def test_the_sharpness_augmentation_really_sharpens():
    (sharpness,) = [
        m for m in sharp_augmentations(64).children() if isinstance(m, K.RandomSharpness)
    ]
    sharpness.p = 1.0
    picture = smooth_picture()
    sharpened = sharpness(picture.expand(4, -1, -1, -1))
    assert laplacian_energy(sharpened) > 1.3 * laplacian_energy(picture)


def test_cutouts_have_the_encoders_size_and_one_count_per_job():
    cutouts = Cutouts(augmentation_sets(32))
    pictures = torch.rand(2, 3, 64, 64)
    states = [torch.Generator().manual_seed(s).get_state() for s in (1, 2)]
    out = cutouts(pictures, [3, 5], states, ["original", "sharp"])
    assert out.shape == (8, 3, 32, 32)


def test_each_cutout_is_augmented_differently():
    cutouts = Cutouts(augmentation_sets(32))
    states = [torch.Generator().manual_seed(1).get_state()]
    out = cutouts(smooth_picture(), [4], states, ["original"])
    assert all(not torch.equal(out[0], out[i]) for i in range(1, 4))


def test_a_jobs_random_stream_advances_and_repeats_from_the_same_state():
    cutouts = Cutouts(augmentation_sets(32))
    start = torch.Generator().manual_seed(5).get_state()
    states = [start.clone()]
    first = cutouts(smooth_picture(), [2], states, ["sharp"])
    assert not torch.equal(states[0], start)
    again = cutouts(smooth_picture(), [2], [start.clone()], ["sharp"])
    assert torch.equal(first, again)


def test_cutouts_leave_the_global_random_stream_alone():
    cutouts = Cutouts(augmentation_sets(32))
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    cutouts(smooth_picture(), [2], [torch.Generator().manual_seed(1).get_state()], ["sharp"])
    assert torch.equal(torch.rand(3), expected)


def test_every_augment_a_request_may_name_has_a_set():
    assert set(AUGMENTATION_SETS) == set(AUGMENTS)


def test_the_original_set_is_what_the_original_app_effectively_did():
    kinds = [type(m) for m in augmentation_sets(32)["original"].children()]
    assert kinds == [K.RandomResizedCrop, K.RandomAffine, K.RandomGaussianBlur]


def test_original_and_sharp_cutouts_differ_and_each_repeats_from_the_same_state():
    cutouts = Cutouts(augmentation_sets(32))

    def cut(augment: str) -> torch.Tensor:
        state = torch.Generator().manual_seed(4).get_state()
        return cutouts(smooth_picture(), [4], [state], [augment])

    original, sharp = cut("original"), cut("sharp")
    assert torch.equal(original, cut("original"))
    assert torch.equal(sharp, cut("sharp"))
    assert not torch.allclose(original, sharp, atol=1e-3)


def cutouts_each_alone(
    cutouts: Cutouts, pictures: torch.Tensor, cutn: list[int], seeds: list[int], augments: list[str]
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    pieces, states = [], []
    for picture, count, seed, augment in zip(pictures, cutn, seeds, augments, strict=True):
        state = [torch.Generator().manual_seed(seed).get_state()]
        pieces.append(cutouts(picture.unsqueeze(0), [count], state, [augment]))
        states += state
    return torch.cat(pieces), states


def test_jobs_cut_together_get_the_cutouts_and_streams_they_get_alone():
    cutouts = Cutouts(augmentation_sets(32))
    pictures = torch.rand(5, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    # Seeds 13 and 14 draw different colour-jitter orders, so those two cannot share a call.
    cutn, seeds = [2, 3, 1, 4, 2], [11, 12, 13, 14, 15]
    augments = ["original", "original", "sharp", "sharp", "original"]
    alone, streams_alone = cutouts_each_alone(cutouts, pictures, cutn, seeds, augments)
    states = [torch.Generator().manual_seed(seed).get_state() for seed in seeds]
    together = cutouts(pictures, cutn, states, augments)
    assert torch.equal(together, alone)
    assert all(torch.equal(a, b) for a, b in zip(states, streams_alone, strict=True))


def test_the_gradient_reaches_each_picture_as_when_cut_alone():
    cutouts = Cutouts(augmentation_sets(32))
    pictures = torch.rand(3, 3, 64, 64, generator=torch.Generator().manual_seed(1))

    def gradient(together: bool) -> torch.Tensor:
        leaf = pictures.clone().requires_grad_(True)
        if together:
            states = [torch.Generator().manual_seed(s).get_state() for s in (1, 2, 3)]
            out = cutouts(leaf, [2, 2, 2], states, ["original"] * 3)
        else:
            out, _ = cutouts_each_alone(cutouts, leaf, [2, 2, 2], [1, 2, 3], ["original"] * 3)
        (out * torch.linspace(0, 1, out.numel()).view_as(out)).sum().backward()
        return leaf.grad

    assert torch.allclose(gradient(together=True), gradient(together=False), atol=1e-6)


def test_the_jobs_of_one_set_share_one_augmentation_call():
    sets = augmentation_sets(32)
    calls = []
    sets["original"].register_forward_hook(lambda module, args, output: calls.append(len(output)))
    cutouts = Cutouts(sets)
    states = [torch.Generator().manual_seed(s).get_state() for s in (1, 2, 3, 4)]
    cutouts(torch.rand(4, 3, 64, 64), [2, 3, 2, 1], states, ["original"] * 4)
    assert calls == [8]


def test_sharp_jobs_that_drew_one_jitter_order_share_a_call_and_keep_their_cutouts():
    sets = augmentation_sets(32)
    calls = []
    sets["sharp"].register_forward_hook(lambda module, args, output: calls.append(len(output)))
    cutouts = Cutouts(sets)
    pictures = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(2))
    seeds = [1, 9]  # with 3 cutouts each, both draw the order [0, 2, 3, 1]
    alone, _ = cutouts_each_alone(cutouts, pictures, [3, 3], seeds, ["sharp", "sharp"])
    calls.clear()
    states = [torch.Generator().manual_seed(seed).get_state() for seed in seeds]
    assert torch.equal(cutouts(pictures, [3, 3], states, ["sharp", "sharp"]), alone)
    assert calls == [6]
