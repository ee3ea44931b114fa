"""`thaidraw discord commands`: the payloads as JSON, with no token and no connection."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.bot.discord.discord_rules import problems


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> pytest.MonkeyPatch:
    """No `.env` and no Discord variables: what a fresh checkout has."""
    monkeypatch.chdir(tmp_path)
    for variable in ("DISCORD_TOKEN", "DISCORD_GUILD_IDS", "THAIDRAW_MAX_STEPS"):
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_commands_prints_valid_payloads_without_a_token(environment):
    result = CliRunner().invoke(main, ["discord", "commands"])
    assert result.exit_code == 0, result.output
    payloads = json.loads(result.stdout)
    assert problems(payloads) == []
    assert {"วาด", "draw"} <= {command["name"] for command in payloads}
    assert "every server" in result.stderr


def test_commands_follow_the_operators_limits_and_servers(environment):
    environment.setenv("THAIDRAW_MAX_STEPS", "120")
    environment.setenv("DISCORD_GUILD_IDS", "123,456")
    result = CliRunner().invoke(main, ["discord", "commands"])
    draw = next(command for command in json.loads(result.stdout) if command["name"] == "draw")
    steps = next(option for option in draw["options"] if option["name"] == "steps")
    assert steps["max_value"] == 120
    assert "123, 456" in result.stderr


def test_a_bad_setting_stops_it_naming_the_variable(environment):
    environment.setenv("THAIDRAW_MAX_STEPS", "many")
    result = CliRunner().invoke(main, ["discord", "commands"])
    assert result.exit_code == 2
    assert "THAIDRAW_MAX_STEPS" in result.stderr
