from __future__ import annotations

from pathlib import Path

import pytest
import torch

from generator.interfaces import VQGAN
from generator.models.vqgan import TamingVQGAN


@pytest.fixture(scope="module")
def full_vqgan(test_data: Path) -> TamingVQGAN:
    """The ImageNet f16 16384 architecture from its published model.yaml (random weights)."""
    return TamingVQGAN.from_config(test_data / "vqgan" / "model.yaml").eval()


def expected_tensors(test_data: Path) -> dict[str, tuple[int, ...]]:
    lines = (test_data / "vqgan" / "expected_keys.txt").read_text().splitlines()
    rows = [line.split("\t") for line in lines if line.strip()]
    return {
        name: tuple(int(size) for size in shape.strip("()").split(",") if size)
        for name, shape, _ in rows
    }


def test_full_size_model_has_exactly_the_checkpoints_tensor_names_and_shapes(
    full_vqgan: TamingVQGAN, test_data: Path
) -> None:
    shapes = {name: tuple(tensor.shape) for name, tensor in full_vqgan.state_dict().items()}
    assert shapes == expected_tensors(test_data)
    assert len(shapes) == 343
    assert sum(tensor.numel() for tensor in full_vqgan.state_dict().values()) == 76_073_859


def test_full_size_model_reads_its_size_from_the_config(full_vqgan: TamingVQGAN) -> None:
    assert isinstance(full_vqgan, VQGAN)
    assert full_vqgan.downsample_factor == 16
    assert full_vqgan.codebook.shape == (16384, 256)
    assert full_vqgan.name == "taming-vqgan-f16-16384"


def test_encode_takes_unit_range_images_to_latents_before_quantisation(
    full_vqgan: TamingVQGAN,
) -> None:
    images = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        latents = full_vqgan.encode(images)
        by_hand = full_vqgan.quant_conv(full_vqgan.encoder(images * 2 - 1))
    assert latents.shape == (1, 256, 2, 2)
    torch.testing.assert_close(latents, by_hand)


def test_decode_maps_the_decoders_range_to_unit_range_without_clamping(
    full_vqgan: TamingVQGAN,
) -> None:
    latents = full_vqgan.codebook[:4].T.reshape(1, 256, 2, 2)
    with torch.no_grad():
        images = full_vqgan.decode(latents)
        raw = full_vqgan.decoder(full_vqgan.post_quant_conv(latents))
    assert images.shape == (1, 3, 32, 32)
    torch.testing.assert_close(images, (raw + 1) / 2)


def test_a_yaml_without_model_params_is_rejected(tmp_path: Path) -> None:
    config = tmp_path / "model.yaml"
    config.write_text("model:\n  target: taming.models.vqgan.VQModel\n")
    with pytest.raises(ValueError, match=r"no model\.params"):
        TamingVQGAN.from_config(config)


def test_a_yaml_without_the_codebook_size_is_rejected(tmp_path: Path) -> None:
    config = tmp_path / "model.yaml"
    config.write_text("model:\n  params:\n    embed_dim: 4\n    ddconfig: {}\n")
    with pytest.raises(ValueError, match=r"no model\.params\.n_embed"):
        TamingVQGAN.from_config(config)
