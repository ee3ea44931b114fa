"""The `thaidraw` command line: one entry point whose subcommands load only when used."""

from __future__ import annotations

import importlib

import click

# name → ("module:attribute", its one-line help): a command is imported only when it runs, so
# that `thaidraw --help` and `thaidraw parse` load neither torch nor the database.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "db": ("storage.cli:db", "The database: migrations, backup and restore."),
    "discord": ("bot.discord.cli:discord", "The Discord adapter."),
    "draw": (
        "generator.cli:draw",
        "Draw PROMPT (Thai; `ข้อความ:น้ำหนัก | …` allowed) and print the PNG's path.",
    ),
    "eval": (
        "generator.evaluation.cli:evaluate",
        "Draw every prompt of PROMPTS_FILE (default: the built-in Thai set) once per seed, score "
        "the pictures, and write OUT/index.html with the image grid and the figures.",
    ),
    "feedback": ("bot.stats_cli:feedback", "How people reacted to the pictures."),
    "parse": (
        "bot.parse_cli:parse",
        "Print how the bot understands MESSAGE; exit 0 when understood, 2 when rejected.",
    ),
    "serve": ("bot.serve:serve", "Run the bot until SIGTERM or Ctrl-C."),
    "stats": (
        "bot.stats_cli:stats",
        "Jobs per day, waiting and running times, and approval by style, steps and prompt.",
    ),
    "thclip": (
        "generator.thclip.cli:thclip",
        "ThCLIP: a Thai text encoder distilled into CLIP's text space.",
    ),
    "worker": ("bot.worker_cli:worker", "Draw the bot's jobs on this GPU until SIGTERM or Ctrl-C."),
    "workers": (
        "bot.worker_cli:workers",
        "The GPU workers: state, device, models, last heartbeat and pictures drawn.",
    ),
    "weights": (
        "generator.weights.cli:weights",
        "Fetch, list, check and convert the real model files.",
    ),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when invoked; its help lists them from
    their one-line help, without importing them."""

    def __init__(self, *args, lazy_subcommands: dict[str, tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = lazy_subcommands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy_subcommands])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.lazy_subcommands:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = self.lazy_subcommands[cmd_name][0].split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy_subcommands[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, lazy_subcommands=SUBCOMMANDS)
@click.version_option(package_name="thaidraw")
def main() -> None:
    """ThaiDraw: pictures from Thai text, in Discord, LINE and the browser."""


if __name__ == "__main__":
    main()
