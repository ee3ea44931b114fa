"""The taming-transformers VQGAN, built from its `model.yaml` without Lightning or the GAN loss."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import torch
import yaml
from taming.modules.diffusionmodules.model import Decoder, Encoder
from taming.modules.vqvae.quantize import VectorQuantizer2

from generator.models.state_dicts import load_strictly, read_tensors

# taming's VQModel always builds its quantiser with this commitment cost; it only matters for
# training but is part of the module's configuration.
COMMITMENT_COST = 0.25


class TamingVQGAN(torch.nn.Module):
    """Encoder, quantiser and decoder named exactly as in taming's `VQModel` state dict."""

    def __init__(self, ddconfig: dict[str, Any], n_embed: int, embed_dim: int) -> None:
        super().__init__()
        self.encoder = Encoder(**ddconfig)
        # taming's Decoder prints the latent shape on construction; keep stdout clean for the CLI.
        with contextlib.redirect_stdout(io.StringIO()):
            self.decoder = Decoder(**ddconfig)
        self.quantize = VectorQuantizer2(n_embed, embed_dim, beta=COMMITMENT_COST)
        self.quant_conv = torch.nn.Conv2d(ddconfig["z_channels"], embed_dim, 1)
        self.post_quant_conv = torch.nn.Conv2d(embed_dim, ddconfig["z_channels"], 1)
        self.downsample_factor = 2 ** (len(ddconfig["ch_mult"]) - 1)
        self.name = f"taming-vqgan-f{self.downsample_factor}-{n_embed}"

    @classmethod
    def from_config(cls, config: Path) -> TamingVQGAN:
        """A randomly initialised VQGAN with the architecture a taming `model.yaml` describes."""
        params = read_vqgan_config(config)
        return cls(params["ddconfig"], n_embed=params["n_embed"], embed_dim=params["embed_dim"])

    @classmethod
    def from_safetensors(cls, weights: Path, config: Path) -> TamingVQGAN:
        """The VQGAN of `config` with every tensor loaded strictly from `weights`."""
        model = cls.from_config(config)
        load_strictly(model, read_tensors(weights), weights.name)
        return model

    @property
    def codebook(self) -> torch.Tensor:
        return self.quantize.embedding.weight

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1] → latents before quantisation."""
        return self.quant_conv(self.encoder(images * 2 - 1))

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Quantised latents → images, mapped from the decoder's [-1, 1] to [0, 1] (unclamped)."""
        return (self.decoder(self.post_quant_conv(latents)) + 1) / 2


def read_vqgan_config(config: Path) -> dict[str, Any]:
    """`model.params` of a taming `model.yaml`, checked for the fields the VQGAN needs."""
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    params = document.get("model", {}).get("params") if isinstance(document, dict) else None
    if not isinstance(params, dict):
        raise ValueError(f"{config} is not a taming VQGAN config: it has no model.params")
    absent = [field for field in ("ddconfig", "n_embed", "embed_dim") if field not in params]
    if absent:
        raise ValueError(f"{config} is not a taming VQGAN config: no model.params.{absent[0]}")
    return params
