"""Tiny random models in exactly the real on-disk formats, for tests and wiring checks.

They load through the same code as the real weights; they draw noise, not pictures.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections import Counter
from pathlib import Path

import emoji
import sentencepiece
import torch
import yaml
from pythainlp.corpus.common import thai_words
from safetensors.torch import save_file
from tokenizers import pre_tokenizers
from transformers import (
    CamembertConfig,
    CLIPConfig,
    CLIPModel,
    XLMRobertaConfig,
    XLMRobertaTokenizer,
)

from generator.models.aesthetic import LinearAestheticHead
from generator.models.mclip import MCLIPTextEncoder, transformer_config
from generator.models.thclip import ThCLIPTextEncoder, load_wangchanberta_tokenizer
from generator.models.vqgan import TamingVQGAN
from generator.weights.layout import WeightsLayout, smoke_layout
from generator.weights.vqgan_import import import_vqgan_checkpoint

# The README doubles as the completeness marker: a folder whose README differs was built by
# another version of this module (or not finished) and is rebuilt.
README = """\
ThaiDraw smoke models (format 2)

Tiny, randomly initialised models saved in the same formats as the real ones: a taming-style
VQGAN checkpoint and model.yaml, a transformers CLIP folder with a byte-level BPE tokenizer of
English words, a WangchanBERTa folder with a sentencepiece tokenizer trained on Thai words, the
ThCLIP state dict, an M-CLIP folder and the aesthetic head. They exist for tests and wiring
checks: they make noise, not pictures.
Delete this folder to have it rebuilt.
"""

EMBEDDING_DIM = 512  # CLIP ViT-B/32's space, which every text encoder and the head share
SPACE_TOKEN = "<_>"  # WangchanBERTa's space token
SENTENCEPIECE_VOCAB = 1000
CLIP_VOCAB = 1000
CLIP_SPECIAL_TOKENS = ("<|startoftext|>", "<|endoftext|>")  # the last ids, as in OpenAI's
CLIP_WORD_END = "</w>"

VQGAN_DDCONFIG = {
    "double_z": False,
    "z_channels": 16,
    "resolution": 256,
    "in_channels": 3,
    "out_ch": 3,
    "ch": 32,  # taming normalises with 32 groups, so channel counts are multiples of 32
    "ch_mult": [1, 1, 2, 2, 4],  # five levels: f16, as the real model
    "num_res_blocks": 1,
    "attn_resolutions": [16],
    "dropout": 0.0,
}
TRANSFORMER_SIZE = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
}


class LightningCallbackStandIn:
    """Takes the place of Lightning's ModelCheckpoint class in the checkpoint's training state."""


def ensure_smoke_models(weights_dir: Path) -> WeightsLayout:
    """The smoke models under `weights_dir`, built once (deterministically) if not there yet."""
    layout = smoke_layout(weights_dir)
    if _is_complete(layout):
        return layout
    weights_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=weights_dir, prefix=".smoke-build-") as building:
        staged = WeightsLayout(Path(building) / "smoke")
        _build(staged)
        if layout.root.exists():
            layout.root.rename(Path(building) / "outdated")
        try:
            staged.root.rename(layout.root)
        except OSError:
            if not _is_complete(layout):  # another process installing at the same moment is fine
                raise
    return layout


def _is_complete(layout: WeightsLayout) -> bool:
    readme = layout.root / "README.txt"
    return readme.is_file() and readme.read_text(encoding="utf-8") == README


def _build(layout: WeightsLayout) -> None:
    """Write every model; each writer seeds itself, and the caller's random state is restored."""
    layout.root.mkdir(parents=True)
    with torch.random.fork_rng(devices=[]):
        tokenizer_model = _train_thai_sentencepiece()
        _write_vqgan(layout)
        _write_clip(layout)
        _write_wangchanberta(layout, tokenizer_model)
        _write_thclip(layout)
        _write_mclip(layout, tokenizer_model)
        _write_aesthetic(layout)
    (layout.root / "README.txt").write_text(README, encoding="utf-8")


def _train_thai_sentencepiece() -> bytes:
    """A small unigram model trained on pythainlp's Thai word list (offline, single-threaded)."""
    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(sorted(thai_words())[::3]),
        model_writer=model,
        model_type="unigram",
        vocab_size=SENTENCEPIECE_VOCAB,
        user_defined_symbols=[SPACE_TOKEN],
        character_coverage=1.0,
        num_threads=1,
        minloglevel=2,
    )
    return model.getvalue()


