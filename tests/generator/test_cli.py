"""`thaidraw draw` as an operator uses it: a PNG with its recipe, or one clear line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from generator.pictures import read_recipe


def thaidraw(*args: str, weights_dir: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "THAIDRAW_WEIGHTS_DIR": str(weights_dir), **env}
    environment.pop("THAIDRAW_MODELS", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )


def draw(weights_dir: Path, out: Path, *extra: str, **env: str) -> subprocess.CompletedProcess:
    return thaidraw(
        "draw", "คฤหาสน์ แฮรี่พอตเตอร์", "--neg", "ภาพเบลอ", "--style", "fantasy",
        "--models", "smoke", "--steps", "3", "--size", "80x64", "--cutn", "2",
        "--out", str(out), *extra,
        weights_dir=weights_dir, **env,
    )  # fmt: skip


@dataclass(frozen=True)
class Drawn:
    out: Path
    result: subprocess.CompletedProcess


@pytest.fixture(scope="module")
def mansion(weights_dir, tmp_path_factory) -> Drawn:
    """One plain draw that several tests read (each draw starts a process that loads torch)."""
    out = tmp_path_factory.mktemp("mansion") / "mansion.png"
    return Drawn(out, draw(weights_dir, out, "--seed", "11"))


def test_draw_writes_a_png_with_its_full_recipe_and_prints_its_path(mansion):
    out, result = mansion.out, mansion.result
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    assert "smoke models" in result.stderr
    with Image.open(out) as image:
        assert image.size == (80, 64)
    recipe = read_recipe(out)
    assert recipe["seed"] == 11
    assert recipe["request"]["prompts"] == [{"text": "คฤหาสน์ แฮรี่พอตเตอร์", "weight": 1.0}]
    assert recipe["request"]["negatives"] == [{"text": "ภาพเบลอ", "weight": 0.4}]
    assert recipe["request"]["styles"] == ["ภาพแฟนตาซี"]
    assert recipe["steps_done"] == 3
    assert recipe["models"]["kind"] == "smoke"
    assert recipe["seconds"] > 0


def test_draw_shows_a_progress_bar_with_steps_done_and_the_time_left_on_stderr(mansion):
    result = mansion.result
    assert result.returncode == 0, result.stderr
    last = result.stderr.replace("\r", "\n").strip().splitlines()[-1]
    # tqdm's own words: done/total [elapsed<left, pace]
    assert re.match(r"drawing: 100%.* 3/3 \[\d\d:\d\d<\d\d:\d\d, .*(step/s|s/step)\]$", last), last


def test_quiet_draw_prints_only_the_pngs_path(weights_dir, tmp_path):
    result = draw(weights_dir, tmp_path / "quiet.png", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "quiet.png")
    assert "drawing" not in result.stderr
    assert "step" not in result.stderr


def test_without_neg_the_original_apps_blurry_negative_is_used_and_none_removes_it(
    weights_dir, tmp_path
):
    for extra, negatives in (
        ((), [{"text": "ภาพเบลอ", "weight": 0.4}]),
        (("--neg", "none"), []),
    ):
        out = tmp_path / f"cat{len(extra)}.png"
        result = thaidraw(
            "draw", "แมว", *extra, "--models", "smoke", "--steps", "1", "--size", "64",
            "--cutn", "1", "--out", str(out),
            weights_dir=weights_dir,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert read_recipe(out)["request"]["negatives"] == negatives


def test_the_same_request_and_seed_give_pixel_identical_pictures(mansion, weights_dir, tmp_path):
    first, second = mansion.out, tmp_path / "again.png"
    assert draw(weights_dir, second, "--seed", "11").returncode == 0
    pixels = [np.asarray(Image.open(path)) for path in (first, second)]
    assert np.array_equal(*pixels)
    recipes = [read_recipe(path) for path in (first, second)]
    for recipe in recipes:
        recipe.pop("seconds")
    assert recipes[0] == recipes[1]


def test_a_picture_can_start_from_an_init_image_and_aim_at_a_target(weights_dir, tmp_path):
    start, target = tmp_path / "start.jpg", tmp_path / "target.png"
    Image.new("RGB", (100, 80), (200, 30, 30)).save(start)
    Image.new("RGB", (50, 50), (30, 30, 200)).save(target)
    out = tmp_path / "out.png"
    result = draw(weights_dir, out, "--init", str(start), "--target", str(target))
    assert result.returncode == 0, result.stderr
    assert read_recipe(out)["request"]["init_image"] == str(start)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--size", "big"], "cannot read the size"),
        (["--size", "32"], "between 64 and 512"),
        (["--steps", "0"], "steps must be between 1 and 500"),
        (["--style", "vaporwave"], "unknown style 'vaporwave'"),
        (["--seed", "-3"], "seed must be"),
        (["--cutn", "1000"], "cutn must be"),
        (["--init", "/nonexistent/picture.png"], "cannot read image /nonexistent/picture.png"),
    ],
)
def test_bad_arguments_end_with_one_clear_line(weights_dir, tmp_path, arguments, message):
    result = draw(weights_dir, tmp_path / "x.png", *arguments)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert message in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_a_file_that_is_not_a_picture_is_refused(weights_dir, tmp_path):
    fake = tmp_path / "notes.png"
    fake.write_text("not a picture")
    result = draw(weights_dir, tmp_path / "x.png", "--target", str(fake))
    assert result.returncode == 2
    assert "not a picture" in result.stderr


def test_an_empty_prompt_is_refused(weights_dir, tmp_path):
    result = thaidraw("draw", "  ", "--models", "smoke", weights_dir=weights_dir)
    assert result.returncode == 2
    assert "nothing to draw" in result.stderr


def test_real_models_without_weights_say_how_to_get_them(tmp_path):
    result = thaidraw("draw", "แมว", "--models", "real", "--out", str(tmp_path / "x.png"),
                      weights_dir=tmp_path / "empty")  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "thaidraw weights download" in result.stderr


def test_a_malformed_setting_names_the_variable(weights_dir):
    result = thaidraw("draw", "แมว", weights_dir=weights_dir, THAIDRAW_MAX_STEPS="many")
    assert result.returncode == 2
    assert "THAIDRAW_MAX_STEPS" in result.stderr


def test_draw_records_the_augmentations_and_the_precision_it_used(weights_dir, tmp_path):
    out = tmp_path / "sharp.png"
    result = draw(weights_dir, out, "--seed", "2", "--augment", "sharp", "--precision", "bf16")
    assert result.returncode == 0, result.stderr
    recipe = read_recipe(out)
    assert recipe["request"]["augment"] == "sharp"
    assert recipe["precision"] == "bf16"


def test_draw_uses_the_original_apps_augmentations_and_resolves_auto(weights_dir, tmp_path):
    out = tmp_path / "plain.png"
    result = draw(weights_dir, out, "--seed", "2", THAIDRAW_PRECISION="fp32")
    assert result.returncode == 0, result.stderr
    recipe = read_recipe(out)
    assert recipe["request"]["augment"] == "original"
    assert recipe["precision"] == "fp32"


def test_deterministic_bf16_is_refused_in_one_line(weights_dir, tmp_path):
    result = draw(weights_dir, tmp_path / "x.png", "--deterministic", "--precision", "bf16")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "error: --deterministic draws in fp32; leave out --precision bf16"
    )
