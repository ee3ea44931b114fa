"""The differentiable pieces of the loop: straight-through quantisation, clamping, distances."""

from __future__ import annotations

import torch
import torch.nn.functional as F


class _StraightThrough(torch.autograd.Function):
    """Forward `forward_value`, pass the gradient to `backward_value` unchanged."""

    @staticmethod
    def forward(ctx, forward_value: torch.Tensor, backward_value: torch.Tensor) -> torch.Tensor:
        ctx.shape = backward_value.shape
        return forward_value

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[None, torch.Tensor]:
        return None, grad.sum_to_size(ctx.shape)


class _ClampWithGrad(torch.autograd.Function):
    """Clamp, but let gradients through wherever they point back into the range."""

    @staticmethod
    def forward(ctx, values: torch.Tensor, low: float, high: float) -> torch.Tensor:
        ctx.low, ctx.high = low, high
        ctx.save_for_backward(values)
        return values.clamp(low, high)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        (values,) = ctx.saved_tensors
        outside = values - values.clamp(ctx.low, ctx.high)
        return grad * (grad * outside >= 0), None, None


def clamp_with_grad(values: torch.Tensor, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    return _ClampWithGrad.apply(values, low, high)


def quantise(latents: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Snap each latent vector [B,C,h,w] to its nearest code; gradients flow straight through."""
    vectors = latents.movedim(1, -1)
    codebook = codebook.to(vectors.dtype)
    distances = (
        vectors.pow(2).sum(dim=-1, keepdim=True)
        + codebook.pow(2).sum(dim=1)
        - 2 * vectors @ codebook.T
    )
    snapped = codebook[distances.argmin(dim=-1)]
    # Contiguous: moved back, the codes would have channels-last strides, which the decoder's
    # convolutions then keep throughout, and on the CPU its group norms' backward is far slower
    # in that layout.
    return _StraightThrough.apply(snapped, vectors).movedim(-1, 1).contiguous()


def spherical_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Squared great-circle distance 2·arcsin(‖â−b̂‖/2)² of rows of a [N,D] and b [M,D] → [N,M]."""
    a = F.normalize(a, dim=-1).unsqueeze(1)
    b = F.normalize(b, dim=-1).unsqueeze(0)
    return (a - b).norm(dim=-1).div(2).arcsin().pow(2).mul(2)
