"""`thaidraw parse MESSAGE`, run as a user runs it: a separate process, JSON on stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty working directory, so that no `.env` of the checkout is read."""
    return tmp_path


def thaidraw_parse(
    *args: str, workdir: Path, python_flags: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[bytes]:
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("THAIDRAW_")
    }
    environment |= {"PYTHONPATH": str(REPOSITORY), **env}
    return subprocess.run(
        [sys.executable, *python_flags, "-m", "bot.cli", "parse", *args],
        capture_output=True,
        cwd=workdir,
        env=environment,
        timeout=60,
        check=False,
    )


def test_an_understood_draw_prints_its_json_and_exits_0(workdir: Path) -> None:
    result = thaidraw_parse("/วาด คฤหาสน์ —neg ภาพเบลอ --seed ๔๒", workdir=workdir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "ok": True,
        "command": "draw",
        "prompts": [{"text": "คฤหาสน์", "weight": 1.0}],
        "negatives": [{"text": "ภาพเบลอ", "weight": 0.4}],
        "styles": [],
        "steps": 250,
        "width": 256,
        "height": 256,
        "seed": 42,
        "aesthetic_weight": 0.005,
        "negative_weight": 0.4,
        "augment": "original",
        "use_init_image": False,
        "notices": [],
    }


def test_ordinary_chat_is_understood_as_no_command_and_exits_0(workdir: Path) -> None:
    result = thaidraw_parse("วาด แมว", workdir=workdir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"ok": True, "command": None}


def test_direct_makes_a_command_without_the_slash(workdir: Path) -> None:
    result = thaidraw_parse("--direct", "วาด แมว", workdir=workdir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["prompts"] == [{"text": "แมว", "weight": 1.0}]


def test_a_rejection_prints_the_thai_reason_as_utf8_and_exits_2(workdir: Path) -> None:
    # An ASCII-only stdout setting must not garble or break the Thai sentence.
    result = thaidraw_parse("/วาด แมว --steps มาก", workdir=workdir, PYTHONIOENCODING="ascii")
    assert result.returncode == 2, result.stderr
    thai = "--steps ต้องเป็นจำนวนเต็ม แต่ได้ “มาก” ให้เขียนเช่น --steps 250"
    assert result.stdout.decode("utf-8").strip() == json.dumps(
        {"ok": False, "command": "draw", "error": thai}, ensure_ascii=False
    )


def test_limits_and_blocklist_come_from_the_environment(workdir: Path) -> None:
    limited = thaidraw_parse("/วาด แมว --steps 120", workdir=workdir, THAIDRAW_MAX_STEPS="100")
    assert limited.returncode == 2
    assert json.loads(limited.stdout)["error"] == "จำนวนรอบต้องอยู่ระหว่าง 1 ถึง 100 เช่น --steps 250"

    blocked = thaidraw_parse("/วาด หมาป่า", workdir=workdir, THAIDRAW_BLOCKLIST="แมว, หมา")
    assert blocked.returncode == 2
    assert json.loads(blocked.stdout)["error"] == ("ข้อความนี้มีคำที่บอทไม่รับวาด ลองเปลี่ยนคำแล้วสั่งใหม่นะ")


def test_bot_names_come_from_the_environment(workdir: Path) -> None:
    result = thaidraw_parse("@ArtBot วาด แมว", workdir=workdir, THAIDRAW_BOT_NAMES="ArtBot")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["command"] == "draw"


def test_a_malformed_setting_stops_with_one_line_naming_the_variable(workdir: Path) -> None:
    result = thaidraw_parse("/วาด แมว", workdir=workdir, THAIDRAW_MAX_STEPS="many")
    assert result.returncode == 1
    assert result.stdout == b""
    assert len(result.stderr.decode().strip().splitlines()) == 1
    assert "THAIDRAW_MAX_STEPS" in result.stderr.decode()


def test_parse_does_not_import_torch(workdir: Path) -> None:
    result = thaidraw_parse("/วาด แมว", workdir=workdir, python_flags=("-X", "importtime"))
    assert result.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.decode().splitlines()}
    assert "bot.commands" in imported
    assert not {name for name in imported if name.split(".")[0] == "torch"}
