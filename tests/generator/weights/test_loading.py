from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from generator.interfaces import ModelBundle
from generator.settings import GeneratorSettings
from generator.weights.layout import WeightsLayout
from generator.weights.loading import (
    MissingWeightsError,
    load_bundle,
    load_models,
    resolve_device,
    verify_models,
)

CPU = torch.device("cpu")


@pytest.fixture
def smoke_copy(smoke_layout: WeightsLayout, tmp_path: Path) -> WeightsLayout:
    """A private copy of the smoke models to break."""
    return WeightsLayout(Path(shutil.copytree(smoke_layout.root, tmp_path / "weights")))


@pytest.mark.parametrize("text_encoder", ["thclip", "mclip"])
def test_the_smoke_bundle_draws_through_every_role(
    smoke_layout: WeightsLayout, text_encoder: str
) -> None:
    bundle = load_models(smoke_layout, kind="smoke", device=CPU, text_encoder=text_encoder)

    with torch.no_grad():
        images = bundle.image_encoder.encode_images(torch.rand(3, 3, 224, 224))
        texts = bundle.text_encoder.encode_texts(["แมวสีส้ม", "ภาพวาดสีน้ำ ทะเลยามเย็น"])
        codes = bundle.vqgan.codebook[torch.arange(16)].T.reshape(1, -1, 4, 4)
        picture = bundle.vqgan.decode(codes)
        scores = bundle.aesthetic.score(F.normalize(images, dim=-1))

    assert images.shape == (3, 512)
    assert texts.shape == (2, 512)
    assert picture.shape == (1, 3, 64, 64)
    assert scores.shape == (3,)
    assert bundle.kind == "smoke"
    assert bundle.versions()["text_encoder"] == bundle.text_encoder.name


def test_bundled_models_are_frozen_and_in_eval_mode(smoke_layout: WeightsLayout) -> None:
    bundle = load_models(smoke_layout, kind="smoke", device=CPU)
    for module in bundle.modules():
        assert not module.training
        assert not any(parameter.requires_grad for parameter in module.parameters())


def test_an_empty_folder_names_every_missing_file_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(MissingWeightsError) as caught:
        load_models(WeightsLayout(tmp_path), kind="real", device=CPU)
    message = str(caught.value)
    assert "\n" not in message
    for name in (
        "vqgan-imagenet-f16-16384/vqgan.safetensors (or last.ckpt)",
        "vqgan-imagenet-f16-16384/model.yaml",
        "clip-vit-base-patch32/model.safetensors (or pytorch_model.bin)",
        "thclip/text_MSE_2m.pt",
        "wangchanberta-base-att-spm-uncased/sentencepiece.bpe.model",
        "aesthetic/sa_0_4_vit_b_32_linear.pth",
    ):
        assert name in message
    assert "mclip" not in message
    assert "thaidraw weights download" in message


def test_only_the_chosen_text_encoder_is_required(smoke_copy: WeightsLayout) -> None:
    shutil.rmtree(smoke_copy.mclip_dir)
    load_models(smoke_copy, kind="smoke", device=CPU, text_encoder="thclip")
    with pytest.raises(MissingWeightsError, match=r"mclip-xlm-roberta-large-vit-b-32/config\.json"):
        load_models(smoke_copy, kind="smoke", device=CPU, text_encoder="mclip")


def test_an_unknown_text_encoder_is_refused(smoke_layout: WeightsLayout) -> None:
    with pytest.raises(ValueError, match="unknown text encoder 'clip'"):
        load_models(smoke_layout, kind="smoke", device=CPU, text_encoder="clip")


def test_a_lone_lightning_checkpoint_is_converted_once(smoke_copy: WeightsLayout) -> None:
    converted = smoke_copy.vqgan_safetensors.read_bytes()
    smoke_copy.vqgan_safetensors.unlink()

    load_models(smoke_copy, kind="real", device=CPU)

    assert smoke_copy.vqgan_safetensors.read_bytes() == converted


def test_load_bundle_builds_and_loads_smoke_models_from_the_settings(
    smoke_layout: WeightsLayout,
) -> None:
    settings = GeneratorSettings(weights_dir=smoke_layout.root.parent, models="smoke", device="cpu")
    bundle = load_bundle(settings)
    assert isinstance(bundle, ModelBundle)
    assert bundle.kind == "smoke"
    assert bundle.text_encoder.name.startswith("thclip")


def test_load_bundle_with_real_models_missing_says_how_to_get_them(tmp_path: Path) -> None:
    settings = GeneratorSettings(weights_dir=tmp_path, models="real", device="cpu")
    with pytest.raises(MissingWeightsError, match=r"run `thaidraw weights download`"):
        load_bundle(settings, CPU)


def test_resolve_device_picks_cuda_only_when_there_is_one() -> None:
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu") == CPU


def test_verify_counts_the_tensors_and_parameters_of_each_part(
    smoke_layout: WeightsLayout,
) -> None:
    reports = verify_models(smoke_layout, text_encoders=("thclip", "mclip"))
    assert [report.part for report in reports] == [
        "vqgan",
        "image_encoder",
        "thclip",
        "mclip",
        "aesthetic",
    ]
    assert all(report.status == "ok" for report in reports), reports
    vqgan, *_, aesthetic = reports
    assert vqgan.file == smoke_layout.vqgan_safetensors
    assert (aesthetic.tensors, aesthetic.parameters) == (2, 513)


def test_verify_reports_every_part_even_when_some_are_broken(smoke_copy: WeightsLayout) -> None:
    state_dict = torch.load(smoke_copy.thclip_weights, weights_only=True)
    del state_dict["text_projection.layer_norm.weight"]
    torch.save(state_dict, smoke_copy.thclip_weights)
    smoke_copy.aesthetic_head.unlink()

    reports = {report.part: report for report in verify_models(smoke_copy)}

    assert reports["vqgan"].status == reports["image_encoder"].status == "ok"
    assert reports["thclip"].status == "failed"
    assert "missing text_projection.layer_norm.weight" in reports["thclip"].error
    assert reports["aesthetic"].status == "missing"
    assert reports["aesthetic"].error == "missing aesthetic/sa_0_4_vit_b_32_linear.pth"
