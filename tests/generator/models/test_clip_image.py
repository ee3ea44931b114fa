from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file
from transformers import CLIPModel

from generator.interfaces import ImageEncoder
from generator.models.clip_image import CLIP_MEAN, CLIP_STD, CLIPImageTower, PatchEmbedding
from generator.models.state_dicts import StateDictMismatch
from generator.weights.layout import WeightsLayout


@pytest.fixture
def clip_copy(smoke_layout: WeightsLayout, tmp_path: Path) -> Path:
    """A private copy of the smoke CLIP folder (a full CLIPModel checkpoint) to tamper with."""
    return Path(shutil.copytree(smoke_layout.clip_dir, tmp_path / "clip-vit-base-patch32"))


def rewrite_tensors(folder: Path, change) -> None:
    tensors = load_file(folder / "model.safetensors")
    change(tensors)
    save_file(tensors, folder / "model.safetensors")


def test_image_embeddings_equal_clips_own_image_features(smoke_layout: WeightsLayout) -> None:
    tower = CLIPImageTower.from_folder(smoke_layout.clip_dir).eval()
    reference = CLIPModel.from_pretrained(smoke_layout.clip_dir).eval()
    images = torch.rand(2, 3, 224, 224)
    normalised = (images - torch.tensor(CLIP_MEAN).view(1, 3, 1, 1)) / torch.tensor(CLIP_STD).view(
        1, 3, 1, 1
    )
    with torch.no_grad():
        features = reference.get_image_features(pixel_values=normalised)
        expected = getattr(features, "pooler_output", features)
        torch.testing.assert_close(tower.encode_images(images), expected)


@pytest.mark.parametrize("attention", ["eager", "sdpa"])
def test_both_attention_kernels_give_clips_embeddings(
    smoke_layout: WeightsLayout, attention: str
) -> None:
    tower = CLIPImageTower.from_folder(smoke_layout.clip_dir).eval()
    images = torch.rand(2, 3, 224, 224)
    with torch.no_grad():
        automatic = tower.encode_images(images)
        tower.attention = attention
        torch.testing.assert_close(tower.encode_images(images), automatic)
    assert tower.model.config._attn_implementation == attention


def test_on_the_cpu_the_tower_attends_with_plain_matmuls(smoke_layout: WeightsLayout) -> None:
    """ViT-B/32's 50 tokens are too few for the fused kernel's backward to pay on a CPU."""
    tower = CLIPImageTower.from_folder(smoke_layout.clip_dir)
    tower.encode_images(torch.rand(1, 3, 224, 224))
    assert tower.attention == "auto"
    assert tower.model.config._attn_implementation == "eager"


def test_the_patch_matmul_computes_the_patch_convolution() -> None:
    patches = PatchEmbedding(3, 16, kernel_size=8, stride=8, bias=False)
    convolution = torch.nn.Conv2d(3, 16, kernel_size=8, stride=8, bias=False)
    convolution.weight = patches.weight
    images = torch.rand(2, 3, 32, 32, requires_grad=True)
    torch.testing.assert_close(patches(images), convolution(images))
    (gradient,) = torch.autograd.grad(patches(images).square().sum(), images)
    (expected,) = torch.autograd.grad(convolution(images).square().sum(), images)
    torch.testing.assert_close(gradient, expected)


def test_the_tower_describes_its_input_and_space(smoke_layout: WeightsLayout) -> None:
    tower = CLIPImageTower.from_folder(smoke_layout.clip_dir)
    assert isinstance(tower, ImageEncoder)
    assert (tower.input_size, tower.embedding_dim) == (224, 512)
    assert tower.name == "clip-vit-base-patch32"


def test_pictures_of_another_size_are_refused(smoke_layout: WeightsLayout) -> None:
    tower = CLIPImageTower.from_folder(smoke_layout.clip_dir)
    with pytest.raises(ValueError, match=r"\[N, 3, 224, 224\]"):
        tower.encode_images(torch.rand(1, 3, 64, 64))


def test_a_missing_vision_tensor_is_named(clip_copy: Path) -> None:
    rewrite_tensors(clip_copy, lambda tensors: tensors.pop("vision_model.post_layernorm.weight"))
    with pytest.raises(StateDictMismatch, match=r"missing vision_model\.post_layernorm\.weight"):
        CLIPImageTower.from_folder(clip_copy)


def test_a_mis_shaped_projection_is_named(clip_copy: Path) -> None:
    def shrink(tensors: dict[str, torch.Tensor]) -> None:
        tensors["visual_projection.weight"] = torch.zeros(512, 16)

    rewrite_tensors(clip_copy, shrink)
    with pytest.raises(StateDictMismatch, match=r"wrong shape visual_projection\.weight"):
        CLIPImageTower.from_folder(clip_copy)


def test_text_tower_tensors_are_ignored_but_unknown_ones_are_not(clip_copy: Path) -> None:
    def add_unknown(tensors: dict[str, torch.Tensor]) -> None:
        tensors["vision_model.extra_head.weight"] = torch.zeros(2)

    rewrite_tensors(clip_copy, add_unknown)
    with pytest.raises(StateDictMismatch, match=r"unexpected vision_model\.extra_head\.weight"):
        CLIPImageTower.from_folder(clip_copy)


def test_the_legacy_position_ids_buffer_is_accepted(clip_copy: Path) -> None:
    def add_legacy(tensors: dict[str, torch.Tensor]) -> None:
        tensors["vision_model.embeddings.position_ids"] = torch.arange(50).unsqueeze(0)

    rewrite_tensors(clip_copy, add_legacy)
    assert CLIPImageTower.from_folder(clip_copy).embedding_dim == 512


def test_a_pytorch_model_bin_folder_loads_the_same_weights(clip_copy: Path) -> None:
    safetensors_tower = CLIPImageTower.from_folder(clip_copy)
    torch.save(load_file(clip_copy / "model.safetensors"), clip_copy / "pytorch_model.bin")
    (clip_copy / "model.safetensors").unlink()
    bin_tower = CLIPImageTower.from_folder(clip_copy)
    for name, tensor in safetensors_tower.state_dict().items():
        assert torch.equal(bin_tower.state_dict()[name], tensor), name
