"""The onnxruntime backend: export with torch.onnx, run the file with onnxruntime at full graph optimisation.

Supported dtypes: fp32 and int8 (static QDQ, see :mod:`.exports`) on CPU (onnxruntime's CPU provider); fp32 and
fp16 on CUDA (its CUDA provider).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mnv1_bench.timing import exports
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.pytorch import Prepared, example_input

if TYPE_CHECKING:
    import numpy as np
    import torch

    from mnv1_bench.models.registry import ModelSpec


def onnxruntime_backend(spec: ModelSpec, config: TimingConfig, threads: int) -> Prepared:
    """Export to a temporary ONNX file (int8: quantized), run it with onnxruntime at full graph optimisation."""
    import numpy as np
    import onnxruntime as ort

    x = example_input(spec, exports.export_config(config)).contiguous()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: its warnings would reach stderr
    provider = "CUDAExecutionProvider" if config.device == "cuda" else "CPUExecutionProvider"
    with exports.onnx_model(spec, config) as onnx:
        session = ort.InferenceSession(str(onnx.path), options, providers=[provider])
        size_mb = onnx.size_mb
    output = session.get_outputs()[0].name
    if config.device == "cuda":
        run = _ort_cuda_run(session, x, output)
    else:
        feed = {"input": np.ascontiguousarray(x.numpy())}

        def run() -> object:
            return session.run([output], feed)

    def infer(batch: np.ndarray) -> np.ndarray:
        return np.asarray(session.run([output], {"input": batch.astype(_numpy_dtype(x), copy=False)})[0])

    settings = [
        f"onnxruntime {ort.__version__} {provider}",
        *onnx.settings,
        "ORT_ENABLE_ALL (ORT folds BN itself)",
        f"intra-op threads {threads}, inter-op 1",
    ]
    if config.channels_last:
        settings.append("channels-last not applicable: onnxruntime chooses its own layout")
    return Prepared(run, "; ".join(settings), extra={**onnx.extra, "size_mb": round(size_mb, 3)}, infer=infer)


def _ort_cuda_run(session, x: torch.Tensor, output: str) -> Callable[[], object]:
    """Bind input and output on the GPU so that no host copy is timed."""
    binding = session.io_binding()
    binding.bind_input("input", "cuda", 0, _numpy_dtype(x), tuple(x.shape), x.data_ptr())
    binding.bind_output(output, "cuda")

    def run() -> object:
        session.run_with_iobinding(binding)  # returns once the outputs are ready (ORT syncs its stream)
        return x, binding  # x must outlive the binding, which holds only its address

    return run


def _numpy_dtype(x: torch.Tensor):
    import numpy as np
    import torch

    return {torch.float32: np.float32, torch.float16: np.float16}.get(x.dtype, np.float32)
