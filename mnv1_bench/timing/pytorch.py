"""PyTorch backends: eager, torch.compile and CUDA graphs, each turning a model into a zero-argument call to time.

Every backend runs the network in eval mode under ``torch.inference_mode`` on a fixed random input
(batch x 3 x size x size, or batch x the spec's input shape) of the chosen dtype, and returns
``Prepared.settings``, a one-line account of what produced a row (batch-norm folding, memory format, compiler
mode, threads).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mnv1_bench.choices import torch_dtype
from mnv1_bench.timing.config import TimingConfig

if TYPE_CHECKING:
    import numpy as np
    import torch
    from torch import nn

    from mnv1_bench.models.registry import ModelSpec


@dataclass
class Prepared:
    """A ready-to-time call and what produced it. ``close`` frees what the backend holds (sessions, files)."""

    run: Callable[[], object]
    settings: str
    close: Callable[[], None] = lambda: None
    extra: dict = field(default_factory=dict)  # e.g. {"compile_s": 41.2}: one-off costs, in seconds
    # The same engine on other inputs: a float32 N x 3 x H x W numpy batch of the row's batch size -> float32
    # logits (numpy), for the numerics; None where a backend cannot (a CUDA graph's static input).
    infer: Callable[[np.ndarray], np.ndarray] | None = None


def example_input(spec: ModelSpec, config: TimingConfig) -> torch.Tensor:
    """A fixed random batch (seeded, so runs compare like with like)."""
    import torch

    generator = torch.Generator().manual_seed(0)
    x = torch.randn((config.batch, *spec.input_shape[1:]), generator=generator)
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


def first_tensor(output: object) -> torch.Tensor:
    """The logits of a network's output: the output itself, or the first tensor of a tuple, list or dict (dict
    values in their order), as the ONNX export's first output is: the rule every backend's numerics follow."""
    import torch

    if isinstance(output, torch.Tensor):
        return output
    items = output.values() if isinstance(output, dict) else output if isinstance(output, list | tuple) else ()
    for item in items:
        try:
            return first_tensor(item)
        except TypeError:
            continue
    raise TypeError(f"the network returned {type(output).__name__} with no tensor in it")


def _infer(model: nn.Module, config: TimingConfig) -> Callable[[np.ndarray], np.ndarray]:
    """The model on a numpy batch, converted to the row's device, dtype and memory format; float32 logits back."""
    import torch

    def infer(batch: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(batch).to(device=config.device, dtype=torch_dtype(config.dtype))
        if config.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            return first_tensor(model(x)).float().cpu().numpy()

    return infer


def eager(spec: ModelSpec, config: TimingConfig, threads: int) -> Prepared:
    model, settings = torch_model(spec, config)
    x = example_input(spec, config)
    text = "; ".join(["PyTorch eager", *settings, threads_text(config, threads)])
    return Prepared(_inference(model, x), text, infer=_infer(model, config))


def compiled(spec: ModelSpec, config: TimingConfig, threads: int) -> Prepared:
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
    text = ["torch.compile (inductor, default mode, freezing)", *settings, threads_text(config, threads)]
    return Prepared(run, "; ".join(text), extra={"compile_s": round(compile_s, 3)}, infer=_infer(compiled, config))


def cudagraph(spec: ModelSpec, config: TimingConfig, threads: int) -> Prepared:
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


def threads_text(config: TimingConfig, threads: int) -> str:
    return f"torch threads {threads}" if config.device == "cpu" else f"CUDA (host threads {threads})"
