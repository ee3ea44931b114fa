"""`thaidraw weights list|download|verify|import-vqgan` as an operator sees them."""

from __future__ import annotations

import os
import re
import shutil
import socket
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer
from safetensors.torch import load_file

from bot.cli import main
from generator.weights.download import part_path
from generator.weights.layout import WeightsLayout
from generator.weights.registry import REGISTRY

AESTHETIC_URL_PATH = "/LAION-AI/aesthetic-predictor/raw/main/sa_0_4_vit_b_32_linear.pth"


def run(*arguments: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["weights", *arguments], env=env)


def table_rows(output: str) -> list[list[str]]:
    """The cells of the table's rows (columns are two or more spaces apart)."""
    header, *lines = output.splitlines()
    columns = len(re.split(r" {2,}", header))
    return [cells for line in lines if len(cells := re.split(r" {2,}", line)) == columns]


def rows_by_file(output: str) -> dict[str, list[str]]:
    return {cells[1]: cells for cells in table_rows(output)}


def copy_layout(source: WeightsLayout, root: Path) -> WeightsLayout:
    shutil.copytree(source.root, root)
    return WeightsLayout(root)


@pytest.fixture
def weights_dir(tmp_path: Path) -> Path:
    return tmp_path / "weights"


def test_list_on_an_empty_folder_shows_every_file_missing(weights_dir: Path) -> None:
    result = run("list", "--dir", str(weights_dir))

    assert result.exit_code == 0, result.output
    rows = rows_by_file(result.stdout)
    layout = WeightsLayout(weights_dir)
    assert set(rows) == {str(entry.relative_path(layout)) for entry in REGISTRY}
    assert all("missing" in cells for cells in rows.values())
    assert rows["clip-vit-base-patch32/model.safetensors"][2:] == ["missing", "-", "605.2 MB"]
    assert rows["vqgan-imagenet-f16-16384/last.ckpt"][-1] == "~980.0 MB"
    assert f"{len(REGISTRY)} of {len(REGISTRY)} files missing" in result.stdout
    assert result.stdout.splitlines()[-1] == f"next: thaidraw weights download --dir {weights_dir}"


def test_list_on_a_partly_filled_folder_tells_each_state_apart(
    weights_dir: Path, test_data: Path
) -> None:
    layout = WeightsLayout(weights_dir)
    layout.aesthetic_head.parent.mkdir(parents=True)
    shutil.copy(
        test_data / "laion-aesthetic" / "sa_0_4_vit_b_32_linear.pth", layout.aesthetic_head
    )
    layout.clip_dir.mkdir(parents=True)
    part_path(layout.clip_dir / "model.safetensors").write_bytes(b"\0" * 2000)
    (layout.clip_dir / "config.json").write_text("{}")
    layout.wangchanberta_dir.mkdir(parents=True)
    (layout.wangchanberta_dir / "config.json").write_text("{}")  # the real one has 546 bytes
    layout.vqgan_dir.mkdir(parents=True)
    layout.vqgan_safetensors.write_bytes(b"converted")

    result = run("list", "--dir", str(weights_dir))

    assert result.exit_code == 0, result.output
    rows = rows_by_file(result.stdout)
    assert rows["aesthetic/sa_0_4_vit_b_32_linear.pth"][2:] == ["present", "3.0 kB", "3.0 kB"]
    assert rows["clip-vit-base-patch32/model.safetensors"][2:] == ["partial", "2.0 kB", "605.2 MB"]
    assert rows["clip-vit-base-patch32/config.json"][2:4] == ["present", "2 B"]
    assert rows["wangchanberta-base-att-spm-uncased/config.json"][2:] == [
        "wrong size",
        "2 B",
        "546 B",
    ]
    assert rows["vqgan-imagenet-f16-16384/last.ckpt"][2] == "converted"
    assert rows["mclip-xlm-roberta-large-vit-b-32/pytorch_model.bin"][0] == "mclip (optional)"


def test_the_folder_defaults_to_the_weights_dir_setting(weights_dir: Path) -> None:
    result = run("list", env={"THAIDRAW_WEIGHTS_DIR": str(weights_dir)})

    assert result.exit_code == 0, result.output
    needed = len([entry for entry in REGISTRY if not entry.optional])
    assert f"files missing in {weights_dir}; {needed} needed, about 2.0 GB to download" in (
        result.stdout
    )
    assert result.stdout.splitlines()[-1] == "next: thaidraw weights download"


def test_a_bad_setting_is_one_line_and_exit_2() -> None:
    result = run("list", env={"THAIDRAW_MODELS": "huge"})

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "THAIDRAW_MODELS" in result.stderr
    assert "Traceback" not in result.output


def test_download_fetches_a_part_from_a_mirror(
    httpserver: HTTPServer, weights_dir: Path, test_data: Path
) -> None:
    head = test_data / "laion-aesthetic" / "sa_0_4_vit_b_32_linear.pth"
    httpserver.expect_request(AESTHETIC_URL_PATH).respond_with_data(head.read_bytes())

    result = run(
        "download",
        "--dir",
        str(weights_dir),
        "--only",
        "aesthetic",
        "--mirror",
        httpserver.url_for("/"),
    )

    assert result.exit_code == 0, result.output
    assert re.search(r"^downloaded +aesthetic/sa_0_4_vit_b_32_linear.pth$", result.stdout, re.M)
    assert (
        weights_dir / "aesthetic" / "sa_0_4_vit_b_32_linear.pth"
    ).read_bytes() == head.read_bytes()


