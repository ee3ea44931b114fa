from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from transformers import CLIPModel, CLIPTokenizer

from generator.models.state_dicts import StateDictMismatch
from generator.thclip.teacher import CLIPTextTower, MissingTokenizerError
from generator.weights.layout import WeightsLayout

CAPTIONS = ["a cat with its paws on a computer mouse", "flock of birds over the sea", "แมวส้ม"]


def test_the_teacher_equals_clips_own_text_features(smoke_layout: WeightsLayout) -> None:
    tower = CLIPTextTower.from_folder(smoke_layout.clip_dir).eval()
    clip = CLIPModel.from_pretrained(smoke_layout.clip_dir, local_files_only=True).eval()
    tokenizer = CLIPTokenizer.from_pretrained(smoke_layout.clip_dir, local_files_only=True)
    with torch.no_grad():
        expected = clip.get_text_features(**tokenizer(CAPTIONS, padding=True, return_tensors="pt"))
        embeddings = tower.encode_texts(CAPTIONS)
    expected = getattr(expected, "pooler_output", expected)  # a tensor in older transformers
    assert embeddings.shape == (3, 512)
    torch.testing.assert_close(embeddings, expected)


def test_a_clip_folder_without_its_tokenizer_says_how_to_fetch_it(
    smoke_layout: WeightsLayout, tmp_path: Path
) -> None:
    folder = tmp_path / "clip"
    shutil.copytree(smoke_layout.clip_dir, folder)
    (folder / "merges.txt").unlink()
    with pytest.raises(
        MissingTokenizerError, match=r"merges\.txt missing.*thaidraw weights download --only clip"
    ):
        CLIPTextTower.from_folder(folder)


def test_weights_without_the_text_tower_are_refused(
    smoke_layout: WeightsLayout, tmp_path: Path
) -> None:
    from safetensors.torch import load_file, save_file

    folder = tmp_path / "clip"
    shutil.copytree(smoke_layout.clip_dir, folder)
    tensors = load_file(folder / "model.safetensors")
    del tensors["text_projection.weight"]
    save_file(tensors, folder / "model.safetensors")
    with pytest.raises(StateDictMismatch, match=r"missing text_projection\.weight"):
        CLIPTextTower.from_folder(folder)
