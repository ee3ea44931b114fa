"""`thaidraw eval`: draw a prompt set with several seeds and report what the pictures score."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from generator.cli import SMOKE_NOTICE, engine_options, fail, precision_option
from generator.evaluation.compare import Variation, VaryError, parse_vary
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

    from generator.engine import Engine
    from generator.evaluation.feedback import StoredFeedback
    from generator.evaluation.prompts import EvalPrompt
    from generator.evaluation.run import PromptResult
    from generator.evaluation.summary import GroupSummary
    from generator.interfaces import ModelBundle
    from generator.settings import GeneratorSettings
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
@precision_option
@click.option(
    "--vary",
    metavar="FIELD=V1,V2",
    help="Draw every prompt × seed under each value and compare them (FIELD: augment, "
    "precision, steps, cutn, aesthetic_weight, negative_weight); e.g. augment=original,sharp.",
)
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
    precision: str | None,
    vary: str | None,
    feedback: bool,
) -> None:
    """Draw every prompt of PROMPTS_FILE (default: the built-in Thai set) once per seed, score
    the pictures, and write OUT/index.html with the image grid and the figures. With --vary,
    one such report per value under OUT/FIELD-VALUE/, the values side by side and a verdict."""
    from generator.evaluation.prompts import PromptsError, builtin_prompts, read_prompts

    settings = generator_settings(
        models=models, device=device, text_encoder=text_encoder, precision=precision
    )
    try:
        prompts = read_prompts(prompts_file or builtin_prompts())[:limit]
        variation = parse_vary(vary) if vary else None
    except (PromptsError, VaryError) as error:
        fail(str(error))
    seed_list = list(range(first_seed, first_seed + seeds))
    shared: dict[str, Any] = {"steps": steps, "cutn": cutn, "aesthetic_weight": aesthetic}
    try:
        shared["width"], shared["height"] = parse_size(size)
        variants = [
            (
                value,
                variant_settings,
                fields,
                _draw_requests(prompts, seed_list, negatives, settings.limits(), fields),
            )
            for value, variant_settings, fields in _variants(variation, settings, shared)
        ]
    except RequestError as error:
        fail(error.english)
    stored, feedback_note = _stored_feedback(prompts) if feedback else (None, "not asked for")

    from tqdm import tqdm

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
    scorer = PictureScorer(bundle, torch_device, gloss_encoder)
    pictures = len(prompts) * seeds * len(variants)
    all_results: list[list[PromptResult]] = []
    summaries: list[GroupSummary] = []
    with tqdm(total=pictures, unit="picture", disable=not sys.stderr.isatty()) as bar:
        for value, variant_settings, fields, requests in variants:
            engine = _engine(bundle, torch_device, variant_settings)
            folder = out if variation is None else out / f"{variation.field}-{value}"
            results = evaluate_prompts(
                engine,
                scorer,
                requests,
                folder,
                batch_size=batch_size,
                on_picture=lambda: bar.update(1),
            )
            summary = summarise(results)
            page = write_report(
                Evaluation(
                    settings={
                        "seeds": seed_list,
                        "negatives": list(negatives),
                        **fields,
                        "augment": requests[0][1][0].augment,
                        "precision": engine.precision.precision,
                    },
                    models=bundle.versions(),
                    device=str(torch_device),
                    prompts=results,
                    summary=summary,
                    feedback=stored,
                    feedback_note=feedback_note,
                    gloss_note=gloss_note,
                ),
                folder,
            )
            if variation is not None:
                click.echo(f"\n{variation.label(value)}  ({page})")
            click.echo(summary_table(summary))
            all_results.append(results)
            summaries.append(summary[-1])  # all prompts
    if variation is not None:
        page = _write_comparison(variation, summaries, all_results, out)
    if stored is not None:
        click.echo(f"\napproval from stored feedback ({stored.database}):")
        click.echo(approval_table(stored))
    else:
        click.echo(f"\nstored feedback: {feedback_note}")
    click.echo(f"\nreport: {page}")


def _variants(
    variation: Variation | None, settings: GeneratorSettings, shared: dict[str, Any]
) -> list[tuple[object, GeneratorSettings, dict[str, Any]]]:
    """(value, generator settings, request fields) for each value (one, unnamed, without
    --vary); `precision` is the engine's, any other field the requests'."""
    if variation is None:
        return [(None, settings, shared)]
    if variation.field == "precision":
        return [
            (value, settings.model_copy(update={"precision": value}), shared)
            for value in variation.values
        ]
    return [(value, settings, {**shared, variation.field: value}) for value in variation.values]


def _engine(bundle: ModelBundle, device: torch.device, settings: GeneratorSettings) -> Engine:
    from generator.engine import Engine

    return Engine(bundle, device, **engine_options(settings, device))


def _write_comparison(
    variation: Variation,
    summaries: Sequence[GroupSummary],
    results: Sequence[Sequence[PromptResult]],
    out: Path,
) -> Path:
    """Print the values side by side with the verdict; write them to OUT/comparison.json."""
    import json
    from dataclasses import asdict

    from generator.evaluation.compare import comparison_table, verdict

    line = verdict(variation, summaries, results)
    click.echo(f"\ncompared over all prompts ({variation.field}):")
    click.echo(comparison_table(variation, summaries))
    click.echo(line)
    path = out / "comparison.json"
    document = {
        "field": variation.field,
        "values": [
            {"value": value, "folder": f"{variation.field}-{value}", **asdict(row)}
            for value, row in zip(variation.values, summaries, strict=True)
        ],
        "verdict": line,
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


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
