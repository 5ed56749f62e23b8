"""Backends compute what the PyTorch model computes, say what they did, and refuse what they cannot run."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from torch import nn

from mnv1_bench.errors import UsageProblem
from mnv1_bench.models.registry import resolve
from mnv1_bench.timing import backends, pytorch
from mnv1_bench.timing.clock import CudaEventStopwatch
from mnv1_bench.timing.config import TimingConfig

TINY = "mobilenet-0.25-64"


@pytest.fixture(scope="module")
def spec():
    return resolve(TINY)


@pytest.fixture(scope="module")
def reference(spec):
    """The unmodified fp32 model's logits on the backends' input, computed independently of `backends`."""
    torch.manual_seed(0)
    model = spec.build().eval()
    x = torch.randn((2, 3, 64, 64), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        return model(x)


def _logits(out) -> torch.Tensor:
    if isinstance(out, list):  # onnxruntime: a list of numpy arrays
        return torch.from_numpy(np.asarray(out[0]))
    return out.float().cpu()


def _prepare(spec, **config):
    # registry models draw their random weights from torch's global generator: same seed, same weights
    torch.manual_seed(0)
    return backends.prepare(spec, TimingConfig(batch=2, **config), threads=1)


def test_fold_batch_norm_keeps_outputs_and_counts_pairs(spec):
    torch.manual_seed(0)
    model = spec.build().eval()
    for module in model.modules():  # non-trivial statistics, so that folding has something to fold
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        before = model(x)
        folded, n = pytorch.fold_batch_norm(model)
        after = folded(x)
    assert n == 27  # Table 1: 27 convolutions, each followed by batch norm
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    torch.testing.assert_close(after, before, rtol=1e-4, atol=1e-4)


def test_eager_matches_the_model(spec, reference):
    prepared = _prepare(spec)
    torch.testing.assert_close(_logits(prepared.run()), reference, rtol=1e-4, atol=1e-4)
    assert "PyTorch eager" in prepared.settings and "BN folded into 27 convs" in prepared.settings
    assert "NCHW" in prepared.settings and "torch threads 1" in prepared.settings


def test_eager_channels_last_without_folding(spec, reference):
    prepared = _prepare(spec, channels_last=True, fold_bn=False)
    torch.testing.assert_close(_logits(prepared.run()), reference, rtol=1e-4, atol=1e-4)
    assert "channels-last" in prepared.settings and "BN kept" in prepared.settings


def test_eager_bf16_on_cpu_is_close_to_fp32(spec, reference):
    prepared = _prepare(spec, dtype="bf16")
    out = prepared.run()
    assert out.dtype == torch.bfloat16
    # bf16 keeps 8 bits of mantissa: logits agree to a few percent of their spread
    assert (out.float() - reference).abs().max() < 0.05 * reference.abs().max() + 0.05


def test_onnxruntime_matches_the_model_and_leaves_no_file(spec, reference, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    prepared = _prepare(spec, backend="onnxruntime")
    torch.testing.assert_close(_logits(prepared.run()), reference, rtol=1e-3, atol=1e-3)
    assert "CPUExecutionProvider" in prepared.settings and "intra-op threads 1" in prepared.settings
    assert "exporter" in prepared.settings and prepared.extra["export_s"] > 0
    # the exported model lived in a temporary folder, now gone (torch may leave its own compiler cache there)
    assert not list(tmp_path.glob("mnv1-bench-onnx-*")) and not list(tmp_path.rglob("*.onnx*"))


@pytest.mark.slow
def test_compile_matches_the_model(spec, reference):
    # the one torch.compile case: about 20 s on 2 cores with a cold Inductor cache, a few seconds warm
    prepared = _prepare(spec, backend="compile")
    torch.testing.assert_close(_logits(prepared.run()), reference, rtol=1e-3, atol=1e-3)
    assert "torch.compile (inductor" in prepared.settings and prepared.extra["compile_s"] > 0


@pytest.mark.parametrize(
    "change, message",
    [
        ({"backend": "cudagraph"}, "needs device cuda"),  # the library's parameter: the CLI says --device
        ({"backend": "onnxruntime", "dtype": "fp16"}, "runs fp32 and int8, not fp16"),
        ({"backend": "onnxruntime", "dtype": "bf16"}, "not bf16"),
        ({"backend": "eager", "dtype": "int8"}, "not int8: int8 is static quantization"),
        ({"backend": "compile", "dtype": "int8"}, "not int8"),
        ({"backend": "openvino", "dtype": "fp16"}, "not fp16"),
    ],
)
def test_unsupported_combinations_are_usage_problems(change, message):
    with pytest.raises(UsageProblem, match=message):
        backends.check_supported(replace(TimingConfig(), **change))


@pytest.mark.parametrize("backend", ["eager", "compile", "cudagraph", "onnxruntime"])
def test_cuda_without_a_gpu_is_a_usage_problem(backend, monkeypatch):
    monkeypatch.setattr(backends, "cuda_available", lambda: False)
    with pytest.raises(UsageProblem, match="needs an NVIDIA GPU"):
        backends.check_supported(TimingConfig(device="cuda", backend=backend))


def test_cpu_half_precision_is_allowed_for_pytorch_backends(spec, reference):
    for backend in ("eager", "compile"):
        for dtype in ("fp16", "bf16"):
            assert backends.check_supported(TimingConfig(backend=backend, dtype=dtype)) is None
    out = _prepare(spec, dtype="fp16").run()  # and it runs: fp16 on the CPU, close to fp32
    assert out.dtype == torch.float16
    out = _logits(out)
    assert (out.float() - reference).abs().max() < 0.05 * reference.abs().max() + 0.05


# --- CUDA: skipped without a GPU (see tests/conftest.py) ---


@pytest.mark.cuda
@pytest.mark.parametrize("dtype", ["fp32", "fp16"])
def test_cuda_eager_and_cudagraph_match(spec, reference, dtype):
    tolerance = 1e-2 if dtype == "fp32" else 5e-2  # TF32 convolutions, or fp16
    for backend in ("eager", "cudagraph"):
        prepared = _prepare(spec, device="cuda", backend=backend, dtype=dtype)
        out = _logits(prepared.run())
        torch.cuda.synchronize()
        assert (out - reference).abs().max() < tolerance * reference.abs().max() + tolerance, backend
        prepared.close()


@pytest.mark.cuda
def test_cuda_onnxruntime_when_installed(spec, reference):
    if "CUDAExecutionProvider" not in backends.ort_providers():
        pytest.skip("onnxruntime has no CUDAExecutionProvider here")
    prepared = _prepare(spec, device="cuda", backend="onnxruntime")
    prepared.run()
    assert "CUDAExecutionProvider" in prepared.settings


@pytest.mark.cuda
def test_cuda_event_stopwatch_times_device_work():
    a = torch.randn(2048, 2048, device="cuda")
    watch = CudaEventStopwatch()
    watch.start()
    for _ in range(10):
        a @ a
    elapsed = watch.stop()
    assert 0 < elapsed < 10
