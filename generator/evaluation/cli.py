"""`thaidraw eval`: draw a prompt set with several seeds and report what the pictures score."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from generator.cli import SMOKE_NOTICE, fail
from generator.request import (
    DEFAULT_AESTHETIC_WEIGHT,
    DEFAULT_CUTN,
    DEFAULT_STEPS,
    DrawRequest,
    RequestError,
    RequestLimits,
    build_request,
    parse_size,
)
from generator.settings import SettingsError
from generator.thclip.cli import generator_settings

if TYPE_CHECKING:
    import torch

    from generator.evaluation.feedback import StoredFeedback
    from generator.evaluation.prompts import EvalPrompt
    from generator.thclip.teacher import CLIPTextTower
    from generator.weights.layout import WeightsLayout


@click.command("eval")
@click.argument("prompts_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--seeds", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--first-seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--steps", type=int, default=DEFAULT_STEPS, show_default=True)
@click.option("--size", default="256x256", show_default=True, help="WIDTHxHEIGHT or one side.")
@click.option("--cutn", type=int, default=DEFAULT_CUTN, show_default=True)
@click.option("--neg", "negatives", multiple=True, help="Negative prompt for every picture.")
@click.option("--aesthetic", type=float, default=DEFAULT_AESTHETIC_WEIGHT, show_default=True)
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N prompts.")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=4,
    show_default=True,
    help="Pictures of one prompt drawn together.",
)
@click.option("--models", type=click.Choice(["real", "smoke"]), help="Default: THAIDRAW_MODELS.")
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), help="Default: auto.")
@click.option("--text-encoder", help="thclip, mclip or a trained folder (default: thclip).")
@click.option(
    "--feedback/--no-feedback",
    default=True,
    show_default=True,
    help="Add approval rates from the configured database.",
)
def evaluate(
    prompts_file: Path | None,
    out: Path,
    seeds: int,
    first_seed: int,
    steps: int,
    size: str,
    cutn: int,
    negatives: tuple[str, ...],
    aesthetic: float,
    limit: int | None,
    batch_size: int,
    models: str | None,
    device: str | None,
    text_encoder: str | None,
    feedback: bool,
) -> None:
    """Draw every prompt of PROMPTS_FILE (default: the built-in Thai set) once per seed, score
    the pictures, and write OUT/index.html with the image grid and the figures."""
    from generator.evaluation.prompts import PromptsError, builtin_prompts, read_prompts

    settings = generator_settings(models=models, device=device, text_encoder=text_encoder)
    try:
        prompts = read_prompts(prompts_file or builtin_prompts())[:limit]
    except PromptsError as error:
        fail(str(error))
    seed_list = list(range(first_seed, first_seed + seeds))
    shared: dict[str, Any] = {"steps": steps, "cutn": cutn, "aesthetic_weight": aesthetic}
    try:
        shared["width"], shared["height"] = parse_size(size)
        requests = _draw_requests(prompts, seed_list, negatives, settings.limits(), shared)
    except RequestError as error:
        fail(error.english)
    stored, feedback_note = _stored_feedback(prompts) if feedback else (None, "not asked for")

    from tqdm import tqdm

    from generator.engine import Engine
    from generator.evaluation.report import Evaluation, approval_table, summary_table, write_report
    from generator.evaluation.run import evaluate_prompts
    from generator.evaluation.scoring import PictureScorer
    from generator.evaluation.summary import summarise
    from generator.weights.loading import (
        MissingWeightsError,
        layout_for,
        load_models,
        resolve_device,
        resolve_models,
    )

    settings = resolve_models(settings)
    torch_device = resolve_device(settings.device)
    layout = layout_for(settings)
    try:
        bundle = load_models(
            layout, kind=settings.models, device=torch_device, text_encoder=settings.text_encoder
        )
    except MissingWeightsError as error:
        fail(str(error), code=1)
    if bundle.kind == "smoke":
        click.echo(SMOKE_NOTICE, err=True)
    gloss_encoder, gloss_note = _gloss_encoder(layout, torch_device, prompts)
    pictures = len(prompts) * seeds
    with tqdm(total=pictures, unit="picture", disable=not sys.stderr.isatty()) as bar:
        results = evaluate_prompts(
            Engine(bundle, torch_device),
            PictureScorer(bundle, torch_device, gloss_encoder),
            requests,
            out,
            batch_size=batch_size,
            on_picture=lambda: bar.update(1),
        )
    summary = summarise(results)
    page = write_report(
        Evaluation(
            settings={"seeds": seed_list, "negatives": list(negatives), **shared},
            models=bundle.versions(),
            device=str(torch_device),
            prompts=results,
            summary=summary,
            feedback=stored,
            feedback_note=feedback_note,
            gloss_note=gloss_note,
        ),
        out,
    )
    click.echo(summary_table(summary))
    if stored is not None:
        click.echo(f"\napproval from stored feedback ({stored.database}):")
        click.echo(approval_table(stored))
    else:
        click.echo(f"\nstored feedback: {feedback_note}")
    click.echo(f"\nreport: {page}")


def _draw_requests(
    prompts: Sequence[EvalPrompt],
    seeds: Sequence[int],
    negatives: Sequence[str],
    limits: RequestLimits,
    shared: dict[str, Any],
) -> list[tuple[EvalPrompt, list[DrawRequest]]]:
    """One validated request per prompt and seed."""
    return [
        (
            prompt,
            [
                build_request(prompt.thai, limits, negatives=negatives, seed=seed, **shared)
                for seed in seeds
            ],
        )
        for prompt in prompts
    ]


def _stored_feedback(prompts: Sequence[EvalPrompt]) -> tuple[StoredFeedback | None, str]:
    """The approval figures, or None and the reason there are none."""
    from sqlalchemy.exc import SQLAlchemyError

    from generator.evaluation.feedback import configured_database_url, stored_feedback

    try:
        url = configured_database_url()
    except SettingsError as error:
        fail(str(error))
    if url is None:
        return None, "no database configured (DATABASE_URL, or THAIDRAW_DATA_DIR/thaidraw.db)"
    try:
        return stored_feedback(url, prompts), ""
    except SQLAlchemyError as error:
        reason = " ".join(str(getattr(error, "orig", None) or error).split())
        return None, f"the database could not be read ({reason})"


def _gloss_encoder(
    layout: WeightsLayout, device: torch.device, prompts: Sequence[EvalPrompt]
) -> tuple[CLIPTextTower | None, str]:
    """CLIP's own text tower for the English glosses, or None and the reason."""
    from generator.thclip.teacher import CLIPTextTower, MissingTokenizerError

    if not any(prompt.english for prompt in prompts):
        return None, "The prompts file gives no English glosses."
    try:
        return CLIPTextTower.from_folder(layout.clip_dir).to(device).eval(), ""
    except MissingTokenizerError as error:
        return None, f"No gloss scores: {error}"
