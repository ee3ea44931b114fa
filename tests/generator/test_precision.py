"""Which precision `auto` picks, what each part of the loop computes in, and flags put back."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import generator.precision as precision_module
from generator.engine import Engine, EngineJob
from generator.losses import quantise
from generator.precision import PrecisionError, PrecisionPolicy, cpu_flags, resolve_precision
from generator.request import DrawRequest, WeightedPrompt
from generator.weights.layout import WeightsLayout
from generator.weights.loading import load_models
from tests.generator.thclip.commands import single_torch_thread

CPU, CUDA = torch.device("cpu"), torch.device("cuda")


def with_cpuinfo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, flags: str) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: {flags}\n")
    monkeypatch.setattr(precision_module, "CPUINFO", cpuinfo)


@pytest.mark.parametrize("flag", ["avx512_bf16", "amx_bf16"])
def test_auto_is_bf16_on_a_cpu_with_native_bf16(monkeypatch, tmp_path, flag):
    with_cpuinfo(monkeypatch, tmp_path, f"fpu sse2 avx2 avx512f {flag}")
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    assert resolve_precision("auto", CPU) == "bf16"


def test_auto_is_fp32_on_a_cpu_without_it(monkeypatch, tmp_path):
    with_cpuinfo(monkeypatch, tmp_path, "fpu sse2 avx2 avx512f")
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    assert resolve_precision("auto", CPU) == "fp32"


def test_auto_is_fp32_where_pytorch_has_no_vector_kernels(monkeypatch, tmp_path):
    with_cpuinfo(monkeypatch, tmp_path, "avx512_bf16")
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "DEFAULT")
    assert resolve_precision("auto", CPU) == "fp32"


def test_auto_is_fp32_where_the_flags_cannot_be_read(monkeypatch, tmp_path):
    monkeypatch.setattr(precision_module, "CPUINFO", tmp_path / "absent")
    assert cpu_flags() == frozenset()
    assert resolve_precision("auto", CPU) == "fp32"


def test_auto_is_bf16_on_cuda_and_an_explicit_choice_is_kept():
    assert resolve_precision("auto", CUDA) == "bf16"
    assert resolve_precision("fp32", CUDA) == "fp32"
    assert resolve_precision("bf16", CPU) == "bf16"


def test_deterministic_means_fp32_and_refuses_bf16():
    assert resolve_precision("auto", CUDA, deterministic=True) == "fp32"
    with pytest.raises(PrecisionError, match="fp32"):
        resolve_precision("bf16", CUDA, deterministic=True)
    with pytest.raises(PrecisionError, match="auto, fp32, bf16"):
        resolve_precision("fp16", CPU)


def test_the_quantiser_chooses_fp32s_codes_even_inside_bf16_autocast():
    generator = torch.Generator().manual_seed(0)
    codebook = torch.randn(16384, 256, generator=generator)
    latents = torch.randn(1, 256, 16, 16, generator=generator)
    exact = quantise(latents, codebook)
    policy = PrecisionPolicy(CPU, "bf16")
    with policy.reduced():
        careless = quantise(latents, codebook)  # what bf16 does to the nearest-code choice
        with policy.exact():
            careful = quantise(latents, codebook)
    assert not torch.equal(careless.float(), exact)
    assert torch.equal(careful, exact)


@pytest.mark.parametrize("before", [False, True])
def test_tf32_is_on_only_inside_the_engines_scope_in_bf16(before):
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = before
    try:
        with PrecisionPolicy(CPU, "bf16").scope():
            assert torch.backends.cuda.matmul.allow_tf32
            assert torch.backends.cudnn.allow_tf32
        with PrecisionPolicy(CPU, "fp32").scope():
            assert not torch.backends.cuda.matmul.allow_tf32
        assert torch.backends.cuda.matmul.allow_tf32 is before
        assert torch.backends.cudnn.allow_tf32 is before
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def test_deterministic_mode_is_switched_on_inside_its_scope_and_off_after():
    assert not torch.are_deterministic_algorithms_enabled()
    with PrecisionPolicy(CPU, "fp32", deterministic=True).scope():
        assert torch.are_deterministic_algorithms_enabled()
        assert torch.backends.cudnn.deterministic
    assert not torch.are_deterministic_algorithms_enabled()
    assert not torch.backends.cudnn.deterministic


@pytest.fixture(scope="module")
def smoke_engines(smoke_layout: WeightsLayout) -> dict[str, Engine]:
    bundle = load_models(smoke_layout, kind="smoke", device=CPU, text_encoder="thclip")
    return {p: Engine(bundle, CPU, precision=p) for p in ("fp32", "bf16")}


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_the_smoke_models_draw_in_both_precisions(smoke_engines, precision):
    request = DrawRequest(
        prompts=(WeightedPrompt("แมว", 1.0),), steps=2, width=64, height=64, seed=1, cutn=2
    )
    saved = torch.backends.cuda.matmul.allow_tf32
    with single_torch_thread():
        (result,) = smoke_engines[precision].draw([EngineJob(request)])
    assert result.status == "done"
    assert result.image.size == (64, 64)
    assert result.precision == precision
    assert torch.backends.cuda.matmul.allow_tf32 == saved  # the engine put it back


def test_a_text_is_encoded_alike_alone_and_beside_longer_texts(smoke_engines):
    engine = smoke_engines["bf16"]
    long = "ช้างเดินผ่านทุ่งนาสีเขียวในตอนเช้าที่มีหมอกหนาและมีนกบินอยู่บนฟ้า"
    alone = engine._encode_texts(["แมว"])
    together = engine._encode_texts(["แมว", long])
    assert alone.dtype == torch.float32
    assert torch.equal(alone[0], together[0])
