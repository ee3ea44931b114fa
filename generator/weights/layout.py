"""Where each model file lives under the weights folder (the same layout for real and smoke)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class WeightsLayout:
    """Paths of every model file under one root folder."""

    root: Path

    @property
    def vqgan_dir(self) -> Path:
        return self.root / "vqgan-imagenet-f16-16384"

    @property
    def vqgan_config(self) -> Path:
        """The taming-transformers `model.yaml`."""
        return self.vqgan_dir / "model.yaml"

    @property
    def vqgan_checkpoint(self) -> Path:
        """The Lightning pickle `last.ckpt` as published (kept only until converted)."""
        return self.vqgan_dir / "last.ckpt"

    @property
    def vqgan_safetensors(self) -> Path:
        """The VQGAN weights converted once from `last.ckpt` (no `loss.*`)."""
        return self.vqgan_dir / "vqgan.safetensors"

    @property
    def clip_dir(self) -> Path:
        """A transformers folder of `openai/clip-vit-base-patch32`."""
        return self.root / "clip-vit-base-patch32"

    @property
    def wangchanberta_dir(self) -> Path:
        """A transformers folder of `airesearch/wangchanberta-base-att-spm-uncased`."""
        return self.root / "wangchanberta-base-att-spm-uncased"

    @property
    def thclip_weights(self) -> Path:
        """`text_MSE_2m.pt` from `vikimark/CLIP-MSE-WangchanBerta` (the original app's layout)."""
        return self.root / "thclip" / "text_MSE_2m.pt"

    @property
    def aesthetic_head(self) -> Path:
        """LAION's `sa_0_4_vit_b_32_linear.pth`."""
        return self.root / "aesthetic" / "sa_0_4_vit_b_32_linear.pth"

    @property
    def mclip_dir(self) -> Path:
        """A folder of `M-CLIP/XLM-Roberta-Large-Vit-B-32` (optional second text encoder)."""
        return self.root / "mclip-xlm-roberta-large-vit-b-32"


def smoke_layout(weights_dir: Path) -> WeightsLayout:
    """Tiny random models in the real formats live beside the real ones, under `smoke/`."""
    return WeightsLayout(weights_dir / "smoke")
