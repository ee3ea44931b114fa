"""`thaidraw thclip train|eval` as an operator uses them, on the smoke models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.pictures import read_recipe
from tests.generator.thclip.commands import TINY_TRAINING, thaidraw

SCORE_KEYS = {"text_encoder", "pairs", "r@1", "r@5", "r@10", "mse", "cosine"}


@pytest.fixture(scope="module")
def xtd200(reference_captions: Path) -> tuple[str, str]:
    return str(reference_captions / "xtd200.en.txt"), str(reference_captions / "xtd200.th.txt")


def test_training_leaves_a_card_of_how_the_student_was_made(trained_student: Path) -> None:
    assert (trained_student / "thclip.json").is_file()
    card = json.loads((trained_student / "thclip.json").read_text())
    assert (card["pooling"], card["steps"], card["pair_count"]) == ("mean", 400, 1000)


def test_a_picture_is_drawn_with_the_trained_student(
    trained_student: Path, weights_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "mansion.png"
    result = thaidraw(
        "draw", "คฤหาสน์ แฟนตาซี", "--models", "smoke", "--steps", "2", "--size", "64",
        "--cutn", "2", "--seed", "3", "--device", "cpu", "--out", str(out),
        weights_dir=weights_dir, THAIDRAW_TEXT_ENCODER=str(trained_student),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert read_recipe(out)["models"]["text_encoder"] == "thclip-xtd-mean"


def test_eval_prints_a_table_for_each_text_encoder(
    xtd200: tuple[str, str], trained_student: Path, weights_dir: Path
) -> None:
    english, thai = xtd200
    result = thaidraw(
        "thclip", "eval", "--en", english, "--th", thai, "--models", "smoke",
        "--text-encoder", "clip", "--text-encoder", "thclip", "--text-encoder", "mclip",
        "--text-encoder", str(trained_student), weights_dir=weights_dir,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "1000 pairs; teacher: CLIP's text tower on the English captions"
    assert lines[1].split() == ["text", "encoder", "pairs", "R@1", "R@5", "R@10", "MSE", "cosine"]
    assert [line.split()[0] for line in lines[2:]] == ["clip", "thclip", "mclip", "xtd-mean"]
    assert all(line.split()[1] == "1000" for line in lines[2:])


def test_eval_as_json_gives_recall_mse_and_cosine_and_the_student_beats_the_untrained(
    xtd200: tuple[str, str], trained_student: Path, weights_dir: Path
) -> None:
    english, thai = xtd200
    result = thaidraw(
        "thclip", "eval", "--en", english, "--th", thai, "--models", "smoke", "--json",
        "--text-encoder", "thclip", "--text-encoder", str(trained_student),
        weights_dir=weights_dir,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    untrained, student = (json.loads(line) for line in result.output.splitlines())
    assert set(untrained) == set(student) == SCORE_KEYS
    assert student["text_encoder"] == "xtd-mean"
    assert student["r@1"] > 10 * max(untrained["r@1"], 1 / 1000)
    assert student["mse"] < untrained["mse"]


def test_eval_of_an_unknown_text_encoder_names_the_choices(
    xtd200: tuple[str, str], weights_dir: Path
) -> None:
    english, thai = xtd200
    result = thaidraw(
        "thclip", "eval", "--en", english, "--th", thai, "--models", "smoke",
        "--text-encoder", "labse", weights_dir=weights_dir,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "unknown text encoder 'labse': one of thclip, mclip, clip" in result.output


def test_eval_without_the_real_models_says_how_to_get_them(
    xtd200: tuple[str, str], tmp_path: Path
) -> None:
    english, thai = xtd200
    result = thaidraw(
        "thclip", "eval", "--en", english, "--th", thai, "--models", "real",
        weights_dir=tmp_path,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "holds no CLIP model (no config.json); run `thaidraw weights download`" in result.output


def test_training_again_into_a_finished_run_asks_for_resume(
    trained_student: Path, reference_pairs_tsv: Path, weights_dir: Path
) -> None:
    result = thaidraw(
        "thclip", "train", "--pairs", str(reference_pairs_tsv), "--out", str(trained_student),
        "--steps", "400", "--validation", "0", *TINY_TRAINING, weights_dir=weights_dir,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "already holds a training run; continue it with --resume" in result.output


def test_training_on_a_broken_pairs_file_names_the_line(weights_dir: Path, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("a cat\tแมว\nno thai here\n", encoding="utf-8")
    result = thaidraw(
        "thclip", "train", "--pairs", str(pairs), "--out", str(tmp_path / "run"), *TINY_TRAINING,
        weights_dir=weights_dir,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "pairs.tsv:2: expected tab-separated English and Thai captions" in result.output
    assert not (tmp_path / "run").exists()
