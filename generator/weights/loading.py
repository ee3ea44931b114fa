"""Load a weights folder's models (real or smoke) strictly into a ModelBundle, or verify them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import torch

from generator.interfaces import ModelBundle
from generator.models.aesthetic import LinearAestheticHead
from generator.models.clip_image import CLIPImageTower
from generator.models.mclip import MCLIPTextEncoder
from generator.models.state_dicts import TRANSFORMERS_WEIGHT_FILES, count_parameters
from generator.models.thclip import ThCLIPTextEncoder
from generator.models.vqgan import TamingVQGAN
from generator.settings import GeneratorSettings
from generator.thclip.student import is_student_folder, load_student
from generator.weights.layout import WeightsLayout
from generator.weights.smoke import ensure_smoke_models
from generator.weights.vqgan_import import import_vqgan_checkpoint

log = logging.getLogger(__name__)

TEXT_ENCODERS = ("thclip", "mclip")
CLIP_EMBEDDING_DIM = 512  # CLIP ViT-B/32's space, shared by every part

Requirement = tuple[Path, ...]  # any one of these files will do
Settings = TypeVar("Settings", bound=GeneratorSettings)


class MissingWeightsError(Exception):
    """Model files are absent; the message is one line naming them and how to get them."""

    def __init__(self, layout: WeightsLayout, missing: Iterable[Requirement]) -> None:
        self.missing = missing = list(missing)
        names = ", ".join(_describe(requirement, layout.root) for requirement in missing)
        commands = []
        if any(not path.is_relative_to(layout.mclip_dir) for path, *_ in missing):
            commands.append("`thaidraw weights download`")
        if any(path.is_relative_to(layout.mclip_dir) for path, *_ in missing):
            commands.append("`thaidraw weights download --only mclip`")  # optional: not by default
        super().__init__(
            f"missing model files in {layout.root}: {names}; run {' and '.join(commands)} "
            "(or place the files by hand as the README explains)"
        )


@dataclass(frozen=True)
class _Part:
    """How to find and load one model; `files(layout)[0]` is the weights file shown in reports."""

    files: Callable[[WeightsLayout], list[Requirement]]
    load: Callable[[WeightsLayout], torch.nn.Module]


@dataclass(frozen=True)
class PartReport:
    """The outcome of loading one part strictly, for `thaidraw weights verify`."""

    part: str
    file: Path
    tensors: int
    parameters: int
    status: Literal["ok", "missing", "failed"]
    error: str = ""


def resolve_device(name: str) -> torch.device:
    """`auto` → CUDA when available, else the CPU; any other name as torch spells it."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def resolve_models(settings: Settings) -> Settings:
    """`THAIDRAW_MODELS=auto` made concrete: the real models when all their files are in place,
    else the smoke models, said in one log line with the command that fetches the real ones."""
    if settings.models != "auto":
        return settings
    try:
        require_weights(WeightsLayout(settings.weights_dir), settings.text_encoder)
    except MissingWeightsError as error:
        log.warning(
            "THAIDRAW_MODELS=auto: %d model files are missing in %s, so ThaiDraw draws with the "
            "smoke models (noise) until you run `thaidraw weights download`",
            len(error.missing),
            settings.weights_dir,
        )
        return settings.model_copy(update={"models": "smoke"})
    return settings.model_copy(update={"models": "real"})


def layout_for(settings: GeneratorSettings) -> WeightsLayout:
    """The real weights folder, or the smoke models (built on first use) when asked for."""
    if resolve_models(settings).models == "smoke":
        return ensure_smoke_models(settings.weights_dir)
    return WeightsLayout(settings.weights_dir)


def load_bundle(settings: GeneratorSettings, device: torch.device | None = None) -> ModelBundle:
    """The real or smoke models the settings ask for, on `device` (default: settings.device)."""
    settings = resolve_models(settings)
    return load_models(
        layout_for(settings),
        kind=settings.models,
        device=device or resolve_device(settings.device),
        text_encoder=settings.text_encoder,
    )


def load_models(
    layout: WeightsLayout, *, kind: str, device: torch.device, text_encoder: str = "thclip"
) -> ModelBundle:
    """Every model of `layout`, loaded strictly, frozen, in eval mode, on `device`.

    `text_encoder` is one of TEXT_ENCODERS or a folder written by `thaidraw thclip train`.
    """
    require_weights(layout, text_encoder)
    names = ("vqgan", "image_encoder", "aesthetic")
    vqgan, image_encoder, aesthetic = (_frozen(_PARTS[name].load(layout), device) for name in names)
    text = _frozen(load_text_encoder(layout, text_encoder), device)
    if text.embedding_dim != image_encoder.embedding_dim:
        raise ValueError(
            f"{text_encoder} embeds into {text.embedding_dim} dimensions but the image encoder "
            f"into {image_encoder.embedding_dim}: they are not the same CLIP space"
        )
    return ModelBundle(vqgan, image_encoder, text, aesthetic, kind=kind)


