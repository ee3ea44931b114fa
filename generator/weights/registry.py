"""Every real model file: where it comes from, how big it is, how to check it, where it lands."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit, urlunsplit

from huggingface_hub import hf_hub_url

from generator.weights.layout import WeightsLayout

Part = Literal["vqgan", "clip", "thclip", "aesthetic", "mclip"]
PARTS: tuple[Part, ...] = get_args(Part)


@dataclass(frozen=True)
class HubFile:
    """A file of a Hugging Face model repository at a fixed revision."""

    repo_id: str
    filename: str
    revision: str

    def address(self, endpoint: str | None = None) -> str:
        """The resolve URL; `endpoint` None means huggingface_hub's default (HF_ENDPOINT)."""
        return hf_hub_url(self.repo_id, self.filename, revision=self.revision, endpoint=endpoint)


@dataclass(frozen=True)
class WebFile:
    """A file behind a plain HTTPS URL."""

    url: str

    def address(self, mirror: str | None = None) -> str:
        """The URL, or the same path and query on `mirror` (scheme://host[/prefix])."""
        if not mirror:
            return self.url
        original, base = urlsplit(self.url), urlsplit(mirror)
        path = base.path.rstrip("/") + original.path
        return urlunsplit((base.scheme, base.netloc, path, original.query, ""))


@dataclass(frozen=True)
class Origins:
    """Where files are fetched from: overridable for mirrors, air-gapped hosts and tests."""

    hub_endpoint: str | None = None  # None: huggingface_hub's default, which honours HF_ENDPOINT
    web_mirror: str | None = None  # serves the plain URLs' paths under another scheme://host


@dataclass(frozen=True)
class ModelFile:
    """One file a real model needs."""

    part: Part
    source: HubFile | WebFile
    locate: Callable[[WeightsLayout], Path]
    licence: str
    # Bytes: checked when `size_is_exact`, otherwise the publisher's rounded figure for display.
    size: int | None = None
    size_is_exact: bool = False
    sha256: str | None = None
    optional: bool = False
    # A file derived from this one that makes it unnecessary (the VQGAN checkpoint's conversion).
    replaced_by: Callable[[WeightsLayout], Path] | None = None

    def path(self, layout: WeightsLayout) -> Path:
        return self.locate(layout)

    def relative_path(self, layout: WeightsLayout) -> Path:
        return self.path(layout).relative_to(layout.root)

    def is_replaced(self, layout: WeightsLayout) -> bool:
        return self.replaced_by is not None and self.replaced_by(layout).is_file()

    def is_satisfied(self, layout: WeightsLayout) -> bool:
        """Present as a file, or made unnecessary by its replacement."""
        return self.path(layout).is_file() or self.is_replaced(layout)

    def address(self, origins: Origins | None = None) -> str:
        origins = origins or Origins()
        if isinstance(self.source, HubFile):
            return self.source.address(origins.hub_endpoint)
        return self.source.address(origins.web_mirror)


# Taming-transformers' own share, the links VQGAN-CLIP notebooks use.
_HEIBOX_VQGAN = "https://heibox.uni-heidelberg.de/d/a7530b09fed84f80a887/files/"
# openai/clip-vit-base-patch32's `main` has only a pickle; this commit of the same repository
# adds the safetensors conversion and keeps main's config blobs.
_CLIP_REVISION = "eaee4c876b93e66f7fac584b529025a96d71ad66"
_WANGCHANBERTA_REVISION = "b81d38df6b4755dbedec0bfea863c9956cbb963e"
_MCLIP_REVISION = "dc925ee8a5148b461335a36954aa8b2ec68b41a9"

_MIT_TAMING = "MIT (CompVis/taming-transformers)"
_MIT_CLIP = "MIT (openai/CLIP)"
_UNSTATED = "not stated on the model card"
_MIT_MCLIP = "MIT (FreddeFrallan/Multilingual-CLIP)"


def _clip(filename: str, **facts: Any) -> ModelFile:
    return ModelFile(
        part="clip",
        source=HubFile("openai/clip-vit-base-patch32", filename, _CLIP_REVISION),
        locate=lambda layout: layout.clip_dir / filename,
        licence=_MIT_CLIP,
        **facts,
    )


