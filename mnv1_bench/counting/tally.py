"""One forward pass, watched: every torch function a network calls is priced (ops.FORMULAS) or named.

The pass runs under a TorchFunctionMode, so it sees calls as the network's code makes them (``F.conv2d``,
``x + y``, ``F.scaled_dot_product_attention``) on meta or fake tensors alike: only shapes are needed. Forward
hooks keep the stack of modules that are running, so that each cost is also added to every enclosing module.
"""

from __future__ import annotations

import inspect
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn
from torch.overrides import TorchFunctionMode

from mnv1_bench.counting.ops import EXCLUDED_BY_CONVENTION, FORMULAS, FREE_OPS, op_name, weight_operands

_MHA_SIGNATURE = inspect.signature(torch.nn.functional.multi_head_attention_forward)
LAYER_TYPES = (nn.Conv2d, nn.Linear, nn.MultiheadAttention)  # the modules listed as layers


@dataclass
class Ledger:
    """What one forward pass cost: by op, by module (whole subtree, by op), and the ops named but not priced."""

    by_op: Counter = field(default_factory=Counter)
    by_module: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    excluded: Counter = field(default_factory=Counter)
    unknown: Counter = field(default_factory=Counter)
    weight_ids: dict[int, int] = field(default_factory=dict)  # id -> numel of each weight a mult-add op used
    shapes: dict[str, tuple[tuple, tuple]] = field(default_factory=dict)  # layer -> (input, output), no batch
    stack: list[str] = field(default_factory=list)

    def add(self, costs: dict[str, int]) -> None:
        self.by_op.update(costs)
        for name in self.stack:
            self.by_module[name].update(costs)

    def used_as_weight(self, *tensors: Any) -> None:
        for tensor in tensors:
            if isinstance(tensor, nn.Parameter):
                self.weight_ids[id(tensor)] = tensor.numel()


class _Watch(TorchFunctionMode):
    def __init__(self, ledger: Ledger):
        super().__init__()
        self.ledger = ledger

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = op_name(func)
        shortcut = _META_SHAPES.get(name)
        if shortcut and isinstance(args[0], Tensor) and args[0].is_meta and (shape := shortcut(args, kwargs)):
            out = args[0].new_empty(shape)  # the meta kernel is a Python decomposition that imports torch._dynamo
        else:
            out = func(*args, **kwargs)
        if name in FREE_OPS:
            return out
        if name == "multi_head_attention_forward":
            self._attention_module(args, kwargs)
        elif costs := FORMULAS.get(name, lambda *_: {})(args, kwargs, out):
            self.ledger.add(costs)
            self.ledger.used_as_weight(*weight_operands(name, args, kwargs))
        elif name in EXCLUDED_BY_CONVENTION:
            self.ledger.excluded[name] += 1
        else:
            self.ledger.unknown[name] += 1
        return out

    def _attention_module(self, args, kwargs) -> None:
        """nn.MultiheadAttention's whole forward arrives as one call: its projections and matmuls, from shapes."""
        bound = _MHA_SIGNATURE.bind(*args, **kwargs).arguments
        query, key, value = bound["query"], bound["key"], bound["value"]
        batch = query.shape[1] if query.dim() == 3 else 1
        length, embed = query.shape[0], query.shape[-1]
        sources = key.shape[0] + (bound.get("bias_k") is not None) + bool(bound.get("add_zero_attn"))
        projections = batch * (length * embed + key.shape[0] * key.shape[-1] + value.shape[0] * value.shape[-1])
        self.ledger.add({"linear": projections * embed + batch * length * embed * embed,
                         "scaled_dot_product_attention": 2 * batch * length * sources * embed})  # fmt: skip
        self.ledger.used_as_weight(*(bound.get(k) for k in ("in_proj_weight", "q_proj_weight", "k_proj_weight",
                                                            "v_proj_weight", "out_proj_weight")))  # fmt: skip


def _batch_norm_shape(args: tuple, kwargs: dict) -> tuple[int, ...] | None:
    training = args[5] if len(args) > 5 else kwargs.get("training", False)
    return None if training else tuple(args[0].shape)


