"""The full recipe of a picture: everything needed to make it again, and what it cost."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from generator.engine import DrawResult


def thaidraw_version() -> str:
    try:
        return version("thaidraw")
    except PackageNotFoundError:
        return "unknown"


def recipe_for(result: DrawResult, model_versions: dict[str, str], device: str) -> dict[str, Any]:
    """Every request field (with the seed used and the augmentations), the models, the device
    and number format, steps done and seconds taken."""
    return {
        "request": result.request.to_dict(),
        "seed": result.request.seed,
        "steps_done": result.steps_done,
        "seconds": round(result.seconds, 3),
        "models": model_versions,
        "device": device,
        "precision": result.precision,
        "thaidraw": thaidraw_version(),
    }
