"""The optimisation loop: VQGAN latents pulled toward Thai prompts through CLIP-space distances."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import torch
import torch.nn.functional as F
from PIL import Image

from generator.augment import Cutouts, augmentation_sets
from generator.interfaces import ModelBundle
from generator.losses import clamp_with_grad, quantise, spherical_distance
from generator.precision import Precision, PrecisionPolicy
from generator.request import DrawRequest

LEARNING_RATE = 0.1


@dataclass(frozen=True)
class EngineJob:
    """A request plus the pictures it refers to, already opened by the caller."""

    request: DrawRequest
    init_image: Image.Image | None = None
    target_image: Image.Image | None = None


@dataclass(frozen=True)
class ProgressUpdate:
    key: Hashable  # the job's key in its run (its position, for `Engine.draw`)
    step: int
    total: int
    picture: torch.Tensor = field(repr=False)  # [3,H,W] in [0,1], detached
    preview_size: int = 128

    def preview(self) -> Image.Image:
        """A small copy of the picture so far (made only when asked: it costs a device copy)."""
        image = _to_image(self.picture)
        image.thumbnail((self.preview_size, self.preview_size))
        return image


@dataclass(frozen=True)
class DrawResult:
    key: Hashable  # the job's key in its run (its position, for `Engine.draw`)
    request: DrawRequest  # with the seed actually used
    status: Literal["done", "cancelled"]
    steps_done: int
    seconds: float
    image: Image.Image | None = None
    precision: Precision = "fp32"  # what the engine computed in (the recipe records it)


ProgressCallback = Callable[[ProgressUpdate], None]
CancelCheck = Callable[[Hashable], bool]


@dataclass
class _JobState:
    """One job's moving parts during a run."""

    key: Hashable
    request: DrawRequest
    latent: torch.nn.Parameter
    rng_state: torch.Tensor
    prompt_embeddings: torch.Tensor
    prompt_weights: torch.Tensor
    negative_embeddings: torch.Tensor
    negative_weights: torch.Tensor
    target_embedding: torch.Tensor | None
    steps_done: int = 0
    joined: float = 0.0  # perf_counter when the job joined its run