def _write_vqgan(layout: WeightsLayout) -> None:
    """A taming `model.yaml` and Lightning-style `last.ckpt`, converted as a real one is."""
    layout.vqgan_dir.mkdir(parents=True)
    config = {
        "model": {
            "base_learning_rate": 4.5e-06,
            "target": "taming.models.vqgan.VQModel",
            "params": {
                "embed_dim": 16,
                "n_embed": 64,
                "ddconfig": VQGAN_DDCONFIG,
                "lossconfig": {
                    "target": "taming.modules.losses.vqperceptual.VQLPIPSWithDiscriminator",
                    "params": {"disc_start": 0, "disc_weight": 0.75, "codebook_weight": 1.0},
                },
            },
        }
    }
    layout.vqgan_config.write_text(yaml.safe_dump(config), encoding="utf-8")
    torch.manual_seed(1)
    model = TamingVQGAN.from_config(layout.vqgan_config)
    loss = {
        "loss.logvar": torch.zeros(()),
        "loss.discriminator.main.0.weight": torch.randn(8, 3, 4, 4),
        "loss.discriminator.main.0.bias": torch.zeros(8),
    }
    checkpoint = {
        "epoch": 0,
        "global_step": 0,
        "pytorch-lightning_version": "1.0.8",
        "callbacks": {
            LightningCallbackStandIn: {"monitor": "val/rec_loss", "best_model_score": None}
        },
        "optimizer_states": [
            {"state": {}, "param_groups": [{"lr": 4.5e-06, "betas": (0.5, 0.9), "params": [0]}]}
        ],
        "lr_schedulers": [],
        "state_dict": {**model.state_dict(), **loss},
    }
    torch.save(checkpoint, layout.vqgan_checkpoint)
    import_vqgan_checkpoint(layout.vqgan_checkpoint, layout.vqgan_config, layout)


def _write_clip(layout: WeightsLayout) -> None:
    """A CLIPModel folder (both towers, as the real one) at ViT-B/32's input size and space."""
    config = CLIPConfig(
        text_config={
            **TRANSFORMER_SIZE,
            "vocab_size": CLIP_VOCAB,
            "max_position_embeddings": 77,
            "pad_token_id": 1,
            "bos_token_id": CLIP_VOCAB - 2,
            "eos_token_id": CLIP_VOCAB - 1,
        },
        vision_config={**TRANSFORMER_SIZE, "image_size": 224, "patch_size": 32},
        projection_dim=EMBEDDING_DIM,
    )
    torch.manual_seed(2)
    model = CLIPModel(config)
    config.save_pretrained(layout.clip_dir)
    tensors = {name: tensor.contiguous() for name, tensor in model.state_dict().items()}
    save_file(tensors, layout.clip_dir / "model.safetensors", metadata={"format": "pt"})
    _write_clip_tokenizer(layout)


def _write_clip_tokenizer(layout: WeightsLayout) -> None:
    """`vocab.json` and `merges.txt` in OpenAI CLIP's order: the 256 byte symbols, the same with
    the word-end mark, the merges, then the two special tokens."""
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    merges = _whole_word_merges(
        CLIP_VOCAB - 2 * len(alphabet) - len(CLIP_SPECIAL_TOKENS), _english_words()
    )
    tokens = [
        *alphabet,
        *(symbol + CLIP_WORD_END for symbol in alphabet),
        *("".join(pair) for pair in merges),
        *CLIP_SPECIAL_TOKENS,
    ]
    folder = layout.clip_dir
    vocab = {token: index for index, token in enumerate(tokens)}
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    lines = "".join(f"{first} {second}\n" for first, second in merges)
    (folder / "merges.txt").write_text(f"#version: 0.2\n{lines}", encoding="utf-8")
    tokenizer_config = {"tokenizer_class": "CLIPTokenizer", "model_max_length": 77}
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2))


def _english_words() -> list[str]:
    """English words of the emoji names (offline), the most frequent first."""
    counts = Counter(
        word
        for data in emoji.EMOJI_DATA.values()
        for word in data["en"].strip(":").lower().replace("-", "_").split("_")
        if word.isascii() and word.isalpha()
    )
    return sorted(counts, key=lambda word: (-counts[word], word))


