"""CLIP's text tower with its projection: the teacher on English, and the floor on Thai."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import CLIPConfig, CLIPTextConfig, CLIPTextModelWithProjection, CLIPTokenizer

from generator.models.state_dicts import (
    drop_legacy_buffers,
    load_strictly,
    read_tensors,
    transformers_weights_file,
)

TEXT_PREFIXES = ("text_model.", "text_projection.")
TOKENIZER_FILES = ("vocab.json", "merges.txt")


class MissingTokenizerError(FileNotFoundError):
    """The CLIP folder lacks its tokenizer (a plain `thaidraw weights download` skips it)."""

    def __init__(self, folder: Path, missing: list[str]) -> None:
        super().__init__(
            f"{folder} has no CLIP tokenizer ({', '.join(missing)} missing); fetch it with "
            "`thaidraw weights download --only clip`"
        )


class CLIPTextTower(torch.nn.Module):
    """Strings → CLIP text embeddings (OpenAI's `encode_text`), not normalised."""

    def __init__(self, config: CLIPTextConfig, tokenizer: CLIPTokenizer, *, name: str) -> None:
        super().__init__()
        self.model = CLIPTextModelWithProjection(config)
        self.tokenizer = tokenizer
        self.max_tokens = config.max_position_embeddings
        self.name = name
        self.embedding_dim = config.projection_dim

    @classmethod
    def from_folder(cls, folder: Path) -> CLIPTextTower:
        """The text tower and projection of a CLIPModel folder, every text tensor strictly."""
        if not (folder / "config.json").is_file():
            raise FileNotFoundError(
                f"{folder} holds no CLIP model (no config.json); run `thaidraw weights download`"
            )
        missing = [name for name in TOKENIZER_FILES if not (folder / name).is_file()]
        if missing:
            raise MissingTokenizerError(folder, missing)
        config = CLIPConfig.from_pretrained(folder, local_files_only=True)
        text_config = config.text_config
        text_config.projection_dim = config.projection_dim
        tower = cls(
            text_config,
            CLIPTokenizer.from_pretrained(folder, local_files_only=True),
            name=f"{folder.name}-text",
        )
        weights = transformers_weights_file(folder)
        text_tensors = {
            name: tensor
            for name, tensor in read_tensors(weights).items()
            if name.startswith(TEXT_PREFIXES)
        }
        load_strictly(
            tower.model,
            drop_legacy_buffers(text_tensors, "text_model."),
            f"{folder.name}/{weights.name}",
        )
        return tower

    def encode_texts(self, texts: list[str]) -> torch.Tensor:
        batch = self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt"
        ).to(self.model.text_projection.weight.device)
        return self.model(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
        ).text_embeds
