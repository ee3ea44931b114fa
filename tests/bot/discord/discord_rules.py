"""Discord's rules for application-command payloads (docs: Application Commands), as a checker.

Discord refuses a whole sync when one command breaks one of these, so the payloads are checked
offline; `problems` lists every broken rule, by where it is broken.
"""

from __future__ import annotations

from typing import Any

import discord
import regex

NAME = regex.compile(r"^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$")
LOCALES = frozenset(locale.value for locale in discord.Locale)
MAX_COMMANDS = 100
MAX_OPTIONS = 25
MAX_CHOICES = 25
MAX_DESCRIPTION = 100
MAX_CHOICE_NAME = 100
MAX_CHOICE_VALUE = 100
MAX_COMMAND_CHARACTERS = 4000


def problems(commands: list[dict[str, Any]]) -> list[str]:
    found = []
    if len(commands) > MAX_COMMANDS:
        found.append(f"{len(commands)} commands, more than {MAX_COMMANDS}")
    found += _duplicates([command["name"] for command in commands], "commands")
    for command in commands:
        found += _command_problems(command)
    return found


def _command_problems(command: dict[str, Any]) -> list[str]:
    where = f"/{command['name']}"
    found = _name_problems(command, where) + _description_problems(command, where)
    options = command.get("options", [])
    if len(options) > MAX_OPTIONS:
        found.append(f"{where}: {len(options)} options, more than {MAX_OPTIONS}")
    required = [option.get("required", False) for option in options]
    if required != sorted(required, reverse=True):
        found.append(f"{where}: a required option follows an optional one")
    found += _duplicates([option["name"] for option in options], f"{where} options")
    for option in options:
        found += _option_problems(option, f"{where} {option['name']}")
    if _characters(command) > MAX_COMMAND_CHARACTERS:
        found.append(f"{where}: more than {MAX_COMMAND_CHARACTERS} characters of text")
    return found


def _option_problems(option: dict[str, Any], where: str) -> list[str]:
    found = _name_problems(option, where) + _description_problems(option, where)
    choices = option.get("choices", [])
    if len(choices) > MAX_CHOICES:
        found.append(f"{where}: {len(choices)} choices, more than {MAX_CHOICES}")
    for choice in choices:
        names = [choice["name"], *choice.get("name_localizations", {}).values()]
        if not all(1 <= len(name) <= MAX_CHOICE_NAME for name in names):
            found.append(f"{where}: choice {choice['name']!r} has a name of bad length")
        found += _locale_problems(choice.get("name_localizations", {}), where)
        if isinstance(choice["value"], str) and len(choice["value"]) > MAX_CHOICE_VALUE:
            found.append(f"{where}: choice value {choice['value']!r} is too long")
    low, high = option.get("min_value"), option.get("max_value")
    if low is not None and high is not None and low > high:
        found.append(f"{where}: min_value {low} is above max_value {high}")
    return found


def _name_problems(item: dict[str, Any], where: str) -> list[str]:
    found = []
    for name in [item["name"], *item.get("name_localizations", {}).values()]:
        if not NAME.fullmatch(name):
            found.append(f"{where}: name {name!r} breaks the name pattern")
        if name != name.lower():
            found.append(f"{where}: name {name!r} is not lower-case")
    return found + _locale_problems(item.get("name_localizations", {}), where)


def _description_problems(item: dict[str, Any], where: str) -> list[str]:
    found = []
    for text in [item["description"], *item.get("description_localizations", {}).values()]:
        if not 1 <= len(text) <= MAX_DESCRIPTION:
            found.append(f"{where}: description of {len(text)} characters")
    return found + _locale_problems(item.get("description_localizations", {}), where)


def _locale_problems(localizations: dict[str, str], where: str) -> list[str]:
    return [
        f"{where}: unknown locale {locale!r}" for locale in localizations if locale not in LOCALES
    ]


def _duplicates(names: list[str], where: str) -> list[str]:
    return [f"{where}: {name!r} appears twice" for name in set(names) if names.count(name) > 1]


def _characters(item: dict[str, Any]) -> int:
    """The name, description and choice text a command carries in its default language."""
    total = len(item["name"]) + len(item.get("description", ""))
    for choice in item.get("choices", []):
        total += len(choice["name"]) + len(str(choice["value"]))
    return total + sum(_characters(option) for option in item.get("options", []))
