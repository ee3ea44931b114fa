"""The registry of real model files: what is fetched, from where, and where it lands."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from generator.weights.download import sha256_of
from generator.weights.layout import WeightsLayout
from generator.weights.registry import PARTS, REGISTRY, HubFile, WebFile, select_files

LAYOUT = WeightsLayout(Path("/srv/weights"))


def test_every_part_has_files_and_serving_needs_none_of_the_optional_ones() -> None:
    assert {entry.part for entry in REGISTRY} == set(PARTS)
    optional = {entry.path(LAYOUT).relative_to(LAYOUT.root).as_posix() for entry in REGISTRY
                if entry.optional}  # fmt: skip
    clip, wangchanberta = LAYOUT.clip_dir.name, LAYOUT.wangchanberta_dir.name
    assert optional - {p for p in optional if p.startswith(LAYOUT.mclip_dir.name)} == {
        f"{clip}/vocab.json",
        f"{clip}/merges.txt",
        f"{clip}/tokenizer_config.json",
        f"{clip}/special_tokens_map.json",
        f"{wangchanberta}/pytorch_model.bin",
    }
    assert all(entry.optional for entry in REGISTRY if entry.part == "mclip")


def test_every_file_lands_at_its_own_place_under_the_weights_folder() -> None:
    paths = [entry.path(LAYOUT) for entry in REGISTRY]
    assert len(set(paths)) == len(paths)
    assert all(path.is_relative_to(LAYOUT.root) for path in paths)


def test_files_land_where_the_layout_says_each_model_lives() -> None:
    places = {part: {entry.path(LAYOUT) for entry in select_files([part])} for part in PARTS}
    assert places["vqgan"] == {LAYOUT.vqgan_config, LAYOUT.vqgan_checkpoint}
    assert LAYOUT.thclip_weights in places["thclip"]
    assert places["aesthetic"] == {LAYOUT.aesthetic_head}
    assert all(path.parent == LAYOUT.clip_dir for path in places["clip"])
    assert all(path.is_relative_to(LAYOUT.mclip_dir) for path in places["mclip"])


def test_serving_fetches_only_wangchanberta_config_and_tokenizer_as_thclip_carries_weights() -> (
    None
):
    names = {e.path(LAYOUT).name for e in select_files() if e.part == "thclip"}
    tokenizer_and_config = {"config.json", "sentencepiece.bpe.model", "tokenizer_config.json"}
    assert names == tokenizer_and_config | {"text_MSE_2m.pt"}


def test_clip_comes_as_safetensors_from_a_pinned_commit() -> None:
    weights = next(
        e for e in REGISTRY if e.part == "clip" and e.path(LAYOUT).suffix == ".safetensors"
    )
    assert isinstance(weights.source, HubFile)
    assert re.fullmatch(r"[0-9a-f]{40}", weights.source.revision)
    assert weights.size == 605_157_884
    assert weights.size_is_exact


def test_published_checksums_are_sha256_hex_digests() -> None:
    for entry in REGISTRY:
        assert entry.sha256 is None or re.fullmatch(r"[0-9a-f]{64}", entry.sha256), entry


def test_the_aesthetic_head_entry_matches_the_real_file(test_data: Path) -> None:
    real = test_data / "laion-aesthetic" / "sa_0_4_vit_b_32_linear.pth"
    (head,) = select_files(["aesthetic"])
    assert sha256_of(real) == head.sha256
    assert real.stat().st_size == head.size
    assert head.address() == (
        "https://github.com/LAION-AI/aesthetic-predictor/raw/main/sa_0_4_vit_b_32_linear.pth"
    )


def test_by_default_the_optional_text_encoder_is_left_out() -> None:
    assert {entry.part for entry in select_files()} == set(PARTS) - {"mclip"}
    assert {entry.part for entry in select_files(include_optional=True)} == set(PARTS)


def test_naming_parts_selects_exactly_those_optional_or_not() -> None:
    assert {entry.part for entry in select_files(["mclip"])} == {"mclip"}
    assert {entry.part for entry in select_files(["clip", "vqgan"])} == {"clip", "vqgan"}


def test_a_hub_address_follows_the_endpoint() -> None:
    source = HubFile("org/model", "weights.safetensors", "0" * 40)
    assert source.address("http://127.0.0.1:9000") == (
        f"http://127.0.0.1:9000/org/model/resolve/{'0' * 40}/weights.safetensors"
    )
    assert source.address().startswith("https://huggingface.co/org/model/resolve/")


def test_a_mirror_serves_a_plain_url_under_the_same_path_and_query() -> None:
    source = WebFile("https://heibox.example/d/abc/files/?p=%2Fckpts%2Flast.ckpt&dl=1")
    assert source.address("http://127.0.0.1:8000/cache/") == (
        "http://127.0.0.1:8000/cache/d/abc/files/?p=%2Fckpts%2Flast.ckpt&dl=1"
    )
    assert source.address(None) == source.url


def test_the_vqgan_checkpoint_is_not_needed_once_converted(tmp_path: Path) -> None:
    layout = WeightsLayout(tmp_path)
    checkpoint = next(e for e in REGISTRY if e.path(layout) == layout.vqgan_checkpoint)
    assert not checkpoint.is_satisfied(layout)
    layout.vqgan_dir.mkdir(parents=True)
    layout.vqgan_safetensors.write_bytes(b"converted")
    assert checkpoint.is_satisfied(layout)
    assert checkpoint.is_replaced(layout)


@pytest.mark.parametrize(
    "entry", REGISTRY, ids=lambda entry: f"{entry.part}:{entry.path(LAYOUT).name}"
)
def test_every_file_names_its_licence_and_address(entry) -> None:
    assert entry.licence
    assert entry.address().startswith("https://")


def test_hub_addresses_honour_hf_endpoint_from_the_environment() -> None:
    script = (
        "from generator.weights.registry import select_files;"
        "print(select_files(['clip'])[0].address())"
    )
    env = {**os.environ, "HF_ENDPOINT": "http://hub-mirror.test"}
    printed = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert printed.startswith("http://hub-mirror.test/openai/clip-vit-base-patch32/resolve/")
