"""`thaidraw draw`: one picture from the command line, written as PNG with its recipe."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from generator.request import (
    AUGMENTS,
    DEFAULT_AESTHETIC_WEIGHT,
    DEFAULT_AUGMENT,
    DEFAULT_CUTN,
    DEFAULT_NEGATIVE_WEIGHT,
    DEFAULT_STEPS,
    DEFAULT_TARGET_WEIGHT,
    RequestError,
    build_request,
    parse_size,
)
from generator.settings import (
    PRECISION_SETTINGS,
    GeneratorSettings,
    SettingsError,
    load_settings,
)

if TYPE_CHECKING:
    import torch

SMOKE_NOTICE = "smoke models: tiny random weights; the picture is noise (for wiring checks only)"


def fail(message: str, code: int = 2) -> NoReturn:
    """End the command with one clear line."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


# Shared by every command that draws (`draw`, `serve`, `eval`, the generator worker).
precision_option = click.option(
    "--precision",
    type=click.Choice(PRECISION_SETTINGS),
    help="Default: THAIDRAW_PRECISION (auto: bf16 on CUDA and on CPUs with native bf16, "
    "else fp32).",
)
deterministic_option = click.option(
    "--deterministic",
    is_flag=True,
    default=None,
    help="CUDA: deterministic kernels where PyTorch has them, in fp32 "
    "(default: THAIDRAW_DETERMINISTIC; the CPU is always deterministic).",
)


def engine_options(settings: GeneratorSettings, device: torch.device) -> dict[str, Any]:
    """The Engine's `precision` and `deterministic` from the settings, or fail with one line."""
    from generator.precision import PrecisionError, resolve_precision

    try:
        precision = resolve_precision(
            settings.precision, device, deterministic=settings.deterministic
        )
    except PrecisionError as error:
        fail(str(error))
    return {"precision": precision, "deterministic": settings.deterministic}


@click.command()
@click.argument("prompt")
@click.option(
    "--neg",
    "negatives",
    multiple=True,
    help="Negative prompt (repeatable); without it ภาพเบลอ at --neg-weight, `none` for none.",
)
@click.option("--style", "styles", multiple=True, help="Style preset, Thai or English name.")
@click.option("--steps", type=int, default=DEFAULT_STEPS, show_default=True)
@click.option("--size", default="256x256", show_default=True, help="WIDTHxHEIGHT or one side.")
@click.option("--seed", type=int, default=None, help="Random seed (default: a fresh one).")
@click.option("--init", "init_image", type=click.Path(path_type=Path), help="Start from a picture.")
@click.option("--target", "target_image", type=click.Path(path_type=Path), help="Aim at a picture.")
@click.option("--aesthetic", type=float, default=DEFAULT_AESTHETIC_WEIGHT, show_default=True)
@click.option("--neg-weight", type=float, default=DEFAULT_NEGATIVE_WEIGHT, show_default=True)
@click.option("--target-weight", type=float, default=DEFAULT_TARGET_WEIGHT, show_default=True)
@click.option("--cutn", type=int, default=DEFAULT_CUTN, show_default=True, help="Cutouts a step.")
@click.option(
    "--augment",
    type=click.Choice(AUGMENTS),
    default=DEFAULT_AUGMENT,
    show_default=True,
    help="The cutouts' augmentations: the original app's, or with sharpening and colour jitter.",
)
@click.option("--out", type=click.Path(path_type=Path), help="PNG to write.")
@click.option(
    "--models", type=click.Choice(["real", "smoke", "auto"]), help="Default: THAIDRAW_MODELS."
)
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), help="Default: auto.")
@click.option(
    "--text-encoder",
    metavar="thclip|mclip|FOLDER",
    help="Default: THAIDRAW_TEXT_ENCODER (thclip); a folder from `thaidraw thclip train`.",
)
@precision_option
@deterministic_option
@click.option(
    "--quiet", is_flag=True, help="No progress bar on stderr (the PNG path still prints)."
)
def draw(
    prompt: str,
    negatives: tuple[str, ...],
    styles: tuple[str, ...],
    steps: int,
    size: str,
    seed: int | None,
    init_image: Path | None,
    target_image: Path | None,
    aesthetic: float,
    neg_weight: float,
    target_weight: float,
    cutn: int,
    augment: str,
    out: Path | None,
    models: str | None,
    device: str | None,
    text_encoder: str | None,
    precision: str | None,
    deterministic: bool | None,
    quiet: bool,
) -> None:
    """Draw PROMPT (Thai; `ข้อความ:น้ำหนัก | …` allowed) and print the PNG's path."""
    overrides = {
        "models": models,
        "device": device,
        "text_encoder": text_encoder,
        "precision": precision,
        "deterministic": deterministic,
    }
    try:
        settings = load_settings(
            GeneratorSettings, **{k: v for k, v in overrides.items() if v is not None}
        )
    except SettingsError as error:
        fail(str(error))
    try:
        width, height = parse_size(size)
        request = build_request(
            prompt,
            settings.limits(),
            negatives=negatives,
            styles=styles,
            negative_weight=neg_weight,
            steps=steps,
            width=width,
            height=height,
            seed=seed,
            init_image=str(init_image) if init_image else None,
            target_image=str(target_image) if target_image else None,
            aesthetic_weight=aesthetic,
            target_weight=target_weight,
            cutn=cutn,
            augment=augment,
        ).with_seed()
    except RequestError as error:
        fail(error.english)

    # Heavy imports wait until the arguments are known to be good.
    from generator.pictures import PictureError, open_picture, save_png_with_recipe

    try:
        init = open_picture(init_image) if init_image else None
        target = open_picture(target_image) if target_image else None
    except PictureError as error:
        fail(str(error))
    out = out or Path(f"thaidraw-{time.strftime('%Y%m%d-%H%M%S')}-{request.seed}.png")
    if out.is_dir():
        fail(f"--out {out} is a folder; give a file name ending in .png")

    from tqdm import tqdm

    from generator.engine import Engine, EngineJob
    from generator.recipe import recipe_for
    from generator.weights.loading import MissingWeightsError, load_bundle, resolve_device

    torch_device = resolve_device(settings.device)
    options = engine_options(settings, torch_device)
    try:
        bundle = load_bundle(settings, torch_device)
    except MissingWeightsError as error:
        fail(str(error), code=1)
    if bundle.kind == "smoke":
        click.echo(SMOKE_NOTICE, err=True)

    engine = Engine(bundle, torch_device, progress_every=1, **options)
    # Steps done of all, and the time left at this device's pace, on stderr (also when it is
    # not a terminal: a log shows the run is alive); stdout keeps only the PNG's path.
    with tqdm(
        total=request.steps, desc="drawing", unit="step", file=sys.stderr, disable=quiet
    ) as bar:
        (result,) = engine.draw(
            [EngineJob(request, init, target)], on_progress=lambda update: bar.update(1)
        )
    recipe = recipe_for(result, bundle.versions(), str(torch_device))
    click.echo(save_png_with_recipe(result.image, out, recipe))
