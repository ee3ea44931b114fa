"""`thaidraw weights …`: fetch, list, check and convert the real model files."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator.cli import fail
from generator.settings import GeneratorSettings, SettingsError, load_settings
from generator.weights.download import (
    ConversionError,
    DownloadError,
    convert_vqgan,
    download_missing,
    part_path,
)
from generator.weights.layout import WeightsLayout
from generator.weights.registry import PARTS, REGISTRY, ModelFile, Origins, select_files

if TYPE_CHECKING:
    from generator.weights.loading import PartReport

_dir_option = click.option(
    "--dir",
    "weights_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Weights folder (default: THAIDRAW_WEIGHTS_DIR).",
)


@click.group()
def weights() -> None:
    """Fetch, list, check and convert the real model files."""


@weights.command()
@_dir_option
@click.option(
    "--include-optional", is_flag=True, help="Also fetch optional files (M-CLIP, about 2.3 GB)."
)
@click.option(
    "--only",
    "parts",
    multiple=True,
    type=click.Choice(PARTS),
    help="Fetch only this part (repeatable; naming an optional part includes it).",
)
@click.option(
    "--hub-endpoint", help="Hugging Face endpoint (default: HF_ENDPOINT or https://huggingface.co)."
)
@click.option(
    "--mirror", help="Server that serves the plain-URL files (VQGAN, aesthetic head) by path."
)
def download(
    weights_dir: Path | None,
    include_optional: bool,
    parts: tuple[str, ...],
    hub_endpoint: str | None,
    mirror: str | None,
) -> None:
    """Fetch the model files that are missing (resumable; sizes and checksums are checked)."""
    layout = WeightsLayout(weights_dir or _settings().weights_dir)
    entries = select_files(parts, include_optional=include_optional)
    try:
        results = download_missing(
            layout,
            entries,
            progress=sys.stderr.isatty(),
            origins=Origins(hub_endpoint=hub_endpoint, web_mirror=mirror),
        )
    except DownloadError as error:
        fail(str(error), code=1)
    for result in results:
        click.echo(f"{result.outcome:<10} {result.path.relative_to(layout.root)}")
    click.echo(f"weights are in {layout.root}; check them with `thaidraw weights verify`")


@weights.command("list")
@_dir_option
def list_files(weights_dir: Path | None) -> None:
    """Show every model file: present or missing, with its size and the size expected."""
    layout = WeightsLayout(weights_dir or _settings().weights_dir)
    rows = [
        (
            f"{entry.part} (optional)" if entry.optional else entry.part,
            str(entry.relative_path(layout)),
            _status(entry, layout),
            _size_on_disk(entry, layout),
            _expected_size(entry),
        )
        for entry in REGISTRY
    ]
    click.echo(_table(("part", "file", "status", "size", "expected"), rows))
    missing = [entry for entry in REGISTRY if not entry.is_satisfied(layout)]
    needed = [entry for entry in missing if not entry.optional]
    to_fetch = _human_size(sum(entry.size or 0 for entry in needed))
    click.echo(
        f"{len(missing)} of {len(REGISTRY)} files missing in {layout.root}; "
        f"{len(needed)} needed, about {to_fetch} to download"
    )
    click.echo(_next(f"thaidraw weights {'download' if needed else 'verify'}", weights_dir))


@weights.command()
@_dir_option
@click.option(
    "--text-encoder",
    type=click.Choice(["thclip", "mclip", "all"]),
    help="Which text encoder to check (default: THAIDRAW_TEXT_ENCODER).",
)
def verify(weights_dir: Path | None, text_encoder: str | None) -> None:
    """Load every model strictly and show what each file holds; exit 1 if any part fails."""
    given_dir = weights_dir
    if weights_dir is None or text_encoder is None:
        settings = _settings()
        weights_dir = weights_dir or settings.weights_dir
        text_encoder = text_encoder or settings.text_encoder
    layout = WeightsLayout(weights_dir)
    encoders = ("thclip", "mclip") if text_encoder == "all" else (text_encoder,)

    # Imported here: verification needs torch and transformers, the other commands do not.
    from generator.weights.loading import verify_models

    reports = verify_models(layout, text_encoders=encoders)
    rows = [
        (
            report.part,
            str(report.file.relative_to(layout.root)),
            f"{report.tensors:,}" if report.status == "ok" else "-",
            f"{report.parameters:,}" if report.status == "ok" else "-",
            report.status,
        )
        for report in reports
    ]
    click.echo(_table(("part", "file", "tensors", "parameters", "status"), rows))
    failed = [report for report in reports if report.status != "ok"]
    for report in failed:
        click.echo(f"{report.part}: {report.error.strip().splitlines()[0]}")
    if not failed:
        click.echo(_next("thaidraw serve", given_dir))
        return
    names = ", ".join(report.part for report in failed)
    click.echo(f"error: {len(failed)} of {len(reports)} parts did not load: {names}", err=True)
    click.echo(_next(_repair(failed), given_dir), err=True)
    sys.exit(1)


@weights.command("import-vqgan")
@click.argument("checkpoint", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("config", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_dir_option
def import_vqgan(checkpoint: Path, config: Path, weights_dir: Path | None) -> None:
    """Convert a taming VQGAN CHECKPOINT (last.ckpt) with its CONFIG (model.yaml) to safetensors."""
    layout = WeightsLayout(weights_dir or _settings().weights_dir)
    try:
        report = convert_vqgan(checkpoint, config, layout)
    except ConversionError as error:
        fail(str(error), code=1)
    click.echo(
        f"wrote {report.safetensors} ({report.tensors} tensors, {report.parameters:,} parameters; "
        f"{report.dropped_loss_tensors} training-loss tensors left out)"
    )


def _repair(failed: Sequence[PartReport]) -> str:
    """The command that brings the failed parts back: broken files go, missing ones come."""
    download = "thaidraw weights download"
    if any(report.part == "mclip" for report in failed):
        download += " --include-optional"  # M-CLIP is optional, so fetched only when asked
    broken = [shlex.quote(str(report.file)) for report in failed if report.status == "failed"]
    return f"rm {' '.join(broken)} && {download}" if broken else download


def _next(command: str, weights_dir: Path | None) -> str:
    """`next: COMMAND`, the exact command to run now, for the folder this one was given."""
    if weights_dir is not None:
        folder = shlex.quote(str(weights_dir))
        if "thaidraw weights" in command:
            command = f"{command} --dir {folder}"
        else:
            command = f"THAIDRAW_WEIGHTS_DIR={folder} {command}"
    return f"next: {command}"


def _settings() -> GeneratorSettings:
    try:
        return load_settings(GeneratorSettings)
    except SettingsError as error:
        fail(str(error))


def _status(entry: ModelFile, layout: WeightsLayout) -> str:
    path = entry.path(layout)
    if entry.is_replaced(layout):
        return "converted"
    if path.is_file():
        if entry.size_is_exact and path.stat().st_size != entry.size:
            return "wrong size"
        return "present"
    if part_path(path).is_file():
        return "partial"
    return "missing"


def _size_on_disk(entry: ModelFile, layout: WeightsLayout) -> str:
    for path in (entry.path(layout), part_path(entry.path(layout))):
        if path.is_file():
            return _human_size(path.stat().st_size)
    return "-"


def _expected_size(entry: ModelFile) -> str:
    if entry.size is None:
        return "?"
    return _human_size(entry.size) if entry.size_is_exact else f"~{_human_size(entry.size)}"


def _human_size(size: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Rows under their headers, each column as wide as its widest cell."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=False)]
    lines = [headers, *rows]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )
