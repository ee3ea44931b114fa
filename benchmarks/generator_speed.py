"""Seconds per picture: the engine against a re-creation of the original app's loop.

Real architectures with random weights (VQGAN f16 16384 from the published model.yaml, CLIP
ViT-B/32, WangchanBERTa-base + the ThCLIP head, LAION's linear aesthetic head), measured in one
process so the ratios hold whatever the machine:

  (a) reference: the original app's loop — one CLIP call per cutout, 8 cutouts, batch 1, CLIP's
      parameters left trainable (so every step also computes their gradients); fp32 on the CPU
      (the original had no CPU half precision), CLIP in fp16 on CUDA as the original loaded it;
      the kernels the original ran (a patch convolution, fused attention, decoder input with
      channels-last strides);
  (b) the engine at batch 1, once per precision asked for;
  (c) the engine at larger batches (throughput), once per precision.

On CUDA each engine row also gives the time to the first preview (the first step's picture) and
the peak GPU memory.

    python benchmarks/generator_speed.py --precision fp32,bf16          # CPU: 128×128, 3 steps
    python benchmarks/generator_speed.py --device cuda --size 256 --steps 250 --batches 1 4 8 \
        --precision fp32,bf16
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from generator.engine import Engine, EngineJob, ProgressUpdate
from generator.interfaces import ModelBundle
from generator.losses import clamp_with_grad, quantise, spherical_distance
from generator.precision import describe_cpu
from generator.request import DrawRequest, WeightedPrompt
from generator.weights.full_size import random_full_size_bundle

TEST_DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
PROMPT, NEGATIVE = "คฤหาสน์ แฮรี่พอตเตอร์", "ภาพเบลอ"


def original_clip(bundle: ModelBundle, device: torch.device) -> torch.nn.Module:
    """CLIP's image tower as the original app ran it (OpenAI's `clip` package): its own copy,
    never frozen, in fp16 on CUDA as `clip.load` gave it, with the kernels OpenAI's model runs,
    a patch convolution and fused attention (`nn.MultiheadAttention`), where the engine's tower
    uses a patch matmul and, on the CPU, plain attention."""
    clip = copy.deepcopy(bundle.image_encoder)
    clip.attention = "sdpa"
    embeddings = clip.model.vision_model.embeddings
    patches = embeddings.patch_embedding
    convolution = torch.nn.Conv2d(
        patches.in_channels, patches.out_channels, patches.kernel_size, patches.stride, bias=False
    )
    convolution.weight = patches.weight
    embeddings.patch_embedding = convolution
    if device.type == "cuda":
        clip = clip.half()
    return clip.requires_grad_(True)


def original_synthesis(bundle: ModelBundle, latent: torch.Tensor) -> torch.Tensor:
    """The original's `synth`: its `vector_quantize(...).movedim(3, 1)` handed the decoder codes
    with channels-last strides, which the engine makes contiguous."""
    vqgan = bundle.vqgan
    codes = quantise(latent, vqgan.codebook).contiguous(memory_format=torch.channels_last)
    return clamp_with_grad(vqgan.decode(codes), 0, 1)


def reference_loop(
    bundle: ModelBundle, clip: torch.nn.Module, device: torch.device, size: int, steps: int
) -> None:
    """The original app's loop, step for step (see the module docstring), with `original_clip`."""
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
        module.requires_grad_(False)  # the original app froze the VQGAN, text model and head
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
        output = original_synthesis(bundle, latent)
        loss = 0
        for _ in range(cutn):
            cutout = transforms(output).to(next(clip.parameters()).dtype)
            embedding = clip.encode_images(cutout).float()
            loss += spherical_distance(embedding, text).mean() / cutn
            loss -= 0.4 * spherical_distance(embedding, negative).mean() / cutn
            loss -= 0.005 * bundle.aesthetic.score(F.normalize(embedding, dim=-1)).mean() / cutn
        loss.backward()
        optimizer.step()


