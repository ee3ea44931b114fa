"""The `thaidraw` commands that deploy/ tells operators (and machines) to run all exist."""

from __future__ import annotations

import re
import shlex

import click
import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.deploy.tools import DEPLOY

SHELL_BLOCK = re.compile(r"^```(?:sh|bash)\n(.*?)^```", re.MULTILINE | re.DOTALL)
ANY_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`([^`\n]+)`")
SHELL_OPERATORS = {"|", "||", "&&", ";", ">", ">>", "<"}
# `sudo -u thaidraw`, `journalctl -u thaidraw`: the user or unit, not the program.
TAKES_A_NAME = {"-u", "--user", "-g", "--group"}


def readme_shell_lines() -> list[str]:
    """Lines of the README's sh/bash blocks, and its inline code spans."""
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    blocks = [line for block in SHELL_BLOCK.findall(readme) for line in block.splitlines()]
    return blocks + INLINE_CODE.findall(ANY_BLOCK.sub("", readme))


def thaidraw_invocations(line: str) -> list[list[str]]:
    """The arguments of each `thaidraw …` (or `…/bin/thaidraw …`) run on a shell line."""
    tokens = shlex.split(line, comments=True)
    invocations = []
    for index, token in enumerate(tokens):
        is_program = token == "thaidraw" or token.endswith("/bin/thaidraw")
        previous = tokens[index - 1] if index else ""
        following = tokens[index + 1 : index + 2]
        if not is_program or previous in TAKES_A_NAME:
            continue
        if not following or not re.fullmatch(r"[a-z][a-z-]*", following[0]):
            continue  # a user or unit name at the end of a line, `"$@"`, …
        arguments = []
        for argument in tokens[index + 1 :]:
            if argument in SHELL_OPERATORS:
                break
            arguments.append(argument.rstrip(";"))
            if argument.endswith(";"):
                break
        invocations.append(arguments)
    return invocations


def resolve(arguments: list[str]) -> tuple[list[str], click.Command, list[str]]:
    """The subcommand path, the command it names, and the arguments left for it."""
    command: click.Command = main
    path: list[str] = []
    with click.Context(main) as context:
        for argument in arguments:
            if not isinstance(command, click.Group):
                break
            subcommand = command.get_command(context, argument)
            assert subcommand is not None, f"`thaidraw {' '.join(arguments)}`: no {argument!r}"
            command, path = subcommand, [*path, argument]
    return path, command, arguments[len(path) :]


def documented_invocations() -> list[list[str]]:
    lines = readme_shell_lines()
    lines += (DEPLOY / "thaidraw.service").read_text().splitlines()
    lines += (DEPLOY / "compose.yaml").read_text().splitlines()
    return [arguments for line in lines for arguments in thaidraw_invocations(line)]


def test_the_readme_shows_how_to_serve_fetch_weights_back_up_restore_and_upgrade() -> None:
    paths = {tuple(resolve(arguments)[0]) for arguments in documented_invocations()}
    expected = {
        ("serve",),
        ("weights", "download"),
        ("weights", "verify"),
        ("db", "backup"),
        ("db", "restore"),
        ("db", "upgrade"),
    }
    assert expected <= paths


@pytest.mark.parametrize(
    "arguments", documented_invocations(), ids=lambda arguments: " ".join(arguments)
)
def test_each_documented_command_exists_with_the_options_it_is_given(
    arguments: list[str],
) -> None:
    path, command, rest = resolve(arguments)
    assert not isinstance(command, click.Group), f"`thaidraw {' '.join(path)}` needs a command"
    known = {name for param in command.params for name in (*param.opts, *param.secondary_opts)}
    for option in (argument.split("=")[0] for argument in rest if argument.startswith("-")):
        assert option in known, f"`thaidraw {' '.join(path)}` has no {option}"
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output


def test_the_container_starts_the_bot_with_a_command_that_exists() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    (command,) = re.findall(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert command == '["thaidraw", "serve"]'
    assert resolve(["serve"])[0] == ["serve"]


def test_shell_lines_are_read_as_an_operator_would_run_them() -> None:
    assert thaidraw_invocations("sudo -u thaidraw /opt/x/bin/thaidraw db backup a.db && ls") == [
        ["db", "backup", "a.db"]
    ]
    assert thaidraw_invocations("journalctl -u thaidraw -f") == []
    assert thaidraw_invocations("systemctl enable --now thaidraw") == []
    assert thaidraw_invocations("docker compose run --rm bot thaidraw weights download") == [
        ["weights", "download"]
    ]