class Engine:
    """Runs batches of same-size draw requests on models it is given (it never touches files)."""

    def __init__(
        self,
        models: ModelBundle,
        device: torch.device,
        *,
        progress_every: int = 10,
        preview_size: int = 128,
        precision: Precision = "fp32",
        deterministic: bool = False,
        batch_invariant: bool | None = None,
    ) -> None:
        """`batch_invariant`: compute each job on its own (default: on the CPU, where batching
        gains nothing), so that its picture is bitwise independent of its batch mates."""
        self.models = models
        self.device = device
        self.progress_every = progress_every
        self.preview_size = preview_size
        self.batch_invariant = device.type == "cpu" if batch_invariant is None else batch_invariant
        self.precision = PrecisionPolicy(device, precision, deterministic=deterministic)
        self.cutouts = Cutouts(augmentation_sets(models.image_encoder.input_size))
        for module in models.modules():
            module.eval().requires_grad_(False)

    def _autocast(self) -> contextlib.AbstractContextManager:
        """Where bf16 was measured safe: CLIP's image tower and the decoder during steps."""
        return self.precision.reduced()

    def draw(
        self,
        jobs: Sequence[EngineJob],
        *,
        on_progress: ProgressCallback | None = None,
        is_cancelled: CancelCheck | None = None,
    ) -> list[DrawResult]:
        """Make one picture per job; all jobs must share one size. Results keep the jobs' order.

        Keys are the jobs' positions (0, 1, …) in progress updates, results and `is_cancelled`.
        """
        run = EngineRun(self, on_progress=on_progress)
        run.add(list(enumerate(jobs)))
        results: dict[Hashable, DrawResult] = {}
        while run:
            if is_cancelled is not None:
                for key in [key for key in run.job_keys() if is_cancelled(key)]:
                    results[key] = run.cancel(key)
                if not run:
                    break
            results.update((result.key, result) for result in run.step())
        return [results[index] for index in range(len(jobs)) if index in results]

    def _prepare(self, jobs: Sequence[EngineJob], keys: Sequence[Hashable]) -> list[_JobState]:
        requests = [job.request.with_seed() for job in jobs]
        texts = sorted({p.text for r in requests for p in (*r.styled_prompts(), *r.negatives)})
        encoded = self._encode_texts(texts)
        embedding_of = dict(zip(texts, encoded, strict=True))
        dim = encoded.shape[-1]

        def stack(prompts) -> tuple[torch.Tensor, torch.Tensor]:
            if not prompts:
                return encoded.new_zeros((0, dim)), encoded.new_zeros(0)
            weights = torch.tensor([p.weight for p in prompts], device=self.device)
            return torch.stack([embedding_of[p.text] for p in prompts]), weights

        states = []
        for key, job, request in zip(keys, jobs, requests, strict=True):
            assert request.seed is not None
            generator = torch.Generator().manual_seed(request.seed)  # before anything random
            prompt_embeddings, prompt_weights = stack(request.styled_prompts())
            negative_embeddings, negative_weights = stack(request.negatives)
            states.append(
                _JobState(
                    key=key,
                    request=request,
                    latent=torch.nn.Parameter(self._initial_latent(job, generator)),
                    rng_state=torch.Generator().manual_seed(request.seed + 1).get_state(),
                    prompt_embeddings=prompt_embeddings,
                    prompt_weights=prompt_weights,
                    negative_embeddings=negative_embeddings,
                    negative_weights=negative_weights,
                    target_embedding=self._target_embedding(job),
                )
            )
        return states

    def _encode_texts(self, texts: Sequence[str]) -> torch.Tensor:
        """fp32 embeddings [N,D], each text encoded on its own: a batch would pad it to its
        batch-mates' length, and padding changes the numbers on some devices."""
        with torch.no_grad(), self.precision.scope(), self.precision.exact():
            return torch.cat(
                [self.models.text_encoder.encode_texts([text]).float() for text in texts]
            )

    def _initial_latent(self, job: EngineJob, generator: torch.Generator) -> torch.Tensor:
        request, vqgan = job.request, self.models.vqgan
        if job.init_image is not None:
            pixels = _to_tensor(job.init_image.resize(request.size, Image.LANCZOS), self.device)
            with torch.no_grad():
                return vqgan.encode(pixels).float()
        factor = vqgan.downsample_factor
        rows, columns = request.height // factor, request.width // factor
        codebook = vqgan.codebook.detach().float()
        codes = torch.randint(codebook.shape[0], (rows * columns,), generator=generator)
        latent = codebook[codes.to(codebook.device)].view(1, rows, columns, -1)
        return latent.permute(0, 3, 1, 2).contiguous().to(self.device)

    def _target_embedding(self, job: EngineJob) -> torch.Tensor | None:
        if job.target_image is None:
            return None
        size = self.models.image_encoder.input_size
        pixels = _to_tensor(job.target_image.resize((size, size), Image.LANCZOS), self.device)
        with torch.no_grad(), self.precision.scope(), self._autocast():
            return self.models.image_encoder.encode_images(pixels).float()

    def _synthesise(self, latents: torch.Tensor, *, final: bool = False) -> torch.Tensor:
        """Latents → pictures in [0,1]. The nearest code is always chosen in fp32 (bf16 snaps
        some positions to another code); the decoder runs in bf16 during the steps of a bf16
        engine, and in fp32 for the final picture."""
        vqgan = self.models.vqgan
        with self.precision.exact():
            quantised = quantise(latents.float(), vqgan.codebook.float())
        with self.precision.exact() if final else self._autocast():
            decoded = vqgan.decode(quantised).float()
        return clamp_with_grad(decoded, 0.0, 1.0)

    def _step(self, active: list[_JobState]) -> torch.Tensor:
        """One optimisation step for all active jobs: one image-encoder call for all cutouts."""
        cutn = [state.request.cutn for state in active]
        rng_states = [state.rng_state for state in active]
        augments = [state.request.augment for state in active]
        with self.precision.scope():
            pictures = self._synthesise(torch.cat([state.latent for state in active]))
            cutouts = self.cutouts(pictures, cutn, rng_states, augments)
            with self._autocast():
                embeddings = self.models.image_encoder.encode_images(cutouts).float()
            for state, rng_state in zip(active, rng_states, strict=True):
                state.rng_state = rng_state
            loss = sum(
                self._job_loss(state, job_embeddings)
                for state, job_embeddings in zip(active, embeddings.split(cutn), strict=True)
            )
            loss.backward()
        return pictures.detach()

    def _job_loss(self, state: _JobState, embeddings: torch.Tensor) -> torch.Tensor:
        """Pull toward the prompts, push from the negatives, reward beauty, approach a target."""
        request = state.request
        loss = (
            spherical_distance(embeddings, state.prompt_embeddings).mean(0) * state.prompt_weights
        ).sum()
        if len(state.negative_weights):
            loss = (
                loss
                - (
                    spherical_distance(embeddings, state.negative_embeddings).mean(0)
                    * state.negative_weights
                ).sum()
            )
        if request.aesthetic_weight:
            scores = self.models.aesthetic.score(F.normalize(embeddings, dim=-1)).float()
            loss = loss - request.aesthetic_weight * scores.mean()
        if state.target_embedding is not None and request.target_weight:
            loss = (
                loss
                + request.target_weight
                * spherical_distance(embeddings, state.target_embedding).mean()
            )
        return loss

    def _final_picture(self, state: _JobState) -> Image.Image:
        with torch.no_grad(), self.precision.scope():
            picture = self._synthesise(state.latent.detach(), final=True)
        return _to_image(picture[0])

    def _result(
        self, state: _JobState, status: Literal["done", "cancelled"], image: Image.Image | None
    ) -> DrawResult:
        return DrawResult(
            key=state.key,
            request=state.request,
            status=status,
            steps_done=state.steps_done,
            seconds=time.perf_counter() - state.joined,
            image=image,
            precision=self.precision.precision,
        )


