"""Finding the headless Chromium the browser tests drive, and what to say when there is none.

The tests use Debian's `chromium` (Playwright drives it and never downloads a browser). Without
it the browser tests skip, and the run ends with one loud line saying how to enable them; with
THAIDRAW_TEST_REQUIRE_BROWSER=1 (CI) a missing Chromium fails them instead. A pytest plugin
(tests/conftest.py loads it) for that last line.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REQUIRE_VARIABLE = "THAIDRAW_TEST_REQUIRE_BROWSER"
PATH_VARIABLE = "THAIDRAW_CHROMIUM"  # another Chromium, e.g. on a Mac
MISSING_KEY = pytest.StashKey[str]()
HOW_TO_ENABLE = (
    "run scripts/test as root or with password-less sudo (it installs them), or "
    "`sudo apt-get install -y chromium fonts-thai-tlwg fonts-noto-color-emoji`, "
    f"or set {PATH_VARIABLE}=/path/to/chromium"
)


def find_chromium() -> Path | None:
    named = os.environ.get(PATH_VARIABLE)
    if named:
        return Path(named) if Path(named).is_file() else None
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return Path(found) if found else None


def chromium_or_skip(config: pytest.Config) -> Path:
    """The Chromium to launch; skips the test (fails it where it is required) without one."""
    chromium = find_chromium()
    if chromium is not None:
        return chromium
    where = os.environ.get(PATH_VARIABLE) or "chromium on the PATH"
    reason = f"no headless Chromium ({where} not found); to run the browser tests: {HOW_TO_ENABLE}"
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{REQUIRE_VARIABLE}=1 but {reason}", pytrace=False)
    config.stash[MISSING_KEY] = reason
    pytest.skip(reason)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """One loud line at the end when the browser tests were skipped for want of Chromium."""
    reason = config.stash.get(MISSING_KEY, None)
    if reason is not None:
        terminalreporter.write_line(f"BROWSER TESTS SKIPPED: {reason}", red=True, bold=True)
