"""ThaiDraw's bot: one platform-neutral core, and one adapter per platform around it.

The rules its imports keep (tests/bot/test_imports.py checks them on the source):

- The core never imports an adapter (`bot.discord`, `bot.line`, `bot.web`). An adapter is given
  `bot.core.Core` and offers `bot.core.Adapter`; only `bot.serve` puts the bot together.
- No module imports, even inside a function, a module that imports it back (imports under
  `if TYPE_CHECKING:` do not count: they never run).
- The service reaches the generators only through `bot.generators.Generators`; torch loads in
  the generator process, never with `bot.service`.
"""
