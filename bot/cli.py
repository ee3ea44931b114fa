"""The `thaidraw` command line: one entry point whose subcommands load only when used."""

from __future__ import annotations

import importlib

import click

# name → "module:attribute"; imported on first use so `thaidraw parse` does not load torch.
SUBCOMMANDS: dict[str, str] = {
    "draw": "generator.cli:draw",
    "serve": "bot.serve:serve",
    "db": "storage.cli:db",
    "stats": "bot.stats_cli:stats",
    "feedback": "bot.stats_cli:feedback",
    "weights": "generator.weights.cli:weights",
    "parse": "bot.parse_cli:parse",
    "discord": "bot.discord.cli:discord",
    "thclip": "generator.thclip.cli:thclip",
    "eval": "generator.evaluation.cli:evaluate",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when invoked or listed."""

    def __init__(self, *args, lazy_subcommands: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = lazy_subcommands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_subcommands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy_subcommands:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = self.lazy_subcommands[cmd_name].split(":")
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup, lazy_subcommands=SUBCOMMANDS)
@click.version_option(package_name="thaidraw")
def main() -> None:
    """ThaiDraw: pictures from Thai text, in Discord, LINE and the browser."""


if __name__ == "__main__":
    main()
