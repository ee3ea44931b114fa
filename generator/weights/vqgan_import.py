"""Convert taming's Lightning checkpoint `last.ckpt` once into a strict safetensors file."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import save_file

from generator.models.state_dicts import count_parameters, load_strictly
from generator.models.vqgan import TamingVQGAN
from generator.weights.layout import WeightsLayout
from generator.weights.safe_pickle import load_checkpoint_safely

# The GAN loss (LPIPS network, discriminator) is only needed for training.
LOSS_PREFIX = "loss."


@dataclass(frozen=True)
class ImportReport:
    safetensors: Path
    config: Path
    tensors: int
    parameters: int
    dropped_loss_tensors: int


def import_vqgan_checkpoint(checkpoint: Path, config: Path, layout: WeightsLayout) -> ImportReport:
    """Load `checkpoint` safely, check it strictly against `config`, write both into `layout`."""
    state_dict = _model_state_dict(checkpoint)
    weights = {
        name: tensor for name, tensor in state_dict.items() if not name.startswith(LOSS_PREFIX)
    }
    model = TamingVQGAN.from_config(config)
    load_strictly(model, weights, checkpoint.name)

    layout.vqgan_dir.mkdir(parents=True, exist_ok=True)
    tensors = {name: tensor.contiguous() for name, tensor in model.state_dict().items()}
    _write_atomically(
        layout.vqgan_safetensors,
        lambda temporary: save_file(tensors, temporary, metadata={"source": checkpoint.name}),
    )
    if config.resolve() != layout.vqgan_config.resolve():
        _write_atomically(layout.vqgan_config, lambda temporary: shutil.copyfile(config, temporary))
    return ImportReport(
        safetensors=layout.vqgan_safetensors,
        config=layout.vqgan_config,
        tensors=len(tensors),
        parameters=count_parameters(model),
        dropped_loss_tensors=len(state_dict) - len(weights),
    )


def _model_state_dict(checkpoint: Path) -> Mapping[str, torch.Tensor]:
    loaded = load_checkpoint_safely(checkpoint)
    state_dict = loaded.get("state_dict") if isinstance(loaded, Mapping) else None
    if not isinstance(state_dict, Mapping):
        raise ValueError(f"{checkpoint.name} has no `state_dict`: not a taming checkpoint")
    for name, value in state_dict.items():
        if not isinstance(value, torch.Tensor):
            raise ValueError(f"{checkpoint.name}: state_dict entry {name} is not a tensor")
    return state_dict


def _write_atomically(target: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary name in the same folder, so `target` is never half-written."""
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
