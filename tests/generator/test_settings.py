"""Reading the settings: a `.env` line that cannot be read stops the command, naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.settings import GeneratorSettings, SettingsError, load_settings, unreadable_env_line


@pytest.mark.parametrize(
    ("text", "line", "name"),
    [
        ('THAIDRAW_MODELS=smoke\nTHAIDRAW_DEVICE="cpu\n', 2, " (THAIDRAW_DEVICE)"),
        ("# the bot\nexport DISCORD_TOKEN='abc\n", 2, " (DISCORD_TOKEN)"),
        ("just words here\n", 1, ""),
    ],
)
def test_the_first_unreadable_line_is_named_without_its_value(
    tmp_path: Path, text: str, line: int, name: str
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(text)
    problem = unreadable_env_line(env_file)
    assert problem is not None
    assert problem.startswith(f"{env_file} line {line}{name} cannot be read; write it as NAME=")
    assert "abc" not in problem  # the line may hold a token


def test_a_readable_or_missing_file_has_no_problem(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text('# ok\nTHAIDRAW_DEVICE="cpu"\nexport A=1\n\nB=\n')
    assert unreadable_env_line(tmp_path / ".env") is None
    assert unreadable_env_line(tmp_path / "absent.env") is None


def test_loading_settings_with_an_unreadable_env_file_is_a_settings_error(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text('THAIDRAW_DEVICE="cpu\n')
    with pytest.raises(SettingsError, match=r"^configuration error: .*\.env line 1"):
        load_settings(GeneratorSettings, _env_file=tmp_path / ".env")


def test_the_precision_is_auto_unless_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THAIDRAW_PRECISION", raising=False)
    assert load_settings(GeneratorSettings, _env_file=None).precision == "auto"
    monkeypatch.setenv("THAIDRAW_PRECISION", "bf16")
    assert load_settings(GeneratorSettings, _env_file=None).precision == "bf16"


def test_an_unknown_precision_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("THAIDRAW_PRECISION", "fp16")
    with pytest.raises(SettingsError, match=r"^configuration error: THAIDRAW_PRECISION: .*'fp16'"):
        load_settings(GeneratorSettings, _env_file=None)


@pytest.mark.parametrize(("value", "batched"), [(None, None), ("true", True), ("false", False)])
def test_batched_kernels_are_left_to_the_device_unless_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str | None, batched: bool | None
) -> None:
    monkeypatch.delenv("THAIDRAW_BATCHED_KERNELS", raising=False)
    if value is not None:
        monkeypatch.setenv("THAIDRAW_BATCHED_KERNELS", value)
    settings = load_settings(GeneratorSettings, _env_file=tmp_path / "none.env")
    assert settings.batched_kernels is batched
