"""The `thaidraw` entry point: its help and `thaidraw parse` start without the heavy libraries."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest

from bot.cli import SUBCOMMANDS

HEAVY = ("torch", "transformers", "kornia", "sqlalchemy", "taming")


def imported_modules(*arguments: str) -> set[str]:
    """The top-level modules `thaidraw ARGUMENTS` imports, read from `python -X importtime`."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("THAIDRAW_")}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot.cli", *arguments],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    assert result.returncode in (0, 2), result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    return {line.rsplit("|", 1)[1].strip().split(".")[0] for line in lines[1:]}


@pytest.mark.parametrize(
    "arguments", [("--help",), ("parse", "/วาด คฤหาสน์ --steps 5"), ("parse", "--help")]
)
def test_help_and_parse_start_without_torch_or_the_database(arguments: tuple[str, ...]) -> None:
    modules = imported_modules(*arguments)
    assert "click" in modules
    assert modules.isdisjoint(HEAVY), modules & set(HEAVY)


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_the_help_lists_each_command_with_its_own_one_line_help(name: str) -> None:
    target, listed = SUBCOMMANDS[name]
    module, attribute = target.split(":")
    command = getattr(importlib.import_module(module), attribute)
    assert listed == command.get_short_help_str(limit=1000)
