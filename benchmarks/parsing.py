"""How long the command language takes on the longest messages each platform sends, worst shape
against plain text of the same length (each the fastest of several runs).

Shapes: a prefix (`/วาด `, `/วาด --neg `, `@ThaiDraw `, …) followed by one or two repeated
pieces (digits, colons, pipes, quotes, dashes, options, Thai digits, marks, …), cut to the length.

    python benchmarks/parsing.py [--runs 5]     # a few minutes: 3,864 shapes at each length
"""

from __future__ import annotations

import argparse
import itertools
import timeit

from bot.commands import MAX_MESSAGE_CHARS, ParseContext, parse_message
from bot.web.draw_form import MAX_FIELD_CHARS

LIMITS = {"LINE": 5_000, "Discord": 4_000, "web field": MAX_FIELD_CHARS, "cap": MAX_MESSAGE_CHARS}
PREFIXES = ("/วาด ", "/วาด --neg ", "/วาด --style ", "/วาด --size ", "@ThaiDraw วาด", "/", "/วาดด")
PIECES = (
    "1", "๑", ":", "a:1", "|", '"', '"a" ', "-", "—", "--", "-a", "--neg ", "--neg=", "a--neg",
    "--steps 1 ", "--ไม่เอา", "ภาพสวย ", "x", "ก", " ", "@ThaiDraw ", "\u200b", "\u0e48",
)  # fmt: skip
CONTEXT = ParseContext(blocklist=("เลือด", "gore"), bot_names=("ThaiDraw",), direct=True)


def fastest(message: str, runs: int) -> float:
    return min(timeit.repeat(lambda: parse_message(message, CONTEXT), number=1, repeat=runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    units = [*PIECES, *map("".join, itertools.product(PIECES, repeat=2))]
    print(
        f"{'platform':<10} {'chars':>6} {'plain ms':>9} {'worst ms':>9} {'ratio':>6}  worst shape"
    )
    for platform, limit in LIMITS.items():
        plain = fastest(("/วาด " + "แมวน้อย น่ารัก " * limit)[:limit], runs * 2)
        worst, shape = max(
            (fastest((prefix + unit * limit)[:limit], runs), (prefix, unit))
            for prefix in PREFIXES
            for unit in units
        )
        print(
            f"{platform:<10} {limit:>6} {plain * 1000:>9.2f} {worst * 1000:>9.2f} "
            f"{worst / plain:>6.1f}  {shape[0]!r} + {shape[1]!r}…"
        )
    reported = "/วาด a:" + "1" * 15_000 + "x"
    print(f"reported `/วาด a:1…x` (15,000 digits): {fastest(reported, runs) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
