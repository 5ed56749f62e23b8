"""The onnxruntime backend: export with torch.onnx, run the file with onnxruntime at full graph optimisation.

Supported dtypes: fp32 on CPU (onnxruntime's CPU provider); fp32 and fp16 on CUDA (its CUDA provider).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mnv1_bench.choices import torch_dtype
from mnv1_bench.errors import UsageProblem
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.pytorch import Prepared, example_input

if TYPE_CHECKING:
    import torch
    from torch import nn

    from mnv1_bench.registry import ModelSpec


def export_onnx(model: nn.Module, x: torch.Tensor, path: Path) -> str:
    """Export with torch.onnx's dynamo exporter (torch >= 2.5's default); fall back to the TorchScript one.

    Returns the exporter used. Progress lines the exporter prints are swallowed: stdout carries results only.
    """
    import torch

    errors = []
    for dynamo in (True, False):
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                torch.onnx.export(model, (x,), str(path), dynamo=dynamo, external_data=False,
                                  input_names=["input"], output_names=["logits"], verbose=False)  # fmt: skip
            return "dynamo exporter" if dynamo else "TorchScript exporter"
        except Exception as error:  # the next exporter may still succeed; both failing is reported below
            errors.append(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
    raise UsageProblem(f"torch.onnx could not export this model ({'; '.join(errors)})")


def onnxruntime_backend(spec: ModelSpec, config: TimingConfig, threads: int) -> Prepared:
    """Export to a temporary ONNX file, run it with onnxruntime at full graph optimisation."""
    import numpy as np
    import onnxruntime as ort

    model = spec.build().eval().to(device=config.device, dtype=torch_dtype(config.dtype))
    x = example_input(spec, config).contiguous()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only: its warnings would reach stderr
    provider = "CUDAExecutionProvider" if config.device == "cuda" else "CPUExecutionProvider"
    with tempfile.TemporaryDirectory(prefix="mnv1-bench-onnx-") as tmp:
        start = time.perf_counter()
        exporter = export_onnx(model, x, Path(tmp) / "model.onnx")
        export_s = time.perf_counter() - start
        session = ort.InferenceSession(str(Path(tmp) / "model.onnx"), options, providers=[provider])
    del model
    output = session.get_outputs()[0].name
    if config.device == "cuda":
        run = _ort_cuda_run(session, x, output)
    else:
        feed = {"input": np.ascontiguousarray(x.numpy())}

        def run() -> object:
            return session.run([output], feed)

    settings = [
        f"onnxruntime {ort.__version__} {provider}",
        exporter,
        "ORT_ENABLE_ALL (ORT folds BN itself)",
        f"intra-op threads {threads}, inter-op 1",
    ]
    if config.channels_last:
        settings.append("channels-last not applicable: onnxruntime chooses its own layout")
    return Prepared(run, "; ".join(settings), extra={"export_s": round(export_s, 3)})


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