def _wangchanberta(filename: str, **facts: Any) -> ModelFile:
    return ModelFile(
        part="thclip",
        source=HubFile(
            "airesearch/wangchanberta-base-att-spm-uncased", filename, _WANGCHANBERTA_REVISION
        ),
        locate=lambda layout: layout.wangchanberta_dir / filename,
        licence=_UNSTATED,
        **facts,
    )


def _mclip(filename: str, **facts: Any) -> ModelFile:
    return ModelFile(
        part="mclip",
        source=HubFile("M-CLIP/XLM-Roberta-Large-Vit-B-32", filename, _MCLIP_REVISION),
        locate=lambda layout: layout.mclip_dir / filename,
        licence=_MIT_MCLIP,
        optional=True,
        **facts,
    )


REGISTRY: tuple[ModelFile, ...] = (
    ModelFile(
        part="vqgan",
        source=WebFile(_HEIBOX_VQGAN + "?p=%2Fconfigs%2Fmodel.yaml&dl=1"),
        locate=lambda layout: layout.vqgan_config,
        licence=_MIT_TAMING,
    ),
    ModelFile(
        part="vqgan",
        source=WebFile(_HEIBOX_VQGAN + "?p=%2Fckpts%2Flast.ckpt&dl=1"),
        locate=lambda layout: layout.vqgan_checkpoint,
        licence=_MIT_TAMING,
        size=980_000_000,
        replaced_by=lambda layout: layout.vqgan_safetensors,
    ),
    _clip("config.json", sha256="b575ef3c36f2a057fa19e221650105052d61cc9c1a972ec15019c6261ec98770"),
    _clip(
        "model.safetensors",
        size=605_157_884,
        size_is_exact=True,
        sha256="99d28a652e6ec46629ab7047a0ac82c69b1fe11e0ce672c43af65d3a9a3fc05d",
    ),
    # CLIP's text tokenizer: only ThCLIP training and the English-gloss evaluation read it, so
    # it comes with `--only clip` or `--include-optional`, not with a plain download.
    *(
        _clip(name, optional=True)
        for name in ("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")
    ),
    # Only the configuration and tokenizer: text_MSE_2m.pt carries the whole encoder's weights.
    _wangchanberta("config.json", size=546, size_is_exact=True),
    _wangchanberta(
        "sentencepiece.bpe.model",
        size=905_000,
        sha256="49c4ba4e495ddf31eb2fdba7fc6aef3c233091d25d35bc9d24694ccf48ae114c",
    ),
    _wangchanberta("tokenizer_config.json", size=282, size_is_exact=True),
    # The pretrained backbone, for `thaidraw thclip train --init wangchanberta` only.
    _wangchanberta("pytorch_model.bin", size=423_000_000, optional=True),
    ModelFile(
        part="thclip",
        source=HubFile("vikimark/CLIP-MSE-WangchanBerta", "text_MSE_2m.pt", "main"),
        locate=lambda layout: layout.thclip_weights,
        licence=_UNSTATED,
        size=425_000_000,  # about 106 M float32 parameters, as its publisher lists
    ),
    ModelFile(
        part="aesthetic",
        source=WebFile(
            "https://github.com/LAION-AI/aesthetic-predictor/raw/main/sa_0_4_vit_b_32_linear.pth"
        ),
        locate=lambda layout: layout.aesthetic_head,
        licence="MIT (LAION-AI/aesthetic-predictor)",
        size=3047,
        size_is_exact=True,
        sha256="c7b14cead230694acc7b9447974d3cad78003c72da032e402a303b6c2429e85f",
    ),
    _mclip("config.json", size=221, size_is_exact=True),
    _mclip("pytorch_model.bin", size=2_240_000_000),
    _mclip("sentencepiece.bpe.model", size=5_070_000),
    _mclip("tokenizer.json", size=9_080_000),
    _mclip("tokenizer_config.json", size=399, size_is_exact=True),
    _mclip("special_tokens_map.json", size=239, size_is_exact=True),
)


def select_files(parts: Iterable[Part] = (), *, include_optional: bool = False) -> list[ModelFile]:
    """The registry's files of `parts` (all parts when empty); optional ones only when asked
    for by name or with `include_optional`."""
    wanted = set(parts)
    return [
        entry
        for entry in REGISTRY
        if (entry.part in wanted) or (not wanted and (include_optional or not entry.optional))
    ]