def require_weights(layout: WeightsLayout, text_encoder: str = "thclip") -> None:
    """Raise MissingWeightsError naming every file loading these models needs and lacks.

    Only looks for the files (loads nothing), so `thaidraw serve` can check before it starts.
    """
    names = ["vqgan", "image_encoder", "aesthetic"]
    if _named_text_encoder(text_encoder):
        names.append(text_encoder)
    missing = [requirement for name in names for requirement in _missing(layout, name)]
    if missing:
        raise MissingWeightsError(layout, missing)


def _frozen(module: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    return module.to(device).eval().requires_grad_(False)


def load_text_encoder(layout: WeightsLayout, text_encoder: str) -> torch.nn.Module:
    """One of TEXT_ENCODERS from `layout`, or a trained student's folder; strictly, on the CPU."""
    if not _named_text_encoder(text_encoder):
        return load_student(Path(text_encoder))
    missing = _missing(layout, text_encoder)
    if missing:
        raise MissingWeightsError(layout, missing)
    return _PARTS[text_encoder].load(layout)


def _named_text_encoder(text_encoder: str) -> bool:
    """True for a name in TEXT_ENCODERS, False for a student folder; anything else is refused."""
    if text_encoder in TEXT_ENCODERS:
        return True
    if is_student_folder(Path(text_encoder)):
        return False
    raise ValueError(
        f"unknown text encoder {text_encoder!r} (one of {TEXT_ENCODERS}, or a folder written by "
        "`thaidraw thclip train`)"
    )


def verify_models(
    layout: WeightsLayout, text_encoders: Iterable[str] = ("thclip",)
) -> list[PartReport]:
    """Load each part strictly on the CPU and report it; one broken part never stops the rest."""
    names = ("vqgan", "image_encoder", *text_encoders, "aesthetic")
    return [_verify(layout, name) for name in names]


def _verify(layout: WeightsLayout, name: str) -> PartReport:
    missing = _missing(layout, name)
    if missing:
        described = ", ".join(_describe(requirement, layout.root) for requirement in missing)
        return PartReport(
            name, _weights_file(layout, name), 0, 0, "missing", f"missing {described}"
        )
    try:
        module = _PARTS[name].load(layout)
    except Exception as error:  # a report of every part is the point: never stop at one
        failure = f"{type(error).__name__}: {error}"
        return PartReport(name, _weights_file(layout, name), 0, 0, "failed", failure)
    tensors, parameters = len(module.state_dict()), count_parameters(module)
    return PartReport(name, _weights_file(layout, name), tensors, parameters, "ok")


def _weights_file(layout: WeightsLayout, name: str) -> Path:
    """The part's weights file that is present (the preferred one when none is)."""
    candidates = _PARTS[name].files(layout)[0]
    return next((path for path in candidates if path.is_file()), candidates[0])


def _missing(layout: WeightsLayout, name: str) -> list[Requirement]:
    return [
        requirement
        for requirement in _PARTS[name].files(layout)
        if not any(path.is_file() for path in requirement)
    ]


def _describe(requirement: Requirement, root: Path) -> str:
    first, *others = (path.relative_to(root) for path in requirement)
    return f"{first}" + "".join(f" (or {other.name})" for other in others)


def _in(folder: Path, names: Iterable[str]) -> Requirement:
    return tuple(folder / name for name in names)


def _load_vqgan(layout: WeightsLayout) -> TamingVQGAN:
    """From the safetensors file, converting the published `last.ckpt` first if needed."""
    if not layout.vqgan_safetensors.is_file():
        import_vqgan_checkpoint(layout.vqgan_checkpoint, layout.vqgan_config, layout)
    return TamingVQGAN.from_safetensors(layout.vqgan_safetensors, layout.vqgan_config)


_PARTS: dict[str, _Part] = {
    "vqgan": _Part(
        files=lambda layout: [
            (layout.vqgan_safetensors, layout.vqgan_checkpoint),
            (layout.vqgan_config,),
        ],
        load=_load_vqgan,
    ),
    "image_encoder": _Part(
        files=lambda layout: [
            _in(layout.clip_dir, TRANSFORMERS_WEIGHT_FILES),
            (layout.clip_dir / "config.json",),
        ],
        load=lambda layout: CLIPImageTower.from_folder(layout.clip_dir),
    ),
    "thclip": _Part(
        files=lambda layout: [
            (layout.thclip_weights,),
            (layout.wangchanberta_dir / "config.json",),
            (layout.wangchanberta_dir / "sentencepiece.bpe.model",),
            (layout.wangchanberta_dir / "tokenizer_config.json",),
        ],
        load=lambda layout: ThCLIPTextEncoder.from_files(
            layout.wangchanberta_dir, layout.thclip_weights
        ),
    ),
    "mclip": _Part(
        files=lambda layout: [
            _in(layout.mclip_dir, TRANSFORMERS_WEIGHT_FILES),
            (layout.mclip_dir / "config.json",),
            _in(layout.mclip_dir, ("tokenizer.json", "sentencepiece.bpe.model")),
        ],
        load=lambda layout: MCLIPTextEncoder.from_folder(layout.mclip_dir),
    ),
    "aesthetic": _Part(
        files=lambda layout: [(layout.aesthetic_head,)],
        load=lambda layout: LinearAestheticHead.from_file(
            layout.aesthetic_head, CLIP_EMBEDDING_DIM
        ),
    ),
}
