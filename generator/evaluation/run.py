"""Draw every prompt with several seeds, keep the pictures (with their recipes) and score them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.engine import DrawResult, Engine, EngineJob
from generator.evaluation.prompts import EvalPrompt
from generator.evaluation.scoring import PictureScorer, PictureScores, diversity
from generator.pictures import save_png_with_recipe
from generator.recipe import recipe_for
from generator.request import DrawRequest

IMAGES_FOLDER = "images"


@dataclass(frozen=True)
class PictureResult:
    seed: int
    file: str  # relative to the report folder
    scores: PictureScores
    seconds: float


@dataclass(frozen=True)
class PromptResult:
    prompt: EvalPrompt
    pictures: tuple[PictureResult, ...]
    diversity: float | None


def evaluate_prompts(
    engine: Engine,
    scorer: PictureScorer,
    requests: Sequence[tuple[EvalPrompt, Sequence[DrawRequest]]],
    out_dir: Path,
    *,
    batch_size: int = 4,
    on_picture: Callable[[], None] | None = None,
) -> list[PromptResult]:
    """Draw each prompt's requests (one per seed, `batch_size` jobs per engine batch), save the
    pictures under `out_dir/images`, and score them."""
    results = []
    device = str(engine.device)
    versions = engine.models.versions()
    for number, (prompt, prompt_requests) in enumerate(requests, 1):
        drawn: list[DrawResult] = []
        for start in range(0, len(prompt_requests), batch_size):
            batch = prompt_requests[start : start + batch_size]
            drawn.extend(engine.draw([EngineJob(request) for request in batch]))
            if on_picture is not None:
                for _ in batch:
                    on_picture()
        files = []
        for result in drawn:
            name = f"{IMAGES_FOLDER}/prompt{number:03d}-seed{result.request.seed}.png"
            save_png_with_recipe(result.image, out_dir / name, recipe_for(result, versions, device))
            files.append(name)
        embeddings = scorer.image_embeddings([result.image for result in drawn])
        scores = scorer.score(embeddings, prompt_requests[0].prompts, prompt.english)
        results.append(
            PromptResult(
                prompt=prompt,
                pictures=tuple(
                    PictureResult(result.request.seed, file, score, result.seconds)
                    for result, file, score in zip(drawn, files, scores, strict=True)
                ),
                diversity=diversity(embeddings),
            )
        )
    return results
