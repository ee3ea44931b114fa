from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from transformers import CamembertConfig, CamembertForMaskedLM

from generator.models.thclip import ThCLIPTextEncoder
from generator.settings import GeneratorSettings, SettingsError, load_settings
from generator.thclip.student import (
    CARD_FILE,
    WEIGHTS_FILE,
    StudentFolderError,
    build_student,
    load_student,
    save_student,
)
from generator.weights.layout import WeightsLayout
from generator.weights.loading import load_models

TEXTS = ["แมวสีส้มนอนบนโซฟา", "ภาพวาดสีน้ำ ทะเลยามเย็น"]
CPU = torch.device("cpu")


def embed(encoder: ThCLIPTextEncoder) -> torch.Tensor:
    with torch.no_grad():
        return encoder.eval().encode_texts(TEXTS)


@pytest.fixture(scope="module")
def student_dir(smoke_layout: WeightsLayout, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mean-pooling student whose head differs from the smoke ThCLIP's."""
    student = build_student(smoke_layout, "thclip", "mean")
    with torch.no_grad():
        student.text_projection.fc.bias.add_(0.5)
    folder = tmp_path_factory.mktemp("runs") / "student-mean"
    save_student(student, folder, {"steps": 3})
    return folder


def test_a_saved_student_loads_with_the_same_embeddings_and_pooling(
    smoke_layout: WeightsLayout, student_dir: Path
) -> None:
    student = build_student(smoke_layout, "thclip", "mean")
    with torch.no_grad():
        student.text_projection.fc.bias.add_(0.5)
    loaded = load_student(student_dir)
    assert loaded.pooling == "mean"
    assert loaded.name == "thclip-student-mean"
    torch.testing.assert_close(embed(loaded), embed(student))


def test_the_folder_is_in_the_original_apps_layout_with_its_own_tokenizer(
    student_dir: Path,
) -> None:
    encoder = ThCLIPTextEncoder.from_files(student_dir, student_dir / WEIGHTS_FILE, pooling="mean")
    torch.testing.assert_close(embed(encoder), embed(load_student(student_dir)))
    card = json.loads((student_dir / CARD_FILE).read_text())
    assert card["pooling"] == "mean"
    assert card["steps"] == 3


def test_the_generator_takes_a_student_folder_as_its_text_encoder(
    smoke_layout: WeightsLayout, student_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THAIDRAW_TEXT_ENCODER", str(student_dir))
    settings = load_settings(GeneratorSettings)
    bundle = load_models(smoke_layout, kind="smoke", device=CPU, text_encoder=settings.text_encoder)
    assert bundle.versions()["text_encoder"] == "thclip-student-mean"
    torch.testing.assert_close(
        bundle.text_encoder.encode_texts(TEXTS), embed(load_student(student_dir))
    )


def test_a_folder_that_is_no_student_is_refused_by_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THAIDRAW_TEXT_ENCODER", str(tmp_path))
    with pytest.raises(SettingsError, match=r"THAIDRAW_TEXT_ENCODER.*thclip train"):
        load_settings(GeneratorSettings)


def test_a_card_of_unknown_format_is_refused(student_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(student_dir, copy)
    (copy / CARD_FILE).write_text('{"format": 99, "pooling": "mean"}')
    with pytest.raises(StudentFolderError, match="unknown format"):
        load_student(copy)


def test_a_student_can_begin_from_pretrained_wangchanberta_with_a_fresh_head(
    smoke_layout: WeightsLayout, tmp_path: Path
) -> None:
    layout = WeightsLayout(tmp_path / "weights")
    shutil.copytree(smoke_layout.wangchanberta_dir, layout.wangchanberta_dir)
    config = CamembertConfig.from_json_file(layout.wangchanberta_dir / "config.json")
    torch.manual_seed(11)
    pretrained = CamembertForMaskedLM(config)  # saved as published: `roberta.*` and `lm_head.*`
    pretrained.save_pretrained(layout.wangchanberta_dir)

    student = build_student(layout, "wangchanberta", "cls")

    backbone = student.text_encoder["model"].state_dict()
    for name, tensor in pretrained.roberta.state_dict().items():
        torch.testing.assert_close(backbone[name], tensor, msg=name)
    assert student.pooling == "cls"


def test_beginning_from_wangchanberta_without_its_weights_says_how_to_get_them(
    smoke_layout: WeightsLayout,
) -> None:
    with pytest.raises(FileNotFoundError, match="thaidraw weights download --only thclip"):
        build_student(smoke_layout, "wangchanberta", "cls")
