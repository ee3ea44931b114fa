"""`thaidraw thclip translate|train|eval`: make caption pairs, distil ThCLIP, measure encoders."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from generator.cli import fail
from generator.settings import GeneratorSettings, SettingsError, load_settings

if TYPE_CHECKING:
    import torch

    from generator.thclip.metrics import DistillationScores
    from generator.weights.layout import WeightsLayout

Result = TypeVar("Result")

_models_option = click.option(
    "--models", type=click.Choice(["real", "smoke"]), help="Default: THAIDRAW_MODELS."
)
_device_option = click.option(
    "--device", type=click.Choice(["auto", "cpu", "cuda"]), help="Default: auto."
)


@click.group()
def thclip() -> None:
    """ThCLIP: a Thai text encoder distilled into CLIP's text space."""


@thclip.command()
@click.option(
    "--in",
    "english",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="English captions, one a line.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Pairs TSV (en, th, line) to write, or to go on with.",
)
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True)
@click.option(
    "--max-chars",
    type=click.IntRange(min=1),
    default=300,
    show_default=True,
    help="Skip longer captions (CLIP reads 77 tokens at most).",
)
@click.option(
    "--translator",
    default="pythainlp",
    show_default=True,
    help="pythainlp, or package.module:factory returning an object with translate(texts).",
)
@click.option("--gpu", is_flag=True, help="Run pythainlp's model on the GPU.")
def translate(
    english: Path, out: Path, batch_size: int, max_chars: int, translator: str, gpu: bool
) -> None:
    """Translate English captions into English–Thai training pairs (resumable)."""
    from tqdm import tqdm

    from generator.thclip.translation import TranslationError, load_translator, translate_file

    try:
        engine = load_translator(translator, use_gpu=gpu)
        with tqdm(unit="line", disable=not sys.stderr.isatty()) as bar:
            tally = translate_file(
                english,
                out,
                engine,
                batch_size=batch_size,
                max_chars=max_chars,
                on_lines=bar.update,
            )
    except TranslationError as error:
        fail(str(error))
    resumed = f" (going on after line {tally.resumed_after})" if tally.resumed_after else ""
    click.echo(
        f"translated {tally.translated}{resumed}; skipped {tally.empty} empty, "
        f"{tally.too_long} over {max_chars} characters, {tally.untranslated} untranslated; "
        f"pairs in {out}"
    )


@thclip.command()
@click.option(
    "--pairs",
    "pairs_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help='English–Thai pairs: TSV (en, th) or JSONL ({"en": …, "th": …}).',
)
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Run folder: checkpoint, log, teacher embeddings and the trained text encoder.",
)
@click.option("--steps", type=click.IntRange(min=1), default=2000, show_default=True)
@_models_option
@click.option(
    "--pooling",
    type=click.Choice(["cls", "mean"]),
    default="cls",
    show_default=True,
    help="Sentence embedding: the CLS token (the original app's) or the mean of the tokens.",
)
@click.option(
    "--init",
    type=click.Choice(["thclip", "wangchanberta"]),
    default="thclip",
    show_default=True,
    help="Go on from the published ThCLIP weights, or begin from pretrained WangchanBERTa "
    "with a fresh head (as the original app did).",
)
@click.option("--batch-size", type=click.IntRange(min=1), default=32, show_default=True)
@click.option(
    "--accumulate",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Batches per optimiser step.",
)
@click.option("--lr", "head_lr", type=float, default=1e-3, show_default=True, help="Of the head.")
@click.option("--backbone-lr", type=float, default=1e-5, show_default=True)
@click.option("--warmup", type=click.IntRange(min=0), default=100, show_default=True)
@click.option(
    "--validation",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.05,
    show_default=True,
    help="Share of the pairs held out.",
)
@click.option("--validate-every", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--save-every", type=click.IntRange(min=1), default=500, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--resume", is_flag=True, help="Go on from the checkpoint in --out.")
@click.option(
    "--teacher-cache",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Teacher embeddings file (default: OUT/teacher_embeddings.safetensors).",
)
@_device_option
def train(
    pairs_file: Path,
    out: Path,
    steps: int,
    models: str | None,
    pooling: str,
    init: str,
    batch_size: int,
    accumulate: int,
    head_lr: float,
    backbone_lr: float,
    warmup: int,
    validation: float,
    validate_every: int,
    save_every: int,
    seed: int,
    resume: bool,
    teacher_cache: Path | None,
    device: str | None,
) -> None:
    """Distil CLIP's text tower (fed English) into WangchanBERTa (fed Thai) by MSE."""
    from tqdm import tqdm

    from generator.thclip.distil import distil
    from generator.thclip.pairs import PairsError, read_pairs
    from generator.thclip.training import (
        CHECKPOINT_FILE,
        ResumeError,
        StepReport,
        TrainingOptions,
    )

    layout, torch_device = _models(models, device)
    try:
        pairs = read_pairs(pairs_file)
    except PairsError as error:
        fail(str(error))
    options = TrainingOptions(
        steps=steps,
        batch_size=batch_size,
        accumulate=accumulate,
        head_lr=head_lr,
        backbone_lr=backbone_lr,
        warmup_steps=warmup,
        validation_fraction=validation,
        validate_every=validate_every,
        save_every=save_every,
        seed=seed,
    )
    progress = sys.stderr.isatty()
    with tqdm(total=steps, unit="step", disable=not progress) as bar:

        def show(report: StepReport) -> None:
            bar.update(report.step - bar.n)
            shown = {"loss": f"{report.loss:.4f}", "lr": f"{report.learning_rate:.1e}"}
            if report.validation is not None:
                shown["val R@1"] = f"{report.validation.recall[1]:.3f}"
            bar.set_postfix(shown)

        try:
            summary = _loading_models(
                lambda: distil(
                    pairs,
                    layout,
                    out,
                    options,
                    init=init,
                    pooling=pooling,
                    device=torch_device,
                    resume=resume,
                    teacher_cache=teacher_cache,
                    progress=progress,
                    on_step=show,
                )
            )
        except ResumeError as error:
            fail(str(error))
        except KeyboardInterrupt:
            bar.close()
            if not (out / CHECKPOINT_FILE).exists():
                fail("interrupted before the first step; nothing to resume", 130)
            fail("interrupted; the last finished step is saved: go on with --resume", 130)
    if summary.validation is not None:
        click.echo(f"held-out pairs after step {summary.steps}:")
        click.echo(scores_table([("student", summary.validation)]))
    click.echo(f"text encoder written to {out}; draw with it: THAIDRAW_TEXT_ENCODER={out}")


