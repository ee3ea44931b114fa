"""Start-up checks: each problem stops `thaidraw serve` with one line that says what to do."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from pytest_httpserver import HTTPServer

from bot.settings import BotSettings
from bot.startup_checks import (
    StartupCheckFailed,
    check_data_dir,
    check_database,
    check_device,
    check_discord_token,
    check_line_token,
    check_public_base_url,
    check_weights,
    run_startup_checks,
)
from generator.weights.layout import WeightsLayout
from generator.weights.registry import select_files
from tests.bot.running_bot import bot_environment, free_port, thaidraw

LINE = {"LINE_CHANNEL_SECRET": "line-secret", "LINE_CHANNEL_ACCESS_TOKEN": "line-access"}
BOT_INFO = {
    "userId": "U0123456789abcdef0123456789abcdef",
    "basicId": "@thaidraw",
    "displayName": "ThaiDraw",
    "chatMode": "bot",
    "markAsReadMode": "auto",
}


def settings(tmp_path: Path, **variables: str) -> BotSettings:
    """Settings as `thaidraw serve` would read them, with a writable data folder."""
    variables.setdefault("THAIDRAW_DATA_DIR", str(tmp_path / "data"))
    variables.setdefault("THAIDRAW_DEVICE", "cpu")
    return BotSettings(_env_file=None, **variables)


def place_files(weights_dir: Path, parts: tuple[str, ...]) -> None:
    layout = WeightsLayout(weights_dir)
    for entry in select_files(parts):
        entry.path(layout).parent.mkdir(parents=True, exist_ok=True)
        entry.path(layout).write_bytes(b"model")


# --- PUBLIC_BASE_URL ---------------------------------------------------------------------------


def test_line_needs_a_public_base_url(tmp_path: Path) -> None:
    with pytest.raises(StartupCheckFailed, match=r"^PUBLIC_BASE_URL is required while LINE"):
        check_public_base_url(settings(tmp_path, **LINE))


@pytest.mark.parametrize("url", ["http://draw.example.com", "draw.example.com", "https://"])
def test_line_needs_the_public_base_url_to_be_https(tmp_path: Path, url: str) -> None:
    with pytest.raises(StartupCheckFailed, match=r"must be an https:// address"):
        check_public_base_url(settings(tmp_path, PUBLIC_BASE_URL=url, **LINE))


def test_an_https_public_base_url_passes_and_without_line_none_is_needed(tmp_path: Path) -> None:
    check_public_base_url(settings(tmp_path, PUBLIC_BASE_URL="https://draw.example.com", **LINE))
    check_public_base_url(settings(tmp_path, PUBLIC_BASE_URL="http://localhost:8000"))
    check_public_base_url(settings(tmp_path))


# --- the data folder ---------------------------------------------------------------------------


def test_a_data_folder_that_cannot_be_written_stops_start_up(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(StartupCheckFailed, match=r"^THAIDRAW_DATA_DIR=.*not-a-folder.*writable"):
        check_data_dir(settings(tmp_path, THAIDRAW_DATA_DIR=str(blocker / "data")))


def test_a_pictures_folder_that_cannot_be_written_stops_start_up(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "images").write_text("a file where the pictures folder should be")
    with pytest.raises(StartupCheckFailed, match=r"cannot write in .*images"):
        check_data_dir(settings(tmp_path, THAIDRAW_DATA_DIR=str(data)))


def test_a_missing_data_folder_is_created_with_its_subfolders(tmp_path: Path) -> None:
    data = tmp_path / "new" / "data"
    check_data_dir(settings(tmp_path, THAIDRAW_DATA_DIR=str(data)))
    assert (data / "images").is_dir()
    assert (data / "uploads").is_dir()


# --- the GPU -----------------------------------------------------------------------------------


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_device_cuda_without_a_gpu_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(StartupCheckFailed, match=r"^THAIDRAW_DEVICE=cuda but .*nvidia-smi"):
        check_device(settings(tmp_path, THAIDRAW_DEVICE="cuda"))


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_device_auto_without_a_gpu_warns_and_goes_on_with_the_cpu(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        check_device(settings(tmp_path, THAIDRAW_DEVICE="auto", THAIDRAW_MODELS="real"))
    assert "drawing on the CPU" in caplog.text


# --- model files -------------------------------------------------------------------------------


def test_missing_real_weights_are_named_with_the_command_that_fetches_them(
    tmp_path: Path,
) -> None:
    place_files(tmp_path / "weights", ("vqgan", "clip", "aesthetic"))
    with pytest.raises(StartupCheckFailed) as failure:
        check_weights(settings(tmp_path, THAIDRAW_WEIGHTS_DIR=str(tmp_path / "weights")))
    message = str(failure.value)
    assert message.startswith(f"THAIDRAW_WEIGHTS_DIR: missing model files in {tmp_path}/weights:")
    assert "thclip/text_MSE_2m.pt" in message
    assert "clip-vit-base-patch32" not in message
    assert "`thaidraw weights download`" in message
    assert "\n" not in message


def test_the_optional_text_encoder_is_checked_when_it_is_chosen(tmp_path: Path) -> None:
    place_files(tmp_path / "weights", ("vqgan", "clip", "thclip", "aesthetic"))
    variables = {
        "THAIDRAW_WEIGHTS_DIR": str(tmp_path / "weights"),
        "THAIDRAW_TEXT_ENCODER": "mclip",
    }
    with pytest.raises(StartupCheckFailed, match=r": mclip-xlm-roberta-large-vit-b-32/"):
        check_weights(settings(tmp_path, **variables))


def test_every_real_weights_file_in_place_passes_without_loading_anything(tmp_path: Path) -> None:
    place_files(tmp_path / "weights", ("vqgan", "clip", "thclip", "aesthetic"))
    check_weights(settings(tmp_path, THAIDRAW_WEIGHTS_DIR=str(tmp_path / "weights")))


def test_smoke_models_need_no_weights_files(tmp_path: Path) -> None:
    variables = {"THAIDRAW_WEIGHTS_DIR": str(tmp_path / "empty"), "THAIDRAW_MODELS": "smoke"}
    check_weights(settings(tmp_path, **variables))


# --- Discord's token ---------------------------------------------------------------------------


def test_a_discord_token_discord_accepts_passes(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_oneshot_request(
        "/api/v10/users/@me", headers={"Authorization": "Bot good-token"}
    ).respond_with_json({"id": "1", "username": "ThaiDrawBot", "bot": True})
    with caplog.at_level(logging.INFO):
        check_discord_token("good-token", httpserver.url_for("/api/v10"), timeout=5)
    httpserver.check_assertions()
    assert "ThaiDrawBot" in caplog.text


def test_a_discord_token_discord_refuses_stops_start_up(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/users/@me").respond_with_json(
        {"message": "401: Unauthorized", "code": 0}, status=401
    )
    with pytest.raises(StartupCheckFailed, match=r"^DISCORD_TOKEN was refused by Discord \(401"):
        check_discord_token("bad-token", httpserver.url_for("/"), timeout=5)


def test_an_unreachable_discord_is_only_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        check_discord_token("token", f"http://127.0.0.1:{free_port()}", timeout=5)
    assert "could not check DISCORD_TOKEN" in caplog.text


# --- LINE's token ------------------------------------------------------------------------------


def test_a_line_token_line_accepts_passes(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    httpserver.expect_oneshot_request(
        "/v2/bot/info", headers={"Authorization": "Bearer line-access"}
    ).respond_with_json(BOT_INFO)
    with caplog.at_level(logging.INFO):
        check_line_token("line-access", httpserver.url_for("").rstrip("/"), timeout=5)
    httpserver.check_assertions()
    assert "@thaidraw" in caplog.text


def test_a_line_token_line_refuses_stops_start_up(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/v2/bot/info").respond_with_json(
        {"message": "Authentication failed. Confirm that the access token is valid."}, status=401
    )
    with pytest.raises(StartupCheckFailed, match=r"^LINE_CHANNEL_ACCESS_TOKEN was refused .*401"):
        check_line_token("expired", httpserver.url_for("").rstrip("/"), timeout=5)


def test_an_unreachable_line_is_only_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        check_line_token("token", f"http://127.0.0.1:{free_port()}", timeout=5)
    assert "could not check LINE_CHANNEL_ACCESS_TOKEN" in caplog.text


def test_every_check_runs_with_the_configured_addresses(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_oneshot_request("/users/@me").respond_with_json({"username": "ThaiDrawBot"})
    httpserver.expect_oneshot_request("/v2/bot/info").respond_with_json(BOT_INFO)
    base = httpserver.url_for("").rstrip("/")
    configured = settings(
        tmp_path,
        DISCORD_TOKEN="discord",
        DISCORD_API_BASE_URL=base,
        LINE_API_BASE_URL=base,
        PUBLIC_BASE_URL="https://draw.example.com",
        THAIDRAW_MODELS="smoke",
        **LINE,
    )
    run_startup_checks(configured, timeout=5)
    httpserver.check_assertions()


# --- through the command line ------------------------------------------------------------------


def refusal(stderr: str) -> str:
    """The one line of a refused start-up under THAIDRAW_LOG_FORMAT=json: a JSON log entry."""
    (line,) = stderr.splitlines()
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    return entry["message"]


def serve_until_it_exits(env: dict[str, str], cwd: Path) -> tuple[int, list[str]]:
    """`thaidraw serve` in a process group of its own; afterwards nothing of it may be left."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=120)  # never a hang
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    with pytest.raises(ProcessLookupError):  # no generator process or other child lives on
        os.killpg(process.pid, 0)
    return process.returncode, stderr.splitlines()


