from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import CamembertConfig

from generator.interfaces import TextEncoder
from generator.models.state_dicts import StateDictMismatch
from generator.models.thclip import ThCLIPTextEncoder, load_wangchanberta_tokenizer
from generator.weights.layout import WeightsLayout

THAI_TEXTS = ["แมวสีส้มนอนบนโซฟา", "ภาพวาดสีน้ำ ทะเลยามเย็น"]

# The architecture fields of airesearch/wangchanberta-base-att-spm-uncased's config.json.
WANGCHANBERTA = {
    "vocab_size": 25005,
    "hidden_size": 768,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "intermediate_size": 3072,
    "max_position_embeddings": 512,
    "type_vocab_size": 1,
    "pad_token_id": 1,
}


def load(smoke_layout: WeightsLayout, weights: Path | None = None, **options) -> ThCLIPTextEncoder:
    encoder = ThCLIPTextEncoder.from_files(
        smoke_layout.wangchanberta_dir, weights or smoke_layout.thclip_weights, **options
    )
    return encoder.eval()


def tampered_weights(smoke_layout: WeightsLayout, tmp_path: Path, change) -> Path:
    state_dict = torch.load(smoke_layout.thclip_weights, weights_only=True)
    change(state_dict)
    path = tmp_path / "text_MSE_2m.pt"
    torch.save(state_dict, path)
    return path


def test_the_original_apps_layout_loads_and_encodes_thai_to_512_dimensions(
    smoke_layout: WeightsLayout,
) -> None:
    encoder = load(smoke_layout)
    assert isinstance(encoder, TextEncoder)
    with torch.no_grad():
        embeddings = encoder.encode_texts(THAI_TEXTS)
    assert embeddings.shape == (2, 512)
    assert torch.isfinite(embeddings).all()
    assert not torch.allclose(embeddings[0], embeddings[1])
    assert encoder.embedding_dim == 512
    assert encoder.name == "thclip-text_MSE_2m"


def test_the_full_size_model_is_laid_out_as_the_original_apps_file(
    smoke_layout: WeightsLayout,
) -> None:
    tokenizer = load_wangchanberta_tokenizer(smoke_layout.wangchanberta_dir)
    with torch.device("meta"):  # shapes and names only, no memory
        encoder = ThCLIPTextEncoder(CamembertConfig(**WANGCHANBERTA), tokenizer, name="full")
    shapes = {name: tuple(tensor.shape) for name, tensor in encoder.state_dict().items()}
    assert shapes["text_encoder.model.embeddings.word_embeddings.weight"] == (25005, 768)
    assert shapes["text_encoder.model.encoder.layer.11.output.dense.weight"] == (768, 3072)
    assert shapes["text_encoder.model.pooler.dense.weight"] == (768, 768)
    assert shapes["text_projection.projection.weight"] == (512, 768)
    assert shapes["text_projection.fc.weight"] == (512, 512)
    assert shapes["text_projection.layer_norm.weight"] == (512,)
    assert all(name.startswith(("text_encoder.model.", "text_projection.")) for name in shapes)
    assert len(shapes) == 5 + 12 * 16 + 2 + 6


def test_the_file_carries_the_legacy_position_ids_buffer_and_it_is_accepted(
    smoke_layout: WeightsLayout,
) -> None:
    state_dict = torch.load(smoke_layout.thclip_weights, weights_only=True)
    assert "text_encoder.model.embeddings.position_ids" in state_dict
    assert {
        "text_projection.projection.weight",
        "text_projection.fc.weight",
        "text_projection.layer_norm.weight",
    } <= state_dict.keys()
    load(smoke_layout)


def test_a_missing_tensor_is_named(smoke_layout: WeightsLayout, tmp_path: Path) -> None:
    weights = tampered_weights(
        smoke_layout, tmp_path, lambda state: state.pop("text_projection.fc.bias")
    )
    with pytest.raises(StateDictMismatch, match=r"missing text_projection\.fc\.bias"):
        load(smoke_layout, weights)


def test_an_unexpected_tensor_is_named(smoke_layout: WeightsLayout, tmp_path: Path) -> None:
    def add(state: dict[str, torch.Tensor]) -> None:
        state["text_projection.extra.weight"] = torch.zeros(3)

    weights = tampered_weights(smoke_layout, tmp_path, add)
    with pytest.raises(StateDictMismatch, match=r"unexpected text_projection\.extra\.weight"):
        load(smoke_layout, weights)


def test_position_ids_outside_the_backbone_are_not_excused(
    smoke_layout: WeightsLayout, tmp_path: Path
) -> None:
    def add(state: dict[str, torch.Tensor]) -> None:
        state["text_projection.embeddings.position_ids"] = torch.arange(4)

    weights = tampered_weights(smoke_layout, tmp_path, add)
    with pytest.raises(StateDictMismatch, match=r"text_projection\.embeddings\.position_ids"):
        load(smoke_layout, weights)


@pytest.mark.parametrize("pooling", ["cls", "mean"])
def test_padding_in_a_batch_does_not_change_an_embedding(
    smoke_layout: WeightsLayout, pooling: str
) -> None:
    encoder = load(smoke_layout, pooling=pooling)
    short, long = "แมว", "ภาพวาดสีน้ำมันของแมวสีส้มที่นอนหลับอยู่บนโซฟาสีเขียว"
    with torch.no_grad():
        alone = encoder.encode_texts([short])
        batched = encoder.encode_texts([short, long])
    torch.testing.assert_close(batched[0], alone[0], atol=1e-5, rtol=1e-4)


def test_mean_pooling_gives_other_embeddings_than_the_cls_token(
    smoke_layout: WeightsLayout,
) -> None:
    with torch.no_grad():
        cls = load(smoke_layout, pooling="cls").encode_texts(THAI_TEXTS)
        mean = load(smoke_layout, pooling="mean").encode_texts(THAI_TEXTS)
    assert not torch.allclose(cls, mean)


def test_an_unknown_pooling_is_refused(smoke_layout: WeightsLayout) -> None:
    with pytest.raises(ValueError, match="pooling"):
        load(smoke_layout, pooling="max")