@thclip.command("eval")
@click.option("--en", "english", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--th", "thai", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--text-encoder",
    "text_encoders",
    multiple=True,
    help="thclip, mclip, clip (CLIP's text tower fed Thai: the floor) or a trained folder; "
    "repeat to compare (default: thclip).",
)
@_models_option
@_device_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line per encoder.")
@click.option("--batch-size", type=click.IntRange(min=1), default=128, show_default=True)
def evaluate(
    english: Path,
    thai: Path,
    text_encoders: tuple[str, ...],
    models: str | None,
    device: str | None,
    as_json: bool,
    batch_size: int,
) -> None:
    """Score text encoders on line-aligned English and Thai captions: MSE and cosine to the
    teacher's embeddings, and Thai→English retrieval recall among all the pairs."""
    from generator.thclip.comparison import check_encoder_name, compare_text_encoders
    from generator.thclip.pairs import PairsError, read_aligned

    try:
        names = [check_encoder_name(name) for name in text_encoders or ("thclip",)]
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--text-encoder") from None
    layout, torch_device = _models(models, device)
    try:
        pairs = read_aligned(english, thai)
    except PairsError as error:
        fail(str(error))
    results = _loading_models(
        lambda: compare_text_encoders(
            pairs, layout, names, device=torch_device, batch_size=batch_size
        )
    )
    if as_json:
        for result in results:
            click.echo(json.dumps({"text_encoder": result.label, **result.scores.to_dict()}))
        return
    click.echo(f"{len(pairs)} pairs; teacher: CLIP's text tower on the English captions")
    click.echo(scores_table([(result.label, result.scores) for result in results]))


def scores_table(rows: Sequence[tuple[str, DistillationScores]]) -> str:
    """Scores as an aligned text table, one row per text encoder."""
    from generator.evaluation.tables import text_table

    return text_table(
        ("text encoder", "pairs", "R@1", "R@5", "R@10", "MSE", "cosine"),
        [
            (
                label,
                str(scores.pairs),
                *(f"{scores.recall[k]:.3f}" for k in (1, 5, 10)),
                f"{scores.mse:.4f}",
                f"{scores.cosine:.3f}",
            )
            for label, scores in rows
        ],
    )


def generator_settings(**options: str | None) -> GeneratorSettings:
    """The settings from the environment with the command's options (those given) on top."""
    try:
        return load_settings(
            GeneratorSettings, **{key: value for key, value in options.items() if value}
        )
    except SettingsError as error:
        fail(str(error))


def _models(models: str | None, device: str | None) -> tuple[WeightsLayout, torch.device]:
    """The weights layout (building the smoke models if asked for) and the device to run on."""
    settings = generator_settings(models=models, device=device)

    from generator.weights.loading import layout_for, resolve_device

    return layout_for(settings), resolve_device(settings.device)


def _loading_models(run: Callable[[], Result]) -> Result:
    """Run `run`; a model file that is missing or does not match ends the command clearly."""
    from generator.models.state_dicts import StateDictMismatch
    from generator.thclip.student import StudentFolderError
    from generator.weights.loading import MissingWeightsError

    try:
        return run()
    except (MissingWeightsError, FileNotFoundError, StateDictMismatch, StudentFolderError) as error:
        fail(str(error), code=1)
