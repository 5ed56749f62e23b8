"""Turn a model into a zero-argument call to time: PyTorch eager, torch.compile, CUDA graphs, onnxruntime.

Every backend runs the network in eval mode on a fixed random input (batch x 3 x size x size) of the chosen
dtype.
PyTorch backends run under ``torch.inference_mode``. Each returns ``Prepared.settings``, a one-line account of
what produced a row (batch-norm folding, memory format, compiler mode, exporter, execution provider, threads).

Supported dtypes: fp32 everywhere. On CPU, eager and compile also run bf16 and fp16 (PyTorch has CPU kernels
for both; without AVX512-BF16/AMX or AVX512-FP16 they are emulated and slower than fp32, which is worth
knowing); onnxruntime's CPU provider runs fp32 only. On CUDA every backend runs all three.
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mnv1_bench.errors import UsageProblem

if TYPE_CHECKING:
    import torch
    from torch import nn

    from mnv1_bench.registry import ModelSpec
    from mnv1_bench.timing import TimingConfig

TORCH_DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}


@dataclass
class Prepared:
    """A ready-to-time call and what produced it. ``close`` frees what the backend holds (sessions, files)."""

    run: Callable[[], object]
    settings: str
    close: Callable[[], None] = lambda: None
    extra: dict = field(default_factory=dict)  # e.g. {"compile_s": 41.2}: one-off costs, in seconds


def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def ort_providers() -> list[str]:
    import onnxruntime

    return list(onnxruntime.get_available_providers())


def check_supported(config: TimingConfig) -> None:
    """Raise UsageProblem (one line) for a combination this machine or backend cannot run."""
    if config.device == "cuda" and not cuda_available():
        raise UsageProblem("--device cuda needs an NVIDIA GPU, but torch.cuda.is_available() is False here")
    if config.backend == "cudagraph" and config.device != "cuda":
        raise UsageProblem("the cudagraph backend replays CUDA graphs: it needs --device cuda")
    if config.backend == "onnxruntime":
        if config.dtype == "bf16":
            raise UsageProblem("onnxruntime runs fp32 (and fp16 on CUDA) here, not bf16: use the eager or "
                               "compile backends for bf16")  # fmt: skip
        if config.device == "cpu" and config.dtype != "fp32":
            raise UsageProblem(f"onnxruntime's CPU provider runs fp32 only, not {config.dtype}: "
                               "use --dtype fp32 or the eager/compile backends")  # fmt: skip
        if config.device == "cuda" and "CUDAExecutionProvider" not in ort_providers():
            raise UsageProblem("onnxruntime has no CUDAExecutionProvider here (install onnxruntime-gpu) "
                               "for --device cuda --backend onnxruntime")  # fmt: skip


def prepare(spec: ModelSpec, config: TimingConfig, threads: int) -> Prepared:
    """Build the model for `config`, return the call to time; one-off costs (compile, export) happen here."""
    check_supported(config)
    builders = {"eager": _eager, "compile": _compile, "cudagraph": _cudagraph, "onnxruntime": _onnxruntime}
    return builders[config.backend](spec, config, threads)


def torch_dtype(name: str) -> torch.dtype:
    import torch

    return getattr(torch, TORCH_DTYPES[name])


def example_input(spec: ModelSpec, config: TimingConfig) -> torch.Tensor:
    """A fixed random batch (seeded, so runs compare like with like)."""
    import torch

    generator = torch.Generator().manual_seed(0)
    x = torch.randn((config.batch, 3, spec.input_size, spec.input_size), generator=generator)
    x = x.to(device=config.device, dtype=torch_dtype(config.dtype))
    return x.contiguous(memory_format=torch.channels_last) if config.channels_last else x


def fold_batch_norm(model: nn.Module) -> tuple[nn.Module, int]:
    """Fold every eval-mode BatchNorm2d into the Conv2d before it; returns (model, number folded).

    Walks nn.Sequential containers (how every registry network and most torchvision ones pair them), so no
    tracing is needed and any model works: pairs it cannot see are left as they are.
    """
    from torch import nn
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    folded = 0
    for module in model.modules():
        if not isinstance(module, nn.Sequential):
            continue
        names = list(module._modules)
        for first, second in zip(names, names[1:], strict=False):
            conv, bn = module._modules[first], module._modules[second]
            if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d) and bn.track_running_stats:
                module._modules[first] = fuse_conv_bn_eval(conv, bn)
                module._modules[second] = nn.Identity()
                folded += 1
    return model, folded


def torch_model(spec: ModelSpec, config: TimingConfig) -> tuple[nn.Module, list[str]]:
    """The eval-mode model on the device in the dtype and memory format asked, and the settings applied."""
    import torch

    model = spec.build().eval()
    settings = []
    if config.fold_bn:
        model, folded = fold_batch_norm(model)
        settings.append(f"BN folded into {folded} convs" if folded else "no conv+BN pairs to fold")
    else:
        settings.append("BN kept")
    model = model.to(device=config.device, dtype=torch_dtype(config.dtype))
    if config.channels_last:
        model = model.to(memory_format=torch.channels_last)
    settings.append("channels-last" if config.channels_last else "NCHW")
    if config.device == "cuda":
        # fixed shapes: let cuDNN time its algorithms once and keep the fastest (as deployments do)
        torch.backends.cudnn.benchmark = True
        settings.append("cudnn.benchmark")
    return model, settings


def _inference(model: nn.Module, x: torch.Tensor) -> Callable[[], object]:
    import torch

    def run() -> object:
        with torch.inference_mode():
            return model(x)

    return run


def _eager(spec: ModelSpec, config: TimingConfig, threads: int) -> Prepared:
    model, settings = torch_model(spec, config)
    x = example_input(spec, config)
    return Prepared(_inference(model, x), "; ".join(["PyTorch eager", *settings, _threads(config, threads)]))


def _compile(spec: ModelSpec, config: TimingConfig, threads: int) -> Prepared:
    """torch.compile with Inductor; freezing lets Inductor fold weights and pre-pack them for oneDNN (CPU)."""
    import torch
    import torch._inductor.config as inductor_config

    model, settings = torch_model(spec, config)
    x = example_input(spec, config)
    compiled = torch.compile(model, backend="inductor", mode=None, fullgraph=False, dynamic=False)
    run = _inference(compiled, x)
    start = time.perf_counter()
    # Inductor looks for a CUDA toolkit even on CPU and logs a warning when there is none: not the user's concern.
    quiet = logging.getLogger("torch.utils.cpp_extension")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        # freezing: weights become constants, so Inductor folds them and pre-packs them for oneDNN on CPU.
        # Compilation happens on this first call; the patch is scoped to it and leaves Inductor's global config.
        with inductor_config.patch(freezing=True):
            run()
    finally:
        quiet.setLevel(level)
    if config.device == "cuda":
        torch.cuda.synchronize()
    compile_s = time.perf_counter() - start
    text = ["torch.compile (inductor, default mode, freezing)", *settings, _threads(config, threads)]
    return Prepared(run, "; ".join(text), extra={"compile_s": round(compile_s, 3)})


def _cudagraph(spec: ModelSpec, config: TimingConfig, threads: int) -> Prepared:
    """Capture one forward pass into a CUDA graph on a static input, then time graph replays."""
    import torch

    model, settings = torch_model(spec, config)
    static_input = example_input(spec, config)
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.inference_mode(), torch.cuda.stream(side):
        for _ in range(3):  # warm up on a side stream, as the CUDA graph docs require (cuDNN picks kernels)
            model(static_input)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.inference_mode(), torch.cuda.graph(graph):
        static_output = model(static_input)

    def run() -> object:
        graph.replay()
        return static_output

    def close() -> None:
        graph.reset()

    return Prepared(run, "; ".join(["CUDA graph replay of PyTorch eager", *settings]), close)


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


def _onnxruntime(spec: ModelSpec, config: TimingConfig, threads: int) -> Prepared:
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


def _threads(config: TimingConfig, threads: int) -> str:
    return f"torch threads {threads}" if config.device == "cpu" else f"CUDA (host threads {threads})"