@dataclass
class RunFigures:
    """What one engine run took: until its first preview, and the GPU memory at its peak."""

    first_preview: float | None = None
    peak_memory: int | None = None


def engine_run(
    engine: Engine, device: torch.device, size: int, steps: int, batch: int, measured: RunFigures
) -> None:
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
    started = time.perf_counter()

    def on_progress(update: ProgressUpdate) -> None:
        if update.step == 1 and update.key == 0:
            update.preview()  # what a chat client would be sent
            measured.first_preview = time.perf_counter() - started

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    engine.draw(jobs, on_progress=on_progress)
    if device.type == "cuda":
        measured.peak_memory = torch.cuda.max_memory_allocated(device)


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


def print_row(row: tuple[str, int, float], reference: float, measured: RunFigures | None) -> None:
    """One line of the table, printed as soon as it is measured."""
    label, batch, per_picture = row
    line = (
        f"{label:<30}{batch:>6}{per_picture:>11.2f}{60 / per_picture:>14.1f}"
        f"{reference / per_picture:>9.2f}×"
    )
    if measured is not None and measured.first_preview is not None:
        line += f"{measured.first_preview:>14.2f}s{(measured.peak_memory or 0) / 2**30:>9.2f} GiB"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument(
        "--precision",
        default="fp32",
        help="the engine's precisions, comma-separated (fp32, bf16): one row per batch each",
    )
    parser.add_argument("--vqgan-yaml", type=Path, default=TEST_DATA / "vqgan" / "model.yaml")
    args = parser.parse_args()
    precisions = [word.strip() for word in args.precision.split(",") if word.strip()]
    if not precisions or set(precisions) - {"fp32", "bf16"}:
        parser.error("--precision takes fp32, bf16 or both, comma-separated")
    device = torch.device(args.device)
    bundle = random_full_size_bundle(device, args.vqgan_yaml)
    gpu = device.type == "cuda"
    processor = torch.cuda.get_device_name(device) if gpu else describe_cpu()

    print(
        f"device {device} ({processor}, {torch.get_num_threads()} threads), "
        f"{args.size}×{args.size}, {args.steps} steps, torch {torch.__version__}"
    )
    extra = f"{'first preview':>15}{'peak memory':>13}" if gpu else ""
    print(f"{'run':<30}{'batch':>6}{'s/picture':>11}{'pictures/min':>14}{'speed-up':>10}{extra}")
    clip = original_clip(bundle, device)
    reference = seconds(
        lambda: reference_loop(bundle, clip, device, args.size, args.steps), device, args.repeats
    )
    rows = [("(a) original app's loop" + (", fp16 CLIP" if gpu else ", fp32"), 1, reference)]
    print_row(rows[0], reference, None)
    for precision in precisions:
        # batched kernels, as on CUDA (the CPU otherwise computes each job on its own)
        engine = Engine(bundle, device, precision=precision, batch_invariant=False)
        for batch in args.batches:
            measured = RunFigures()
            total = seconds(
                lambda engine=engine, batch=batch, measured=measured: engine_run(
                    engine, device, args.size, args.steps, batch, measured
                ),
                device,
                args.repeats,
            )
            label = f"(b) engine, {precision}" if batch == 1 else f"(c) engine batched, {precision}"
            rows.append((label, batch, total / batch))
            print_row(rows[-1], reference, measured if gpu else None)
    for precision in precisions:
        own = [row for row in rows[1:] if row[0].endswith(precision)]
        best = min(own, key=lambda row: row[2])
        singles = [row for row in own if row[1] == 1]
        first = (
            f"batch 1 is {reference / singles[0][2]:.2f}× the original loop; " if singles else ""
        )
        print(
            f"summary, engine in {precision}: {first}best throughput {60 / best[2]:.1f} "
            f"pictures/min at batch {best[1]} ({reference / best[2]:.2f}×)"
        )


if __name__ == "__main__":
    sys.exit(main())