class EngineRun:
    """A running batch of one size that jobs join and leave between two steps.

    Each job has its own Adam parameter group and its own random stream, so joining and leaving
    change nothing for the others. With `engine.batch_invariant` (the CPU's default) every job's
    text, step and picture are also computed on their own, so a job gives the same bytes whether
    it runs alone, from the start of a batch, or joins one half-way.
    """

    def __init__(self, engine: Engine, *, on_progress: ProgressCallback | None = None) -> None:
        self.engine = engine
        self.on_progress = on_progress
        self._active: list[_JobState] = []
        self._optimizer: torch.optim.Adam | None = None

    def __len__(self) -> int:
        return len(self._active)

    @property
    def size(self) -> tuple[int, int] | None:
        """(width, height) of the running jobs; None while the run is empty."""
        return self._active[0].request.size if self._active else None

    def job_keys(self) -> list[Hashable]:
        return [state.key for state in self._active]

    def add(self, jobs: Sequence[tuple[Hashable, EngineJob]]) -> None:
        """Jobs join before the next step; they must share the running size and bring new keys."""
        if not jobs:
            return
        sizes = {job.request.size for _, job in jobs} | ({self.size} if self._active else set())
        if len(sizes) != 1:
            raise ValueError(f"a batch must share one size, got {sorted(sizes)}")
        keys = [key for key, _ in jobs]
        if len(set(keys)) != len(keys) or set(keys) & set(self.job_keys()):
            raise ValueError(f"job keys must be new and distinct, got {keys}")
        if self.engine.batch_invariant:
            states = [s for key, job in jobs for s in self.engine._prepare([job], [key])]
        else:
            states = self.engine._prepare([job for _, job in jobs], keys)
        for state in states:
            state.joined = time.perf_counter()
            if self._optimizer is None:
                self._optimizer = torch.optim.Adam([state.latent], lr=LEARNING_RATE)
            else:
                self._optimizer.add_param_group({"params": [state.latent]})
        self._active.extend(states)

    def cancel(self, key: Hashable) -> DrawResult:
        """The job leaves now, without a picture."""
        state = next(state for state in self._active if state.key == key)
        self._leave(state)
        return self.engine._result(state, "cancelled", image=None)

    def step(self) -> list[DrawResult]:
        """One optimisation step for every job; returns the jobs that finished (they have left)."""
        engine, optimizer = self.engine, self._optimizer
        if not self._active or optimizer is None:
            return []
        optimizer.zero_grad(set_to_none=True)
        if engine.batch_invariant:
            pictures = torch.cat([engine._step([state]) for state in self._active])
        else:
            pictures = engine._step(self._active)
        optimizer.step()
        finished = []
        for state, picture in zip(list(self._active), pictures, strict=True):
            state.steps_done += 1
            total = state.request.steps
            if self.on_progress and (
                state.steps_done % engine.progress_every == 0 or state.steps_done == total
            ):
                self.on_progress(
                    ProgressUpdate(state.key, state.steps_done, total, picture, engine.preview_size)
                )
            if state.steps_done >= total:
                finished.append(engine._result(state, "done", image=engine._final_picture(state)))
                self._leave(state)
        return finished

    def _leave(self, state: _JobState) -> None:
        """Forget the job, its Adam state included, so that the run holds only running jobs."""
        self._active.remove(state)
        assert self._optimizer is not None
        groups = self._optimizer.param_groups
        self._optimizer.param_groups = [g for g in groups if g["params"][0] is not state.latent]
        self._optimizer.state.pop(state.latent, None)
        if not self._active:
            self._optimizer = None


def _to_tensor(image: Image.Image, device: torch.device) -> torch.Tensor:
    """A PIL image → [1,3,H,W] float in [0,1]."""
    data = torch.frombuffer(bytearray(image.convert("RGB").tobytes()), dtype=torch.uint8)
    pixels = data.view(image.height, image.width, 3).permute(2, 0, 1).float().div(255)
    return pixels.unsqueeze(0).to(device)


def _to_image(picture: torch.Tensor) -> Image.Image:
    """[3,H,W] in [0,1] → an RGB PIL image."""
    data = picture.detach().float().clamp(0, 1).mul(255).round().byte()
    return Image.fromarray(data.permute(1, 2, 0).cpu().numpy(), "RGB")
