"""The real architectures with random weights: what benchmarks and precision tests compute with.

Only shapes and compute matter there, so no weights are needed: VQGAN f16 16384 from its
published model.yaml, CLIP ViT-B/32's image tower, WangchanBERTa-base with the ThCLIP head (the
smoke tokenizer stands in for the real one) and LAION's linear aesthetic head.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch
from transformers import CamembertConfig, CLIPVisionConfig

from generator.interfaces import ModelBundle
from generator.models.aesthetic import LinearAestheticHead
from generator.models.clip_image import CLIPImageTower
from generator.models.thclip import ThCLIPTextEncoder, load_wangchanberta_tokenizer
from generator.models.vqgan import TamingVQGAN
from generator.weights.smoke import ensure_smoke_models


def random_full_size_bundle(device: torch.device, vqgan_yaml: Path, seed: int = 0) -> ModelBundle:
    """Full-size models, randomly initialised from `seed`, on `device`, in eval mode."""
    torch.manual_seed(seed)
    with tempfile.TemporaryDirectory() as folder:
        tokenizer = load_wangchanberta_tokenizer(
            ensure_smoke_models(Path(folder)).wangchanberta_dir
        )
    text = ThCLIPTextEncoder(
        CamembertConfig(vocab_size=25005, max_position_embeddings=416), tokenizer, name="thclip"
    )
    bundle = ModelBundle(
        vqgan=TamingVQGAN.from_config(vqgan_yaml),
        image_encoder=CLIPImageTower(CLIPVisionConfig(projection_dim=512), name="clip-vit-b-32"),
        text_encoder=text,
        aesthetic=LinearAestheticHead(512, name="laion-aesthetic"),
        kind="benchmark",
    )
    for module in bundle.modules():
        module.to(device).eval()
    return bundle
