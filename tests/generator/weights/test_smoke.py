from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file

from generator.weights.layout import WeightsLayout
from generator.weights.safe_pickle import InertObject, load_checkpoint_safely
from generator.weights.smoke import README, ensure_smoke_models


def tensor_files(root: Path) -> dict[str, dict[str, torch.Tensor]]:
    """Every tensor of every weights file under `root`, by relative path."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.suffix == ".safetensors":
            found[str(path.relative_to(root))] = load_file(path)
        elif path.suffix in (".pt", ".pth", ".bin"):
            found[str(path.relative_to(root))] = torch.load(path, weights_only=True)
        elif path.suffix == ".ckpt":
            found[str(path.relative_to(root))] = load_checkpoint_safely(path)["state_dict"]
    return found


def test_two_builds_give_identical_models(smoke_layout: WeightsLayout, tmp_path: Path) -> None:
    other = ensure_smoke_models(tmp_path / "weights")
    first, second = tensor_files(smoke_layout.root), tensor_files(other.root)
    assert first.keys() == second.keys()
    assert len(first) == 6
    for file, tensors in first.items():
        assert tensors.keys() == second[file].keys(), file
        for name, tensor in tensors.items():
            assert torch.equal(tensor, second[file][name]), f"{file}: {name}"
    tokenizer = "wangchanberta-base-att-spm-uncased/sentencepiece.bpe.model"
    assert (smoke_layout.root / tokenizer).read_bytes() == (other.root / tokenizer).read_bytes()


def test_a_second_call_keeps_the_built_models(smoke_layout: WeightsLayout) -> None:
    files = [path for path in smoke_layout.root.rglob("*") if path.is_file()]
    before = {path: (path.stat().st_ino, path.stat().st_mtime_ns) for path in files}
    assert ensure_smoke_models(smoke_layout.root.parent) == smoke_layout
    assert {path: (path.stat().st_ino, path.stat().st_mtime_ns) for path in files} == before


def test_the_build_leaves_only_the_smoke_folder(smoke_layout: WeightsLayout) -> None:
    assert [path.name for path in smoke_layout.root.parent.iterdir()] == ["smoke"]


def test_an_unfinished_or_outdated_folder_is_replaced(tmp_path: Path) -> None:
    stale = tmp_path / "smoke"
    stale.mkdir()
    (stale / "README.txt").write_text("ThaiDraw smoke models (format 0)\n")
    (stale / "leftover.bin").write_bytes(b"old")

    layout = ensure_smoke_models(tmp_path)

    assert (layout.root / "README.txt").read_text() == README
    assert not (layout.root / "leftover.bin").exists()
    assert layout.vqgan_safetensors.is_file()
    assert [path.name for path in tmp_path.iterdir()] == ["smoke"]


def test_the_readme_says_the_models_draw_noise(smoke_layout: WeightsLayout) -> None:
    readme = (smoke_layout.root / "README.txt").read_text()
    assert "random" in readme
    assert "noise, not pictures" in readme


def test_building_leaves_the_callers_random_state_alone(tmp_path: Path) -> None:
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    ensure_smoke_models(tmp_path)
    assert torch.equal(torch.rand(3), expected)


def test_the_vqgan_checkpoint_has_the_lightning_layout(smoke_layout: WeightsLayout) -> None:
    checkpoint = load_checkpoint_safely(smoke_layout.vqgan_checkpoint)
    assert any(name.startswith("loss.") for name in checkpoint["state_dict"])
    (callback_class,) = checkpoint["callbacks"]
    assert issubclass(callback_class, InertObject)
    assert checkpoint["optimizer_states"]
    weights = load_file(smoke_layout.vqgan_safetensors)
    assert weights.keys() == {
        name for name in checkpoint["state_dict"] if not name.startswith("loss.")
    }


def test_the_vqgan_config_is_f16_like_the_real_one(smoke_layout: WeightsLayout) -> None:
    import yaml

    params = yaml.safe_load(smoke_layout.vqgan_config.read_text())["model"]["params"]
    assert len(params["ddconfig"]["ch_mult"]) == 5
