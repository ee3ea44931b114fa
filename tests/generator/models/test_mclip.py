from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from generator.interfaces import TextEncoder
from generator.models.mclip import MCLIPTextEncoder, transformer_config
from generator.models.state_dicts import StateDictMismatch
from generator.weights.layout import WeightsLayout

# The published config.json of M-CLIP/XLM-Roberta-Large-Vit-B-32 (its architecture fields).
PUBLISHED_CONFIG = {
    "model_type": "M-CLIP",
    "modelBase": "xlm-roberta-large",
    "transformerDimensions": 1024,
    "numDims": 512,
}


@pytest.fixture
def mclip_copy(smoke_layout: WeightsLayout, tmp_path: Path) -> Path:
    """A private copy of the smoke M-CLIP folder (tiny, in the real key layout)."""
    return Path(shutil.copytree(smoke_layout.mclip_dir, tmp_path / smoke_layout.mclip_dir.name))


def rewrite_weights(folder: Path, change) -> None:
    state_dict = torch.load(folder / "pytorch_model.bin", weights_only=True)
    change(state_dict)
    torch.save(state_dict, folder / "pytorch_model.bin")


def test_the_real_key_layout_loads_and_encodes_thai_to_512_dimensions(
    smoke_layout: WeightsLayout,
) -> None:
    state_dict = torch.load(smoke_layout.mclip_dir / "pytorch_model.bin", weights_only=True)
    assert {"LinearTransformation.weight", "LinearTransformation.bias"} <= state_dict.keys()
    assert "transformer.embeddings.position_ids" in state_dict  # as saved by transformers 4.x
    encoder = MCLIPTextEncoder.from_folder(smoke_layout.mclip_dir).eval()
    assert isinstance(encoder, TextEncoder)
    with torch.no_grad():
        embeddings = encoder.encode_texts(["แมวสีส้มนอนบนโซฟา", "ทะเลยามเย็น"])
    assert embeddings.shape == (2, 512)
    assert not torch.allclose(embeddings[0], embeddings[1])


def test_the_full_size_model_is_laid_out_as_the_published_file(
    smoke_layout: WeightsLayout, tmp_path: Path
) -> None:
    tokenizer = MCLIPTextEncoder.from_folder(smoke_layout.mclip_dir).tokenizer
    with torch.device("meta"):  # shapes and names only, no memory
        encoder = MCLIPTextEncoder(
            transformer_config(PUBLISHED_CONFIG, tmp_path), 512, tokenizer, name="full"
        )
    shapes = {name: tuple(tensor.shape) for name, tensor in encoder.state_dict().items()}
    assert shapes["transformer.embeddings.word_embeddings.weight"] == (250002, 1024)
    assert shapes["transformer.encoder.layer.23.output.dense.weight"] == (1024, 4096)
    assert shapes["transformer.pooler.dense.weight"] == (1024, 1024)
    assert shapes["LinearTransformation.weight"] == (512, 1024)
    assert len(shapes) == 5 + 24 * 16 + 2 + 2


def test_a_missing_tensor_is_named(mclip_copy: Path) -> None:
    rewrite_weights(mclip_copy, lambda state: state.pop("LinearTransformation.bias"))
    with pytest.raises(StateDictMismatch, match=r"missing LinearTransformation\.bias"):
        MCLIPTextEncoder.from_folder(mclip_copy)


def test_an_unexpected_tensor_is_named(mclip_copy: Path) -> None:
    def add(state: dict[str, torch.Tensor]) -> None:
        state["transformer.lm_head.bias"] = torch.zeros(3)

    rewrite_weights(mclip_copy, add)
    with pytest.raises(StateDictMismatch, match=r"unexpected transformer\.lm_head\.bias"):
        MCLIPTextEncoder.from_folder(mclip_copy)


def test_padding_in_a_batch_does_not_change_an_embedding(smoke_layout: WeightsLayout) -> None:
    encoder = MCLIPTextEncoder.from_folder(smoke_layout.mclip_dir).eval()
    with torch.no_grad():
        alone = encoder.encode_texts(["แมว"])
        batched = encoder.encode_texts(["แมว", "ภาพวาดสีน้ำมันของแมวสีส้มที่นอนหลับอยู่บนโซฟา"])
    torch.testing.assert_close(batched[0], alone[0], atol=1e-5, rtol=1e-4)


def test_the_published_config_means_xlm_roberta_large(tmp_path: Path) -> None:
    config = transformer_config(PUBLISHED_CONFIG, tmp_path)
    assert (config.hidden_size, config.num_hidden_layers, config.num_attention_heads) == (
        1024,
        24,
        16,
    )
    assert (config.vocab_size, config.max_position_embeddings) == (250002, 514)


def test_an_unsupported_base_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported modelBase 'bert-base'"):
        transformer_config({**PUBLISHED_CONFIG, "modelBase": "bert-base"}, tmp_path)


def test_dimensions_that_disagree_with_the_transformer_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="transformerDimensions 768"):
        transformer_config({**PUBLISHED_CONFIG, "transformerDimensions": 768}, tmp_path)


def test_a_config_of_another_model_type_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not an M-CLIP config"):
        transformer_config({**PUBLISHED_CONFIG, "model_type": "xlm-roberta"}, tmp_path)
