"""`.env.example` is a working local set-up as it is: copied to `.env`, `thaidraw serve` starts."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.bot.running_bot import clean_environment, free_port, running_bot

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_the_copied_example_starts_the_bot_on_the_smoke_models_until_weights_are_downloaded(
    tmp_path: Path,
) -> None:
    shutil.copyfile(ENV_EXAMPLE, tmp_path / ".env")
    # Only the port comes from outside: others may be using 8000 on this machine.
    environment = clean_environment() | {"THAIDRAW_PORT": str(free_port())}
    with running_bot(environment, tmp_path) as bot:
        status, page = bot.get("/")
        assert status == 200
        assert "โหมดทดสอบ" in page.decode()  # the page says the smoke models draw noise
        said = [line for line in bot.log_lines() if "THAIDRAW_MODELS=auto" in line]
        assert len(said) == 1
        assert "smoke models" in said[0]
        assert "thaidraw weights download" in said[0]
    assert (tmp_path / "data" / "thaidraw.db").is_file()  # the example's folders, under the copy
