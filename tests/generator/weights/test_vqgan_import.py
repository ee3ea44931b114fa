from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from generator.models.state_dicts import StateDictMismatch
from generator.models.vqgan import TamingVQGAN
from generator.weights.layout import WeightsLayout
from generator.weights.safe_pickle import UnsafeCheckpointError
from generator.weights.vqgan_import import import_vqgan_checkpoint


class ModelCheckpoint:
    """Test-only stand-in for Lightning's callback class in a checkpoint's training state."""

    def __init__(self) -> None:
        self.monitor = "val/rec_loss"
        self.best_model_score = torch.tensor(0.1)


@pytest.fixture(scope="module")
def config(test_data: Path) -> Path:
    return test_data / "vqgan" / "model.yaml"


@pytest.fixture(scope="module")
def weights(config: Path) -> dict[str, torch.Tensor]:
    """The full-size VQGAN's tensors (random), built once for the module."""
    return TamingVQGAN.from_config(config).state_dict()


def write_lightning_checkpoint(path: Path, weights: dict[str, torch.Tensor]) -> Path:
    """A checkpoint in the layout pytorch-lightning saved the public `last.ckpt` in."""
    loss = {
        "loss.logvar": torch.zeros(()),
        "loss.perceptual_loss.net.slice1.0.weight": torch.randn(64, 3, 3, 3),
        "loss.discriminator.main.0.weight": torch.randn(64, 3, 4, 4),
    }
    checkpoint = {
        "epoch": 3,
        "global_step": 1000,
        "pytorch-lightning_version": "1.0.8",
        "callbacks": {ModelCheckpoint: {"best_model_score": torch.tensor(0.1)}},
        "checkpoint_callback": ModelCheckpoint(),
        "optimizer_states": [{"state": {}, "param_groups": [{"lr": 4.5e-6, "params": [0, 1]}]}],
        "lr_schedulers": [],
        "state_dict": {**weights, **loss},
    }
    torch.save(checkpoint, path)
    return path


def test_a_full_size_lightning_checkpoint_becomes_a_safetensors_file(
    tmp_path: Path, config: Path, weights: dict[str, torch.Tensor]
) -> None:
    checkpoint = write_lightning_checkpoint(tmp_path / "last.ckpt", weights)
    layout = WeightsLayout(tmp_path / "weights")

    report = import_vqgan_checkpoint(checkpoint, config, layout)

    assert (report.tensors, report.parameters, report.dropped_loss_tensors) == (343, 76_073_859, 3)
    converted = load_file(layout.vqgan_safetensors)
    assert converted.keys() == weights.keys()
    assert torch.equal(converted["quantize.embedding.weight"], weights["quantize.embedding.weight"])
    assert layout.vqgan_config.read_text() == config.read_text()
    assert sorted(os.listdir(layout.vqgan_dir)) == ["model.yaml", "vqgan.safetensors"]
    loaded = TamingVQGAN.from_safetensors(layout.vqgan_safetensors, layout.vqgan_config)
    assert torch.equal(loaded.decoder.conv_out.weight, weights["decoder.conv_out.weight"])


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        ("rename", r"missing decoder\.conv_out\.bias; unexpected decoder\.conv_out\.offset"),
        ("remove", r"missing encoder\.mid\.attn_1\.q\.weight"),
        ("reshape", r"wrong shape quantize\.embedding\.weight \(file \[1024, 256\]"),
    ],
    ids=["renamed", "missing", "mis-shaped"],
)
def test_a_tampered_checkpoint_fails_naming_the_tensor_and_writes_nothing(
    tmp_path: Path, config: Path, weights: dict[str, torch.Tensor], tamper: str, named: str
) -> None:
    tampered = dict(weights)
    if tamper == "rename":
        tampered["decoder.conv_out.offset"] = tampered.pop("decoder.conv_out.bias")
    elif tamper == "remove":
        del tampered["encoder.mid.attn_1.q.weight"]
    else:
        tampered["quantize.embedding.weight"] = torch.zeros(1024, 256)
    checkpoint = write_lightning_checkpoint(tmp_path / "last.ckpt", tampered)
    layout = WeightsLayout(tmp_path / "weights")

    with pytest.raises(StateDictMismatch, match=rf"^last\.ckpt does not match the model: {named}"):
        import_vqgan_checkpoint(checkpoint, config, layout)

    assert not layout.vqgan_safetensors.exists()


def test_a_malicious_checkpoint_is_refused_before_anything_is_written(
    tmp_path: Path, config: Path
) -> None:
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return os.system, (f"touch {marker}",)

    torch.save({"state_dict": {}, "hyper_parameters": Payload()}, tmp_path / "last.ckpt")
    layout = WeightsLayout(tmp_path / "weights")

    with pytest.raises(UnsafeCheckpointError, match="system"):
        import_vqgan_checkpoint(tmp_path / "last.ckpt", config, layout)

    assert not marker.exists()
    assert not layout.vqgan_dir.exists()


def test_a_file_without_a_state_dict_is_not_a_taming_checkpoint(
    tmp_path: Path, config: Path
) -> None:
    torch.save({"model": {}}, tmp_path / "other.ckpt")
    with pytest.raises(ValueError, match=r"other\.ckpt has no `state_dict`"):
        import_vqgan_checkpoint(tmp_path / "other.ckpt", config, WeightsLayout(tmp_path))