def test_download_offline_ends_with_one_line_and_exit_1(weights_dir: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"

    result = run("download", "--dir", str(weights_dir), "--only", "aesthetic", "--mirror", closed)

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: cannot fetch aesthetic/sa_0_4_vit_b_32_linear.pth from ")
    assert f"place it at {weights_dir / 'aesthetic' / 'sa_0_4_vit_b_32_linear.pth'}" in line


def test_download_converts_the_vqgan_checkpoint_and_drops_the_pickle(
    httpserver: HTTPServer, weights_dir: Path, smoke_layout: WeightsLayout
) -> None:
    for name, query in (("model.yaml", "configs"), ("last.ckpt", "ckpts")):
        source = smoke_layout.vqgan_dir / name
        httpserver.expect_request(
            "/d/a7530b09fed84f80a887/files/", query_string=f"p=%2F{query}%2F{name}&dl=1"
        ).respond_with_data(source.read_bytes())

    result = run(
        "download",
        "--dir",
        str(weights_dir),
        "--only",
        "vqgan",
        "--mirror",
        httpserver.url_for("/"),
    )

    assert result.exit_code == 0, result.output
    assert re.search(
        r"^converted +vqgan-imagenet-f16-16384/vqgan.safetensors$", result.stdout, re.M
    )
    layout = WeightsLayout(weights_dir)
    assert not layout.vqgan_checkpoint.exists()
    expected = load_file(smoke_layout.vqgan_safetensors)
    converted = load_file(layout.vqgan_safetensors)
    assert converted.keys() == expected.keys()
    assert all((converted[name] == tensor).all() for name, tensor in expected.items())


def test_verify_on_the_smoke_models_prints_a_table_and_exits_0(smoke_layout: WeightsLayout) -> None:
    result = run("verify", "--dir", str(smoke_layout.root), "--text-encoder", "all")

    assert result.exit_code == 0, result.output
    assert result.stdout.split("\n")[0].split() == [
        "part",
        "file",
        "tensors",
        "parameters",
        "status",
    ]
    rows = table_rows(result.stdout)
    assert [row[0] for row in rows] == ["vqgan", "image_encoder", "thclip", "mclip", "aesthetic"]
    assert all(row[-1] == "ok" and int(row[2]) > 0 for row in rows)
    assert rows[-1][1:4] == ["aesthetic/sa_0_4_vit_b_32_linear.pth", "2", "513"]


def test_verify_names_a_corrupted_part_and_exits_1(
    smoke_layout: WeightsLayout, tmp_path: Path
) -> None:
    layout = copy_layout(smoke_layout, tmp_path / "smoke")
    layout.thclip_weights.write_bytes(layout.thclip_weights.read_bytes()[:1000])

    result = run("verify", "--dir", str(layout.root), "--text-encoder", "thclip")

    assert result.exit_code == 1
    statuses = {row[0]: row[-1] for row in table_rows(result.stdout)}
    assert statuses == {"vqgan": "ok", "image_encoder": "ok", "thclip": "failed", "aesthetic": "ok"}
    assert "\nthclip: " in result.stdout
    assert result.stderr == (
        "error: 1 of 4 parts did not load: thclip\n"
        f"next: rm {layout.thclip_weights} && thaidraw weights download --dir {layout.root}\n"
    )


def test_verify_reports_missing_files_without_a_traceback(weights_dir: Path) -> None:
    result = run("verify", "--dir", str(weights_dir), "--text-encoder", "thclip")

    assert result.exit_code == 1
    assert all(row[-1] == "missing" for row in table_rows(result.stdout))
    assert "Traceback" not in result.output
    assert result.stderr.splitlines()[-1] == f"next: thaidraw weights download --dir {weights_dir}"


def test_verify_of_a_missing_optional_part_says_to_fetch_the_optional_files(
    weights_dir: Path,
) -> None:
    result = run("verify", "--dir", str(weights_dir), "--text-encoder", "all")
    assert result.stderr.splitlines()[-1] == (
        f"next: thaidraw weights download --include-optional --dir {weights_dir}"
    )


def test_verify_of_good_weights_ends_with_the_command_that_starts_the_bot(
    smoke_layout: WeightsLayout,
) -> None:
    result = run("verify", "--dir", str(smoke_layout.root))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        f"next: THAIDRAW_WEIGHTS_DIR={smoke_layout.root} thaidraw serve"
    )
    default = run("verify", env={"THAIDRAW_WEIGHTS_DIR": str(smoke_layout.root)})
    assert default.stdout.splitlines()[-1] == "next: thaidraw serve"


def test_import_vqgan_converts_a_lightning_checkpoint(
    smoke_layout: WeightsLayout, weights_dir: Path
) -> None:
    result = run(
        "import-vqgan",
        str(smoke_layout.vqgan_checkpoint),
        str(smoke_layout.vqgan_config),
        "--dir",
        str(weights_dir),
    )

    assert result.exit_code == 0, result.output
    layout = WeightsLayout(weights_dir)
    assert result.stdout.startswith(f"wrote {layout.vqgan_safetensors} (")
    assert layout.vqgan_config.read_bytes() == smoke_layout.vqgan_config.read_bytes()
    assert (
        load_file(layout.vqgan_safetensors).keys()
        == load_file(smoke_layout.vqgan_safetensors).keys()
    )


class RunsACommand:
    """Pickles as a call to os.system."""

    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_import_vqgan_refuses_a_checkpoint_that_would_run_code(
    smoke_layout: WeightsLayout, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    hostile = tmp_path / "last.ckpt"
    torch.save({"state_dict": RunsACommand()}, hostile)

    result = run("import-vqgan", str(hostile), str(smoke_layout.vqgan_config), "--dir", "weights")

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: cannot convert {hostile}: ")
    assert not (tmp_path / "pwned").exists()
    assert not (tmp_path / "weights" / "vqgan-imagenet-f16-16384" / "vqgan.safetensors").exists()
