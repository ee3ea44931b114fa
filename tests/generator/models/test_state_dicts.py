from __future__ import annotations

from pathlib import Path

import pytest
import torch

from generator.models.state_dicts import (
    StateDictMismatch,
    drop_legacy_buffers,
    load_strictly,
    read_tensors,
    transformers_weights_file,
)


def small_module() -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4))


def test_a_matching_state_dict_is_loaded() -> None:
    source, target = small_module(), small_module()
    load_strictly(target, source.state_dict(), "good.pt")
    assert torch.equal(target[0].weight, source[0].weight)


def test_a_missing_tensor_is_named() -> None:
    state_dict = small_module().state_dict()
    del state_dict["1.bias"]
    with pytest.raises(StateDictMismatch, match=r"broken\.pt .*missing 1\.bias") as caught:
        load_strictly(small_module(), state_dict, "broken.pt")
    assert caught.value.missing == ["1.bias"]


def test_an_unexpected_tensor_is_named() -> None:
    state_dict = {**small_module().state_dict(), "2.weight": torch.zeros(4)}
    with pytest.raises(StateDictMismatch, match=r"unexpected 2\.weight"):
        load_strictly(small_module(), state_dict, "extra.pt")


def test_a_mis_shaped_tensor_is_named_with_both_shapes() -> None:
    state_dict = {**small_module().state_dict(), "0.weight": torch.zeros(4, 5)}
    with pytest.raises(
        StateDictMismatch, match=r"wrong shape 0\.weight \(file \[4, 5\], model \[4, 3\]\)"
    ):
        load_strictly(small_module(), state_dict, "shape.pt")


def test_a_mismatch_leaves_the_module_untouched() -> None:
    module = small_module()
    before = module[0].weight.clone()
    state_dict = {**small_module().state_dict(), "0.bias": torch.zeros(7)}
    with pytest.raises(StateDictMismatch):
        load_strictly(module, state_dict, "shape.pt")
    assert torch.equal(module[0].weight, before)


def test_long_lists_of_names_are_shortened() -> None:
    module = torch.nn.Sequential(*(torch.nn.Linear(1, 1) for _ in range(8)))
    with pytest.raises(StateDictMismatch, match=r"missing .* and 11 more$"):
        load_strictly(module, {}, "empty.pt")


def test_legacy_buffers_are_dropped_only_under_their_prefix() -> None:
    tensors = {
        "model.embeddings.position_ids": torch.arange(4),
        "model.embeddings.token_type_ids": torch.zeros(4),
        "head.embeddings.position_ids": torch.arange(4),
        "model.embeddings.word_embeddings.weight": torch.zeros(2, 2),
    }
    assert set(drop_legacy_buffers(tensors, "model.")) == {
        "head.embeddings.position_ids",
        "model.embeddings.word_embeddings.weight",
    }


def test_read_tensors_refuses_a_file_that_is_not_a_state_dict(tmp_path: Path) -> None:
    path = tmp_path / "list.pt"
    torch.save([torch.zeros(1)], path)
    with pytest.raises(ValueError, match="not a state dict"):
        read_tensors(path)


def test_safetensors_is_preferred_over_pytorch_model_bin(tmp_path: Path) -> None:
    (tmp_path / "pytorch_model.bin").touch()
    assert transformers_weights_file(tmp_path).name == "pytorch_model.bin"
    (tmp_path / "model.safetensors").touch()
    assert transformers_weights_file(tmp_path).name == "model.safetensors"


def test_a_folder_without_weights_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"model\.safetensors or pytorch_model\.bin"):
        transformers_weights_file(tmp_path)
