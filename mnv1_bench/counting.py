"""What a network costs: mult-adds in the paper's convention, fvcore's all-ops total, and parameters.

Convention (the MobileNet paper's): one mult-add is one multiply-accumulate of a convolution (grouped and
depthwise convolutions counted per group) or of a fully connected layer; biases, batch norm, activations,
pooling and softmax are not counted. FLOPs, where shown, are 2 x mult-adds.

fvcore does the counting. Its default total also counts batch norm, adaptive pooling, upsampling and
normalisation layers: we report that total beside ours so a user can see why tools disagree.

A module marked ``repeats = N`` (Faster R-CNN's box classifier, once per proposal) is traced on one input and
its counts multiplied by N: mult-adds are linear in the number of runs; its parameters are counted once.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass

import torch
from torch import nn

# fvcore's ops that the paper counts: convolution and fully connected (matrix products).
CONV_FC_OPS = frozenset({"conv", "_convolution", "addmm", "linear", "matmul", "mm", "bmm", "einsum"})

# Ops that cost something but that the paper's convention leaves out, whether fvcore counts them or not.
EXCLUDED_BY_CONVENTION = frozenset(
    {
        "batch_norm", "group_norm", "layer_norm", "instance_norm", "local_response_norm",
        "max_pool2d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
        "relu", "relu_", "relu6", "hardtanh", "hardtanh_", "hardswish", "hardswish_", "hardsigmoid",
        "sigmoid", "silu", "silu_", "gelu", "softmax", "log_softmax", "dropout", "feature_dropout",
        "add", "add_", "sub", "mul", "mul_", "div", "pow", "mean", "upsample_nearest2d",
        "upsample_bilinear2d", "pad", "constant_pad_nd",
    }
)  # fmt: skip


@dataclass(frozen=True)
class LayerCost:
    """One convolution or fully connected layer, in execution order."""

    index: int  # 1-based position in execution order
    name: str  # module path, e.g. "features.block3.dw.conv"
    type: str  # as the paper names it: "Conv 3x3", "Conv dw 3x3", "Conv 1x1", "FC"
    stride: int
    in_shape: tuple[int, ...]  # (C, H, W) or (features,), batch left out
    out_shape: tuple[int, ...]
    mult_adds: int
    params: int  # weight and bias of this layer
    weights: int  # weight tensor only (the paper's Table 2 counts these)
    repeats: int = 1  # times the layer runs per image (Faster R-CNN's box classifier: once per proposal)


@dataclass(frozen=True)
class Cost:
    """A network's cost at one input shape. Counts are exact integers; shares are left to the renderers."""

    mult_adds: int  # paper convention (conv + FC multiply-accumulates)
    fvcore_total: int  # fvcore's default total: also batch norm, adaptive pooling, upsampling
    params: int  # every learnable parameter (torchvision's convention: BN scale/shift and biases too)
    weights: int  # conv and FC weight tensors only
    layers: tuple[LayerCost, ...]
    fvcore_extra: dict[str, int]  # what fvcore's total adds to ours, by op
    excluded_ops: dict[str, int]  # ops left out by the paper's convention -> number of calls
    unknown_ops: dict[str, int]  # ops no counter knows (neither total has them) -> number of calls

    @property
    def flops(self) -> int:
        return 2 * self.mult_adds


def layer_type(module: nn.Module) -> str:
    """The paper's name for a layer type (Table 1 and 2)."""
    if isinstance(module, nn.Linear):
        return "FC"
    k = "x".join(str(s) for s in module.kernel_size)
    if module.groups > 1 and module.groups == module.in_channels:
        return f"Conv dw {k}"
    if module.groups > 1:
        return f"Conv {k} ({module.groups} groups)"
    return f"Conv {k}"


def _short(op: str) -> str:
    return op.split("::", 1)[-1]


def _trace_shapes(model: nn.Module, example: torch.Tensor) -> dict[str, tuple[tuple, tuple]]:
    """Input and output shapes of every conv and FC module, in the order they run."""
    shapes: dict[str, tuple[tuple, tuple]] = {}
    handles = []
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):

            def hook(mod, inputs, output, name=name):
                shapes.setdefault(name, (tuple(inputs[0].shape[1:]), tuple(output.shape[1:])))

            handles.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(example)
    finally:
        for handle in handles:
            handle.remove()
    return shapes


def _repeats(model: nn.Module) -> dict[str, int]:
    """Modules marked ``repeats = N`` (outermost marks only): traced on one input, run N times per image."""
    marked: dict[str, int] = {}
    for name, module in model.named_modules():
        times = getattr(module, "repeats", 1)
        if times != 1 and not any(name.startswith(outer + ".") for outer in marked):
            marked[name] = int(times)
    return marked


def count(model: nn.Module, input_shape: tuple[int, ...]) -> Cost:
    """Count one network at one input shape (N, C, H, W); N should be 1 for per-image figures."""
    with warnings.catch_warnings():  # fvcore's import touches torch.jit.script, which warns it is deprecated
        warnings.simplefilter("ignore", FutureWarning)
        from fvcore.nn import FlopCountAnalysis

    model = model.eval()
    example = torch.zeros(input_shape)
    shapes = _trace_shapes(model, example)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = FlopCountAnalysis(model, example)
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False).tracer_warnings("none")
        by_op = Counter({_short(op): int(n) for op, n in analysis.by_operator().items()})
        by_module = analysis.by_module()
        unsupported = Counter({_short(op): n for op, n in analysis.unsupported_ops().items()})

        repeats = _repeats(model)
        fvcore_total = int(analysis.total())
        by_module_op = analysis.by_module_and_operator() if repeats else {}
    for name, times in repeats.items():  # traced once, run `times` times: every count is linear in the runs
        by_op.update({_short(op): (times - 1) * int(n) for op, n in by_module_op[name].items()})
        fvcore_total += (times - 1) * int(by_module[name])

    mult_adds = sum(n for op, n in by_op.items() if op in CONV_FC_OPS)
    modules = dict(model.named_modules())
    layers = []
    for index, (name, (in_shape, out_shape)) in enumerate(shapes.items(), start=1):
        module = modules[name]
        weights = module.weight.numel()
        bias = module.bias.numel() if module.bias is not None else 0
        stride = module.stride[0] if isinstance(module, nn.Conv2d) else 1
        times = next((t for outer, t in repeats.items() if name == outer or name.startswith(outer + ".")), 1)
        layers.append(
            LayerCost(index, name, layer_type(module), stride, in_shape, out_shape,
                      times * int(by_module[name]), weights + bias, weights, times)
        )  # fmt: skip
    return Cost(
        mult_adds=mult_adds,
        fvcore_total=fvcore_total,
        params=sum(p.numel() for p in model.parameters()),
        weights=sum(layer.weights for layer in layers),
        layers=tuple(layers),
        fvcore_extra={op: n for op, n in sorted(by_op.items()) if op not in CONV_FC_OPS and n},
        excluded_ops={op: n for op, n in sorted(unsupported.items()) if op in EXCLUDED_BY_CONVENTION},
        unknown_ops={op: n for op, n in sorted(unsupported.items()) if op not in EXCLUDED_BY_CONVENTION},
    )
