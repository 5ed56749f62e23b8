"""The backends, one registry: name -> what it runs on, how it prepares a model, and how it is clocked.

Supported dtypes: fp32 everywhere. On CPU, eager and compile also run bf16 and fp16 (PyTorch has CPU kernels
for both; without AVX512-BF16/AMX or AVX512-FP16 they are emulated and slower than fp32, which is worth
knowing); onnxruntime's CPU provider runs fp32 and int8; OpenVINO (CPU only) fp32, int8, and bf16 where the CPU
has bf16 instructions. On CUDA every PyTorch backend runs the three float dtypes, and onnxruntime fp32 and fp16.
int8 is static post-training quantization of the ONNX export (:mod:`.exports`), so only exported backends run it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mnv1_bench.choices import FLOAT_DTYPES, Backend as Name, Device, Dtype
from mnv1_bench.errors import UsageProblem
from mnv1_bench.timing import onnx_runtime, openvino_runtime, pytorch
from mnv1_bench.timing.clock import Stopwatch, device_stopwatch, synced_wall_stopwatch
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.pytorch import Prepared

if TYPE_CHECKING:
    from mnv1_bench.models.registry import ModelSpec

Prepare = Callable[["ModelSpec", TimingConfig, int], Prepared]  # (spec, config, threads) -> the call to time


@dataclass(frozen=True)
class Backend:
    """One way to run a model: the (device, dtype) pairs it supports, and why it refuses the others."""

    dtypes: Mapping[Device, frozenset[Dtype]]  # the devices it runs on -> the dtypes it runs there
    prepare: Prepare  # one-off costs (compile, export) happen here, not in the timed call
    stopwatch: Callable[[Device], Stopwatch]  # a clock that sees this backend's device work
    refusal: Callable[[TimingConfig], UsageProblem]  # the one-line reason for a pair it does not support
    needs: Callable[[TimingConfig], UsageProblem | None] = lambda config: None  # what this machine lacks for it

    @property
    def devices(self) -> frozenset[Device]:
        return frozenset(self.dtypes)

    def supports(self, device: Device, dtype: Dtype) -> bool:
        return dtype in self.dtypes.get(device, frozenset())


def _cudagraph_refusal(config: TimingConfig) -> UsageProblem:
    if config.device == Device.cuda:
        return _float_refusal(config)
    return UsageProblem.about("the cudagraph backend replays CUDA graphs: it needs {device} cuda")


def _float_refusal(config: TimingConfig) -> UsageProblem:
    return UsageProblem.about("the {name} backend runs fp32, fp16 and bf16, not int8: int8 is static quantization "
                              "of the ONNX export ({backend} onnxruntime or openvino)",
                              name=config.backend)  # fmt: skip


def _ort_refusal(config: TimingConfig) -> UsageProblem:
    if config.dtype == Dtype.bf16:
        return UsageProblem("onnxruntime runs fp32 and int8 (and fp16 on CUDA) here, not bf16: use openvino, eager "
                            "or compile")  # fmt: skip
    if config.dtype == Dtype.int8:
        return UsageProblem.about("onnxruntime runs int8 on the CPU only: use {device} cpu")
    return UsageProblem.about("onnxruntime's CPU provider runs fp32 and int8, not {precision}: use {dtype} fp32 or "
                              "the eager/compile backends", precision=config.dtype)  # fmt: skip


def _openvino_refusal(config: TimingConfig) -> UsageProblem:
    if config.device != Device.cpu:
        return UsageProblem.about("the openvino backend runs on the CPU only: use {device} cpu")
    return UsageProblem(f"OpenVINO runs fp32, bf16 and int8 here, not {config.dtype}: use the eager or compile "
                        "backends")  # fmt: skip


def _openvino_needs(config: TimingConfig) -> UsageProblem | None:
    missing = openvino_runtime.bf16_missing() if config.dtype == Dtype.bf16 else ""
    return UsageProblem(missing) if missing else None


def _ort_needs(config: TimingConfig) -> UsageProblem | None:
    if config.device == Device.cuda and "CUDAExecutionProvider" not in ort_providers():
        return UsageProblem.about("onnxruntime has no CUDAExecutionProvider here (install onnxruntime-gpu) for "
                                  "{device} cuda {backend} onnxruntime")  # fmt: skip
    return None


def _everywhere(prepare: Prepare) -> Backend:
    """A PyTorch backend: every device, every float dtype."""
    return Backend({d: FLOAT_DTYPES for d in Device}, prepare, device_stopwatch, _float_refusal)


BACKENDS: dict[Name, Backend] = {
    Name.eager: _everywhere(pytorch.eager),
    Name.compile: _everywhere(pytorch.compiled),
    Name.cudagraph: Backend({Device.cuda: FLOAT_DTYPES}, pytorch.cudagraph, device_stopwatch, _cudagraph_refusal),
    # onnxruntime runs on its own CUDA stream, which CUDA events on PyTorch's stream would not see: a host
    # clock with a whole-device sync around it times it instead.
    Name.onnxruntime: Backend(
        {Device.cpu: frozenset({Dtype.fp32, Dtype.int8}), Device.cuda: frozenset({Dtype.fp32, Dtype.fp16})},
        onnx_runtime.onnxruntime_backend,
        synced_wall_stopwatch,
        _ort_refusal,
        _ort_needs,
    ),
    Name.openvino: Backend(
        {Device.cpu: frozenset({Dtype.fp32, Dtype.bf16, Dtype.int8})},
        openvino_runtime.openvino_backend,
        synced_wall_stopwatch,
        _openvino_refusal,
        _openvino_needs,
    ),
}


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def ort_providers() -> list[str]:
    import onnxruntime

    return list(onnxruntime.get_available_providers())


def backend(config: TimingConfig) -> Backend:
    return BACKENDS[Name(config.backend)]


def check_supported(config: TimingConfig) -> None:
    """Raise UsageProblem (one line) for a combination this machine or backend cannot run."""
    if config.device == Device.cuda and not cuda_available():
        raise UsageProblem.about("{device} cuda needs an NVIDIA GPU, but torch.cuda.is_available() is False here")
    chosen = backend(config)
    if not chosen.supports(Device(config.device), Dtype(config.dtype)):
        raise chosen.refusal(config)
    missing = chosen.needs(config)
    if missing is not None:
        raise missing


def prepare(spec: ModelSpec, config: TimingConfig, threads: int) -> Prepared:
    """Build the model for a supported `config` and return the call to time."""
    return backend(config).prepare(spec, config, threads)


def stopwatch(config: TimingConfig) -> Stopwatch:
    return backend(config).stopwatch(Device(config.device))
