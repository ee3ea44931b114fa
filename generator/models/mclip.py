"""M-CLIP `XLM-Roberta-Large-Vit-B-32`: XLM-R Large, masked mean, linear map to CLIP ViT-B/32.

The Hugging Face repository holds `config.json` (model_type "M-CLIP": `modelBase`,
`transformerDimensions`, `numDims`), `pytorch_model.bin` (`transformer.*` and
`LinearTransformation.*`) and the XLM-R tokenizer files, but not the XLM-R architecture: the
original code fetches it from the hub by `modelBase`. Here the architecture of the supported base
is built in, so the folder loads without a network; a config.json may override any of its fields
(tiny test and smoke models do).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from transformers import XLMRobertaConfig, XLMRobertaModel, XLMRobertaTokenizer

from generator.models.pooling import masked_mean
from generator.models.state_dicts import (
    drop_legacy_buffers,
    load_strictly,
    read_tensors,
    transformers_weights_file,
)
from generator.thai_text import normalise_thai

MODEL_TYPE = "M-CLIP"

# `FacebookAI/xlm-roberta-large`'s config.json.
XLM_ROBERTA_LARGE: dict[str, Any] = {
    "vocab_size": 250002,
    "hidden_size": 1024,
    "num_hidden_layers": 24,
    "num_attention_heads": 16,
    "intermediate_size": 4096,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 514,
    "type_vocab_size": 1,
    "initializer_range": 0.02,
    "layer_norm_eps": 1e-05,
    "pad_token_id": 1,
    "bos_token_id": 0,
    "eos_token_id": 2,
}
BASE_ARCHITECTURES = {
    "xlm-roberta-large": XLM_ROBERTA_LARGE,
    "FacebookAI/xlm-roberta-large": XLM_ROBERTA_LARGE,
}

TRANSFORMER_PREFIX = "transformer."


class MCLIPTextEncoder(torch.nn.Module):
    """Multilingual strings → CLIP ViT-B/32 text embeddings; tensors named as in M-CLIP's file."""

    def __init__(
        self,
        config: XLMRobertaConfig,
        output_dim: int,
        tokenizer: XLMRobertaTokenizer,
        *,
        name: str,
    ) -> None:
        super().__init__()
        # Attribute names are the file's tensor names. M-CLIP builds its transformer with
        # transformers' AutoModel, which includes the (unused) pooler.
        self.transformer = XLMRobertaModel(config)
        self.LinearTransformation = torch.nn.Linear(config.hidden_size, output_dim)
        self.tokenizer = tokenizer
        # RoBERTa positions start after the padding index, so two positions are never used.
        self.max_tokens = config.max_position_embeddings - 2
        self.name = name
        self.embedding_dim = output_dim

    @classmethod
    def from_folder(cls, folder: Path) -> MCLIPTextEncoder:
        """The M-CLIP model of a folder holding the Hugging Face repository's files."""
        settings = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        config = transformer_config(settings, folder)
        encoder = cls(
            config,
            int(settings["numDims"]),
            XLMRobertaTokenizer.from_pretrained(folder, local_files_only=True),
            name=folder.name,
        )
        weights = transformers_weights_file(folder)
        tensors = drop_legacy_buffers(read_tensors(weights), TRANSFORMER_PREFIX)
        load_strictly(encoder, tensors, f"{folder.name}/{weights.name}")
        return encoder

    def encode_texts(self, texts: list[str]) -> torch.Tensor:
        # M-CLIP was trained on plain captions: only the Unicode clean-up, none of WangchanBERTa's
        # word-level preparation.
        batch = self.tokenizer(
            [normalise_thai(text) for text in texts],
            padding=True,
            truncation=True,
            max_length=self.max_tokens,
            return_tensors="pt",
        ).to(self.LinearTransformation.weight.device)
        hidden = self.transformer(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
        ).last_hidden_state
        return self.LinearTransformation(masked_mean(hidden, batch["attention_mask"]))


def transformer_config(settings: dict[str, Any], folder: Path) -> XLMRobertaConfig:
    """The XLM-R architecture named by an M-CLIP config.json (its own fields take precedence)."""
    if settings.get("model_type") != MODEL_TYPE:
        raise ValueError(f"{folder}/config.json is not an {MODEL_TYPE} config")
    base = BASE_ARCHITECTURES.get(settings.get("modelBase", ""))
    if base is None:
        raise ValueError(
            f"{folder}/config.json: unsupported modelBase {settings.get('modelBase')!r} "
            f"(supported: {', '.join(BASE_ARCHITECTURES)})"
        )
    config = XLMRobertaConfig(**{key: settings.get(key, value) for key, value in base.items()})
    if settings.get("transformerDimensions") != config.hidden_size:
        raise ValueError(
            f"{folder}/config.json: transformerDimensions {settings.get('transformerDimensions')} "
            f"differs from the transformer's hidden size {config.hidden_size}"
        )
    return config
