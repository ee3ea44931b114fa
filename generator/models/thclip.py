"""ThCLIP: WangchanBERTa and a projection head into CLIP ViT-B/32 space (the original app's)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch
from transformers import CamembertConfig, CamembertModel, CamembertTokenizer

from generator.models.pooling import masked_mean
from generator.models.state_dicts import drop_legacy_buffers, load_strictly, read_tensors
from generator.thai_text import prepare_for_wangchanberta

Pooling = Literal["cls", "mean"]

# The original app's settings (its CFG): CLIP ViT-B/32 space, dropout and tokenizer length.
PROJECTION_DIM = 512
DROPOUT = 0.1
MAX_TOKENS = 200

# The original app keeps the CamembertModel under `text_encoder.model`.
BACKBONE_PREFIX = "text_encoder.model."


class ProjectionHead(torch.nn.Module):
    """Linear, GELU, linear, dropout, residual add of the first projection, LayerNorm."""

    def __init__(self, input_dim: int, output_dim: int, dropout: float) -> None:
        super().__init__()
        self.projection = torch.nn.Linear(input_dim, output_dim)
        self.gelu = torch.nn.GELU()
        self.fc = torch.nn.Linear(output_dim, output_dim)
        self.dropout = torch.nn.Dropout(dropout)
        self.layer_norm = torch.nn.LayerNorm(output_dim)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        projected = self.projection(features)
        return self.layer_norm(self.dropout(self.fc(self.gelu(projected))) + projected)


class ThCLIPTextEncoder(torch.nn.Module):
    """Thai strings → ThCLIP embeddings; tensors named as in `text_MSE_2m.pt`."""

    def __init__(
        self,
        config: CamembertConfig,
        tokenizer: CamembertTokenizer,
        *,
        name: str,
        pooling: Pooling = "cls",
    ) -> None:
        super().__init__()
        if pooling not in ("cls", "mean"):
            raise ValueError(f"pooling must be 'cls' or 'mean', got {pooling!r}")
        self.text_encoder = torch.nn.ModuleDict({"model": CamembertModel(config)})
        self.text_projection = ProjectionHead(config.hidden_size, PROJECTION_DIM, DROPOUT)
        self.tokenizer = tokenizer
        self.pooling = pooling
        self.name = name
        self.embedding_dim = PROJECTION_DIM

    @classmethod
    def from_files(
        cls, wangchanberta: Path, weights: Path, *, pooling: Pooling = "cls"
    ) -> ThCLIPTextEncoder:
        """WangchanBERTa's config and tokenizer from its folder, all tensors from `weights`."""
        # The published config.json says model_type "roberta" (same architecture); reading the
        # file directly avoids transformers' warning about the type on every start.
        config = CamembertConfig.from_json_file(wangchanberta / "config.json")
        encoder = cls(
            config,
            load_wangchanberta_tokenizer(wangchanberta),
            name=f"thclip-{weights.stem}",
            pooling=pooling,
        )
        tensors = drop_legacy_buffers(read_tensors(weights), BACKBONE_PREFIX)
        load_strictly(encoder, tensors, weights.name)
        return encoder

    def encode_texts(self, texts: list[str]) -> torch.Tensor:
        batch = self.tokenizer(
            [prepare_for_wangchanberta(text) for text in texts],
            padding=True,
            truncation=True,
            max_length=MAX_TOKENS,
            return_tensors="pt",
        ).to(self.text_projection.fc.weight.device)
        hidden = self.text_encoder["model"](
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
        ).last_hidden_state
        pooled = (
            hidden[:, 0] if self.pooling == "cls" else masked_mean(hidden, batch["attention_mask"])
        )
        return self.text_projection(pooled)


def load_wangchanberta_tokenizer(folder: Path) -> CamembertTokenizer:
    """WangchanBERTa's sentencepiece tokenizer, loaded as the original app does."""
    return CamembertTokenizer.from_pretrained(folder, local_files_only=True)