def test_serve_on_a_port_in_use_stops_with_one_line_naming_the_port(
    tmp_path: Path, smoke_layout: WeightsLayout
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = bot_environment(
            tmp_path / "data", smoke_layout, THAIDRAW_PORT=str(port), THAIDRAW_LOG_FORMAT="text"
        )
        code, lines = serve_until_it_exits(env, tmp_path)
    assert code == 2
    assert lines == [
        f"cannot start: THAIDRAW_PORT={port}: 127.0.0.1:{port} is already in use (another "
        "thaidraw serve?); stop what listens there or choose another port with THAIDRAW_PORT "
        "or --port"
    ]


def test_an_unreadable_env_line_stops_serve_naming_the_file_and_line(
    tmp_path: Path, smoke_layout: WeightsLayout
) -> None:
    (tmp_path / ".env").write_text('THAIDRAW_MODELS=smoke\nTHAIDRAW_DEVICE="cpu\n')
    env = bot_environment(tmp_path / "data", smoke_layout, THAIDRAW_LOG_FORMAT="text")
    code, lines = serve_until_it_exits(env, tmp_path)
    assert code == 2
    assert lines == [
        f"configuration error: {tmp_path}/.env line 2 (THAIDRAW_DEVICE) cannot be read; write it "
        "as NAME=value, with a closing quote for every opening one"
    ]
    assert not (tmp_path / "data").exists()  # nothing was started


def test_an_unreachable_database_stops_serve_with_one_json_line_and_no_password(
    tmp_path: Path, smoke_layout: WeightsLayout
) -> None:
    url = f"postgresql://thaidraw:pa55-w0rd-secret@127.0.0.1:{free_port()}/thaidraw"
    env = bot_environment(tmp_path / "data", smoke_layout, DATABASE_URL=url)
    code, lines = serve_until_it_exits(env, tmp_path)
    assert code == 2
    line = refusal("\n".join(lines))
    assert line.startswith(
        "cannot start: DATABASE_URL=postgresql+psycopg://thaidraw:***@127.0.0.1:"
    )
    assert "the database does not answer (connection failed" in line
    assert "pa55-w0rd-secret" not in "\n".join(lines)


def test_a_database_that_cannot_be_opened_fails_its_check(tmp_path: Path) -> None:
    missing = tmp_path / "no such folder" / "thaidraw.db"
    with pytest.raises(StartupCheckFailed, match=r"^DATABASE_URL=sqlite:///.*does not answer"):
        check_database(settings(tmp_path, DATABASE_URL=f"sqlite:///{missing}"), timeout=5)


def test_serve_stops_with_one_line_and_code_2_before_starting_anything(
    tmp_path: Path, smoke_layout: WeightsLayout
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    env = bot_environment(blocker / "data", smoke_layout, THAIDRAW_LOG_FORMAT="text")
    result = thaidraw("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"cannot start: THAIDRAW_DATA_DIR={blocker}/data: cannot write in {blocker}/data "
        "(Not a directory); make it writable by the user running the bot"
    ]


def test_serve_with_real_models_and_no_weights_names_the_download_command(
    tmp_path: Path, smoke_layout: WeightsLayout
) -> None:
    env = bot_environment(
        tmp_path / "data", smoke_layout, THAIDRAW_WEIGHTS_DIR=str(tmp_path / "weights")
    )
    result = thaidraw("serve", "--models", "real", env=env, cwd=tmp_path)
    assert result.returncode == 2
    line = refusal(result.stderr)
    assert line.startswith("cannot start: THAIDRAW_WEIGHTS_DIR: missing model files in ")
    assert "`thaidraw weights download`" in line
    assert not (tmp_path / "data" / "thaidraw.db").exists()  # nothing was started


def test_serve_stops_when_discord_refuses_the_token(
    tmp_path: Path, smoke_layout: WeightsLayout, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/users/@me").respond_with_json({"message": "401"}, status=401)
    env = bot_environment(
        tmp_path / "data",
        smoke_layout,
        DISCORD_TOKEN="refused-token",
        DISCORD_API_BASE_URL=httpserver.url_for("").rstrip("/"),
    )
    result = thaidraw("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    line = refusal(result.stderr)
    assert line.startswith("cannot start: DISCORD_TOKEN was refused by Discord (401")
    assert not (tmp_path / "data" / "thaidraw.db").exists()
