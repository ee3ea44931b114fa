"""Embeddings of many texts in batches; the teacher's are computed once and kept on disk."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from tqdm import tqdm

TENSOR_NAME = "embeddings"


def cache_key(encoder: torch.nn.Module, texts: Sequence[str]) -> str:
    """Changes whenever the encoder's weights or the texts (or their order) change."""
    digest = hashlib.sha256()
    for name, tensor in sorted(encoder.state_dict().items()):
        digest.update(name.encode())
        digest.update(
            tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
        )
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    return digest.hexdigest()


def cached_embeddings(
    encoder: torch.nn.Module,
    texts: Sequence[str],
    cache: Path | None,
    *,
    batch_size: int = 256,
    progress: bool = False,
) -> torch.Tensor:
    """`encoder`'s float32 embeddings of `texts` on the CPU, read from `cache` when it holds
    them for these weights and texts, otherwise computed and (when `cache` is given) saved."""
    key = cache_key(encoder, texts) if cache is not None else ""
    if cache is not None and cache.is_file():
        with safe_open(cache, framework="pt") as stored:
            if (stored.metadata() or {}).get("key") == key:
                return stored.get_tensor(TENSOR_NAME)
    embeddings = embed_texts(encoder, texts, batch_size=batch_size, progress=progress)
    if cache is not None:
        _save_atomically(embeddings, cache, {"key": key, "encoder": encoder.name})
    return embeddings


def embed_texts(
    encoder: torch.nn.Module,
    texts: Sequence[str],
    *,
    batch_size: int = 256,
    progress: bool = False,
) -> torch.Tensor:
    """Embeddings [N, D] in full precision (targets must not carry autocast's rounding), on the
    CPU, computed in eval mode; texts of similar length share a batch."""
    order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
    parts = []
    was_training = encoder.training
    encoder.eval()
    try:
        with torch.no_grad():
            starts = range(0, len(order), batch_size)
            for start in tqdm(starts, desc="embedding", unit="batch", disable=not progress):
                batch = [texts[index] for index in order[start : start + batch_size]]
                parts.append(encoder.encode_texts(batch).float().cpu())
    finally:
        encoder.train(was_training)
    embeddings = torch.empty(len(texts), encoder.embedding_dim)
    embeddings[torch.tensor(order, dtype=torch.long)] = torch.cat(parts)
    return embeddings


def _save_atomically(embeddings: torch.Tensor, path: Path, metadata: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(descriptor)
    try:
        save_file({TENSOR_NAME: embeddings.contiguous()}, temporary, metadata=metadata)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
