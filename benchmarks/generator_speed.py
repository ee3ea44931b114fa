"""Seconds per picture: the engine against a re-creation of the original app's loop.

Real architectures with random weights (VQGAN f16 16384 from the published model.yaml, CLIP
ViT-B/32, WangchanBERTa-base + the ThCLIP head, LAION's linear aesthetic head), measured in one
process so the ratios hold whatever the machine:

  (a) reference: the original app's loop — one CLIP call per cutout, 8 cutouts, fp32, batch 1,
      CLIP's parameters left trainable (so every step also computes their gradients);
  (b) the engine at batch 1;
  (c) the engine at larger batches (throughput).

    python benchmarks/generator_speed.py                         # CPU: 128×128, 3 steps
    python benchmarks/generator_speed.py --device cuda --size 256 --steps 250 --batches 1 4 8
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from transformers import CamembertConfig, CLIPVisionConfig

from generator.engine import Engine, EngineJob
from generator.interfaces import ModelBundle
from generator.losses import clamp_with_grad, quantise, spherical_distance
from generator.models.aesthetic import LinearAestheticHead
from generator.models.clip_image import CLIPImageTower
from generator.models.thclip import ThCLIPTextEncoder, load_wangchanberta_tokenizer
from generator.models.vqgan import TamingVQGAN
from generator.request import DrawRequest, WeightedPrompt
from generator.weights.smoke import ensure_smoke_models

TEST_DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
PROMPT, NEGATIVE = "คฤหาสน์ แฮรี่พอตเตอร์", "ภาพเบลอ"


def real_architectures(device: torch.device, vqgan_yaml: Path) -> ModelBundle:
    """Full-size models with random weights (only shapes and compute matter here)."""
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as folder:
        # The real WangchanBERTa sizes; the smoke tokenizer stands in for the real one.
        tokenizer = load_wangchanberta_tokenizer(
            ensure_smoke_models(Path(folder)).wangchanberta_dir
        )
    text = ThCLIPTextEncoder(
        CamembertConfig(vocab_size=25005, max_position_embeddings=416), tokenizer, name="thclip"
    )
    bundle = ModelBundle(
        vqgan=TamingVQGAN.from_config(vqgan_yaml),
        image_encoder=CLIPImageTower(CLIPVisionConfig(projection_dim=512), name="clip-vit-b-32"),
        text_encoder=text,
        aesthetic=LinearAestheticHead(512, name="laion-aesthetic"),
        kind="benchmark",
    )
    for module in bundle.modules():
        module.to(device).eval()
    return bundle


def reference_loop(bundle: ModelBundle, device: torch.device, size: int, steps: int) -> None:
    """The original app's loop, step for step (see the module docstring)."""
    import torchvision.transforms as T

    transforms = T.Compose(
        [
            T.RandomResizedCrop(bundle.image_encoder.input_size),
            T.RandomAdjustSharpness(1),
            T.RandomAffine(5),
            T.ColorJitter(),
            T.GaussianBlur(3),
        ]
    )
    for module in bundle.modules():
        module.requires_grad_(False)  # the original app froze the VQGAN, text model and head...
    clip = bundle.image_encoder
    clip.requires_grad_(True)  # ...but never CLIP
    with torch.no_grad():
        text = bundle.text_encoder.encode_texts([PROMPT]).float()
        negative = bundle.text_encoder.encode_texts([NEGATIVE]).float()
    vqgan = bundle.vqgan
    side = size // vqgan.downsample_factor
    codes = torch.randint(vqgan.codebook.shape[0], (side * side,), device=device)
    latent = vqgan.codebook[codes].view(1, side, side, -1).permute(0, 3, 1, 2).clone()
    latent.requires_grad_(True)
    optimizer = torch.optim.Adam([latent], lr=0.1)
    cutn = 8
    for _ in range(steps):
        optimizer.zero_grad()
        output = clamp_with_grad(vqgan.decode(quantise(latent, vqgan.codebook)), 0, 1)
        loss = 0
        for _ in range(cutn):
            embedding = clip.encode_images(transforms(output)).float()
            loss += spherical_distance(embedding, text).mean() / cutn
            loss -= 0.4 * spherical_distance(embedding, negative).mean() / cutn
            loss -= 0.005 * bundle.aesthetic.score(F.normalize(embedding, dim=-1)).mean() / cutn
        loss.backward()
        optimizer.step()
    clip.requires_grad_(False)


def engine_run(bundle: ModelBundle, device: torch.device, size: int, steps: int, batch: int):
    engine = Engine(bundle, device, batch_invariant=False)  # batched kernels, as on CUDA
    jobs = [
        EngineJob(
            DrawRequest(
                prompts=(WeightedPrompt(PROMPT, 1.0),),
                negatives=(WeightedPrompt(NEGATIVE, 0.4),),
                steps=steps,
                width=size,
                height=size,
                seed=index,
            )
        )
        for index in range(batch)
    ]
    engine.draw(jobs)


def seconds(run: Callable[[], None], device: torch.device, repeats: int) -> float:
    """Median wall time of `repeats` runs after one warm-up."""
    times = []
    for _ in range(repeats + 1):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        run()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--vqgan-yaml", type=Path, default=TEST_DATA / "vqgan" / "model.yaml")
    args = parser.parse_args()
    device = torch.device(args.device)
    bundle = real_architectures(device, args.vqgan_yaml)

    print(
        f"device {device}, {args.size}×{args.size}, {args.steps} steps, torch {torch.__version__}"
    )
    reference = seconds(
        lambda: reference_loop(bundle, device, args.size, args.steps), device, args.repeats
    )
    rows = [("(a) original app's loop", 1, reference)]
    for batch in args.batches:
        total = seconds(
            lambda batch=batch: engine_run(bundle, device, args.size, args.steps, batch),
            device,
            args.repeats,
        )
        label = "(b) engine" if batch == 1 else "(c) engine, batched"
        rows.append((label, batch, total / batch))

    print(f"{'run':<26}{'batch':>6}{'s/picture':>12}{'pictures/min':>14}{'speed-up':>10}")
    for label, batch, per_picture in rows:
        print(
            f"{label:<26}{batch:>6}{per_picture:>12.2f}{60 / per_picture:>14.1f}"
            f"{reference / per_picture:>9.2f}×"
        )
    best = min(rows[1:], key=lambda row: row[2])
    print(
        f"summary: engine at batch 1 is {reference / rows[1][2]:.2f}× the original loop; "
        f"best throughput {60 / best[2]:.1f} pictures/min at batch {best[1]} "
        f"({reference / best[2]:.2f}×)"
    )


if __name__ == "__main__":
    sys.exit(main())
