"""The differentiable pieces of the loop."""

from __future__ import annotations

import math

import torch

from generator.losses import clamp_with_grad, quantise, spherical_distance


def test_spherical_distance_is_zero_for_the_same_direction_and_grows_to_opposite():
    a = torch.tensor([[1.0, 0.0]])
    same, right_angle, opposite = torch.tensor([[3.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    distances = spherical_distance(a, torch.stack([same, right_angle, opposite]))[0]
    assert torch.allclose(
        distances, torch.tensor([0.0, 2 * (math.pi / 4) ** 2, 2 * (math.pi / 2) ** 2])
    )


def test_spherical_distance_pairs_every_row_with_every_row():
    assert spherical_distance(torch.randn(5, 8), torch.randn(3, 8)).shape == (5, 3)


def test_quantise_snaps_to_the_nearest_code_and_passes_gradients_straight_through():
    codebook = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    latents = torch.tensor([[[[0.2]], [[0.1]]], [[[0.9]], [[0.7]]]]).requires_grad_()
    snapped = quantise(latents, codebook)
    assert snapped.squeeze().tolist() == [[0.0, 0.0], [1.0, 1.0]]
    snapped.sum().backward()
    assert torch.equal(latents.grad, torch.ones_like(latents))


def test_quantised_codes_come_back_channels_first_contiguous():
    """Channels-last strides would follow the codes through the whole decoder (slow on CPUs)."""
    latents = torch.randn(2, 4, 3, 5)
    snapped = quantise(latents, torch.randn(7, 4))
    assert snapped.shape == latents.shape
    assert snapped.is_contiguous()


def test_clamp_with_grad_lets_gradients_lead_back_into_range_only():
    values = torch.tensor([-0.5, 0.5, 1.5], requires_grad=True)
    clamped = clamp_with_grad(values, 0.0, 1.0)
    assert clamped.tolist() == [0.0, 0.5, 1.0]
    # Gradient descent moves against the gradient: a negative gradient raises the value.
    clamped.backward(torch.tensor([-1.0, -1.0, -1.0]))
    assert values.grad.tolist() == [-1.0, -1.0, 0.0]
