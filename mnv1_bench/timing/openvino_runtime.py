"""The openvino backend: the same ONNX export as onnxruntime's, compiled by the OpenVINO Runtime for its CPU plugin.

Supported dtypes (CPU only): fp32; bf16 through OpenVINO's inference precision hint, where the CPU has bf16
instructions (OpenVINO lists "BF16" among the CPU's optimization capabilities: AVX512-BF16 or AMX); int8 by
running the static QDQ model of :mod:`.exports`, whose quantize/dequantize pairs OpenVINO turns into int8
kernels. Each row's settings say what really ran: the compiled model's inference precision and, for int8, how
many convolutions of the executed graph run in int8.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from mnv1_bench.choices import Dtype
from mnv1_bench.errors import UsageProblem
from mnv1_bench.timing import exports
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.pytorch import Prepared, example_input

if TYPE_CHECKING:
    import numpy as np

    from mnv1_bench.models.registry import ModelSpec

INT8_PRECISIONS = frozenset({"i8", "u8"})


@lru_cache(maxsize=1)
def core():
    """One OpenVINO Core per process, shared by every row: with a Core per compiled model, a SIGTERM to a process
    holding two of them crashed it (OpenVINO 2026.4)."""
    import openvino as ov

    return ov.Core()


def capabilities() -> list[str]:
    """What OpenVINO's CPU plugin can run on this machine, e.g. ["FP32", "INT8", "BIN", "EXPORT_IMPORT"]."""
    return [str(c) for c in core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")]


def bf16_missing() -> str:
    """Why OpenVINO cannot run bf16 here ("" when it can): without BF16 capability it silently runs fp32."""
    found = capabilities()
    if "BF16" in found:
        return ""
    return (f"OpenVINO's CPU plugin has no bf16 on this CPU (capabilities {', '.join(found)}; bf16 needs "
            "AVX512-BF16 or AMX): it would silently run fp32")  # fmt: skip


def openvino_backend(spec: ModelSpec, config: TimingConfig, threads: int) -> Prepared:
    """Read the ONNX export (int8: the QDQ model), compile it for the CPU with `threads` threads, latency hint."""
    import numpy as np
    import openvino as ov

    with exports.onnx_model(spec, config) as onnx:
        model = core().read_model(str(onnx.path))
        size_mb = onnx.size_mb
    asked = "bf16" if config.dtype == Dtype.bf16 else "f32"
    compiled = core().compile_model(model, "CPU", {
        "INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY", "NUM_STREAMS": 1,
        "INFERENCE_PRECISION_HINT": asked,
    })  # fmt: skip
    got = compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name()  # "f32", "bf16"
    if config.dtype == Dtype.bf16 and "bf16" not in got:
        raise UsageProblem(f"OpenVINO compiled {spec.name} in {got}, not bf16: this CPU does not run bf16")
    request = compiled.create_infer_request()
    x = example_input(spec, exports.export_config(config)).numpy()
    request.set_input_tensor(ov.Tensor(np.ascontiguousarray(x)))

    def run() -> object:
        return request.infer()

    def infer(batch: np.ndarray) -> np.ndarray:
        return np.array(request.infer({0: np.ascontiguousarray(batch)})[compiled.output(0)])

    settings = [f"OpenVINO {ov.get_version().split('-')[0]} CPU", *onnx.settings, f"inference precision {got}",
                f"inference threads {threads}, latency hint, 1 stream"]  # fmt: skip
    if config.dtype == Dtype.int8:
        settings.append(int8_share(compiled))
    if config.channels_last:
        settings.append("channels-last not applicable: OpenVINO chooses its own layout")
    extra = {**onnx.extra, "size_mb": round(size_mb, 3)}
    return Prepared(run, "; ".join(settings), extra=extra, infer=infer)


def int8_share(compiled) -> str:
    """How many convolutions of the executed graph run in int8, from each node's runtime precision."""
    convolutions = int8 = 0
    for op in compiled.get_runtime_model().get_ops():
        info = op.get_rt_info()
        if "layerType" in info and str(info["layerType"].astype(str)) == "Convolution":
            convolutions += 1
            int8 += str(info["runtimePrecision"].astype(str)).lower() in INT8_PRECISIONS
    return f"executed graph: {int8} of {convolutions} convolutions in int8"