def _adaptive_pool_shape(args: tuple, kwargs: dict) -> tuple[int, ...]:
    size = args[1] if len(args) > 1 else kwargs["output_size"]
    size = (size, size) if isinstance(size, int) else tuple(size)
    spatial = args[0].shape[-2:]
    return (*args[0].shape[:-2], *(s if s is not None else d for s, d in zip(size, spatial, strict=True)))


def _conv_shape(args: tuple, kwargs: dict) -> tuple[int, ...] | None:
    """PyTorch's convolution arithmetic: out = (in + 2 x padding - dilation x (kernel - 1) - 1) // stride + 1."""
    names = ("stride", "padding", "dilation")
    source, weight = args[0], args[1] if len(args) > 1 else kwargs["weight"]
    spatial = source.dim() - 2
    stride, padding, dilation = (args[3 + i] if len(args) > 3 + i else kwargs.get(n, 1 - (n == "padding"))
                                 for i, n in enumerate(names))  # fmt: skip
    stride, dilation = (_tuple(v, spatial) for v in (stride, dilation))
    groups = args[6] if len(args) > 6 else kwargs.get("groups", 1)
    if source.dim() < 3 or source.shape[-spatial - 1] != weight.shape[1] * groups:
        return None  # channels that do not fit: the kernel raises torch's own error
    kernel = weight.shape[2:]
    if padding == "same":
        return (*source.shape[: -spatial - 1], weight.shape[0], *source.shape[-spatial:])
    padding = (0,) * spatial if padding == "valid" else _tuple(padding, spatial)
    inputs = source.shape[-spatial:]
    sizes = [(n + 2 * p - d * (k - 1) - 1) // s + 1
             for n, p, d, k, s in zip(inputs, padding, dilation, kernel, stride, strict=True)]  # fmt: skip
    return (*source.shape[: -spatial - 1], weight.shape[0], *sizes) if min(sizes) > 0 else None


def _linear_shape(args: tuple, kwargs: dict) -> tuple[int, ...] | None:
    weight = args[1] if len(args) > 1 else kwargs.get("weight")
    if weight is None or weight.dim() != 2 or args[0].shape[-1] != weight.shape[1]:
        return None  # features that do not fit: the kernel raises torch's own error
    return (*args[0].shape[:-1], weight.shape[0])


def _tuple(value: int | tuple, length: int) -> tuple[int, ...]:
    return (value,) * length if isinstance(value, int) else tuple(value)


# Output shapes computed here for common ops whose meta kernels are slow to load (they import torch._dynamo and
# sympy) or to run; None leaves the op to its kernel (which also raises on shapes that cannot be).
_META_SHAPES = {"batch_norm": _batch_norm_shape, "adaptive_avg_pool2d": _adaptive_pool_shape,
                "linear": _linear_shape,
                **dict.fromkeys(("conv1d", "conv2d", "conv3d"), _conv_shape)}  # fmt: skip


def _watch_modules(model: nn.Module, ledger: Ledger) -> list:
    """Hooks that keep ``ledger.stack`` (the running modules) and record each layer's first shapes."""
    handles = []
    for name, module in model.named_modules():

        def enter(mod, inputs, name=name):
            ledger.stack.append(name)

        def leave(mod, inputs, output, name=name):
            ledger.stack.pop()
            if isinstance(mod, LAYER_TYPES) and name not in ledger.shapes and inputs:
                ledger.shapes[name] = (tuple(inputs[0].shape[1:]), tuple(_first_tensor(output).shape[1:]))

        handles.append(module.register_forward_pre_hook(enter))
        handles.append(module.register_forward_hook(leave, always_call=True))
    return handles


def _first_tensor(output: Any) -> Tensor:
    return output[0] if isinstance(output, (tuple, list)) else output


def watch(model: nn.Module, example: Tensor) -> Ledger:
    """Run ``model(example)`` once, under the watch, and return what it cost."""
    ledger = Ledger()
    handles = _watch_modules(model, ledger)
    try:
        with torch.no_grad(), _Watch(ledger):
            model(example)
    finally:
        for handle in handles:
            handle.remove()
    return ledger
