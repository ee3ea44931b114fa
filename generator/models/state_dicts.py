"""Reading tensor files without running code, and loading them into modules strictly."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

import torch
from safetensors.torch import load_file

# Buffers that transformers 4.x (before 4.31) saved with every RoBERTa-family model; newer
# releases recompute them and no longer keep them in the state dict.
LEGACY_TRANSFORMERS_BUFFERS = ("embeddings.position_ids", "embeddings.token_type_ids")

# The single-file weights of a transformers folder, in the order transformers prefers them.
TRANSFORMERS_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")

_NAMES_SHOWN = 5


class StateDictMismatch(ValueError):
    """A file whose tensors do not match the model exactly; the message names each difference."""

    def __init__(
        self,
        source: str,
        *,
        missing: Collection[str] = (),
        unexpected: Collection[str] = (),
        wrong_shapes: Mapping[str, tuple[tuple[int, ...], tuple[int, ...]]] | None = None,
    ) -> None:
        self.missing = sorted(missing)
        self.unexpected = sorted(unexpected)
        self.wrong_shapes = dict(sorted((wrong_shapes or {}).items()))
        problems = []
        if self.missing:
            problems.append(f"missing {_some(self.missing)}")
        if self.unexpected:
            problems.append(f"unexpected {_some(self.unexpected)}")
        if self.wrong_shapes:
            shapes = [
                f"{name} (file {list(found)}, model {list(wanted)})"
                for name, (found, wanted) in self.wrong_shapes.items()
            ]
            problems.append(f"wrong shape {_some(shapes)}")
        super().__init__(f"{source} does not match the model: {'; '.join(problems)}")


def _some(names: list[str]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    rest = len(names) - _NAMES_SHOWN
    return f"{shown} and {rest} more" if rest > 0 else shown


def read_tensors(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a safetensors file or of a plain torch-saved state dict (weights only)."""
    if path.suffix == ".safetensors":
        return load_file(path)
    loaded = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(loaded, Mapping) or not all(
        isinstance(value, torch.Tensor) for value in loaded.values()
    ):
        raise ValueError(f"{path} is not a state dict of tensors")
    return dict(loaded)


def transformers_weights_file(folder: Path) -> Path:
    """The weights file of a transformers folder (the first of TRANSFORMERS_WEIGHT_FILES found)."""
    for name in TRANSFORMERS_WEIGHT_FILES:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{folder} has no {' or '.join(TRANSFORMERS_WEIGHT_FILES)}")


def drop_legacy_buffers(
    state_dict: Mapping[str, torch.Tensor], prefix: str
) -> dict[str, torch.Tensor]:
    """Remove the buffers old transformers releases saved under `prefix`; keep everything else."""
    legacy = {prefix + name for name in LEGACY_TRANSFORMERS_BUFFERS}
    return {name: tensor for name, tensor in state_dict.items() if name not in legacy}


def load_strictly(
    module: torch.nn.Module, state_dict: Mapping[str, torch.Tensor], source: str
) -> None:
    """Copy every tensor into `module`; any missing, unexpected or mis-shaped one is an error."""
    expected = module.state_dict()
    wrong_shapes = {
        name: (tuple(tensor.shape), tuple(expected[name].shape))
        for name, tensor in state_dict.items()
        if name in expected and tensor.shape != expected[name].shape
    }
    missing = expected.keys() - state_dict.keys()
    unexpected = state_dict.keys() - expected.keys()
    if missing or unexpected or wrong_shapes:
        raise StateDictMismatch(
            source, missing=missing, unexpected=unexpected, wrong_shapes=wrong_shapes
        )
    module.load_state_dict(state_dict, strict=True)


def count_parameters(module: torch.nn.Module) -> int:
    return sum(parameter.numel() for parameter in module.parameters())