def _whole_word_merges(count: int, words: list[str]) -> list[tuple[str, str]]:
    """Merges that join each word left to right into one token, until there are `count`.

    Deterministic, unlike a trained BPE (whose ties fall in hash order); a random tower needs
    tokens, not good ones.
    """
    merges: list[tuple[str, str]] = []
    made: set[str] = set()
    for word in words:
        symbols = [*word[:-1], word[-1] + CLIP_WORD_END]
        while len(symbols) > 1 and len(merges) < count:
            pair = (symbols[0], symbols[1])
            if "".join(pair) not in made:
                merges.append(pair)
                made.add("".join(pair))
            symbols = ["".join(pair), *symbols[2:]]
    return merges


def _write_wangchanberta(layout: WeightsLayout, tokenizer_model: bytes) -> None:
    """Config and tokenizer files as in `airesearch/wangchanberta-base-att-spm-uncased`."""
    folder = layout.wangchanberta_dir
    folder.mkdir(parents=True)
    (folder / "sentencepiece.bpe.model").write_bytes(tokenizer_model)
    tokenizer_config = {
        "tokenizer_class": "CamembertTokenizer",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
        "additional_special_tokens": ["<s>NOTUSED", "</s>NOTUSED", SPACE_TOKEN],
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2))
    vocab_size = len(load_wangchanberta_tokenizer(folder))
    CamembertConfig(
        **TRANSFORMER_SIZE,
        vocab_size=vocab_size,
        max_position_embeddings=512,
        type_vocab_size=1,
        layer_norm_eps=1e-12,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
    ).save_pretrained(folder)


def _write_thclip(layout: WeightsLayout) -> None:
    """The state dict in the original app's layout, legacy position_ids buffer included."""
    folder = layout.wangchanberta_dir
    config = CamembertConfig.from_json_file(folder / "config.json")
    torch.manual_seed(3)
    encoder = ThCLIPTextEncoder(config, load_wangchanberta_tokenizer(folder), name="smoke")
    state_dict = encoder.state_dict()
    state_dict["text_encoder.model.embeddings.position_ids"] = _position_ids(config)
    layout.thclip_weights.parent.mkdir(parents=True)
    torch.save(state_dict, layout.thclip_weights)


def _write_mclip(layout: WeightsLayout, tokenizer_model: bytes) -> None:
    """An M-CLIP folder: its config.json, tokenizer files and `pytorch_model.bin`."""
    folder = layout.mclip_dir
    folder.mkdir(parents=True)
    (folder / "sentencepiece.bpe.model").write_bytes(tokenizer_model)
    (folder / "tokenizer_config.json").write_text('{"tokenizer_class": "XLMRobertaTokenizer"}')
    # Saved again by transformers, as the real repository ships it (with tokenizer.json).
    tokenizer = XLMRobertaTokenizer.from_pretrained(folder, local_files_only=True)
    tokenizer.save_pretrained(folder)
    settings = {
        "model_type": "M-CLIP",
        "modelBase": "xlm-roberta-large",
        "transformerDimensions": TRANSFORMER_SIZE["hidden_size"],
        "numDims": EMBEDDING_DIM,
        **TRANSFORMER_SIZE,
        "vocab_size": len(tokenizer),
        "max_position_embeddings": 130,
    }
    (folder / "config.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")
    config = transformer_config(settings, folder)
    torch.manual_seed(4)
    encoder = MCLIPTextEncoder(config, EMBEDDING_DIM, tokenizer, name="smoke")
    state_dict = encoder.state_dict()
    state_dict["transformer.embeddings.position_ids"] = _position_ids(config)
    torch.save(state_dict, folder / "pytorch_model.bin")


def _write_aesthetic(layout: WeightsLayout) -> None:
    torch.manual_seed(5)
    head = LinearAestheticHead(EMBEDDING_DIM, name="smoke")
    layout.aesthetic_head.parent.mkdir(parents=True)
    torch.save(head.state_dict(), layout.aesthetic_head)


def _position_ids(config: CamembertConfig | XLMRobertaConfig) -> torch.Tensor:
    """The buffer transformers 4.x saved with RoBERTa-family models."""
    return torch.arange(config.max_position_embeddings).unsqueeze(0)
