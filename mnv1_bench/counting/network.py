"""Count a network: one forward pass on the meta device (shapes only, no activations), turned into a Cost."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from mnv1_bench.counting.cost import Cost, LayerCost, layer_type, layer_weights
from mnv1_bench.counting.ops import INIT_OPS, MULT_ADD_OPS, op_name
from mnv1_bench.counting.tally import Ledger, watch

if TYPE_CHECKING:
    from mnv1_bench.models.registry import ModelSpec

# Priced by this tool but not by fvcore's default handles: left out of the fvcore all-ops total.
NOT_IN_FVCORE = frozenset({"scaled_dot_product_attention", "baddbmm"})


@cache
def count(spec: ModelSpec) -> Cost:
    """Count one network the tool names, per image, on the meta device (shapes only); once per process.

    The one entry point every command, table and pick calls. A network from outside the tool that fails to
    build or run is one line for the user (:meth:`ModelSpec.running`)."""
    with spec.running():
        return count_module(spec.build, spec.input_shape)


def count_module(model: nn.Module | Callable[[], nn.Module], input_shape: tuple[int, ...]) -> Cost:
    """Count one network at one input shape (N, C, H, W); N should be 1 for per-image figures.

    ``model`` is a module, or a function that builds one: that is then built on the meta device, so that
    neither its weights nor its activations take memory or time. A module with real weights is run on fake
    tensors. Either way no arithmetic is done: the counts are exact integers from shapes.
    """
    if not isinstance(model, nn.Module):
        return _count_built(model, input_shape)
    model.eval()
    return _cost(model, _watch_shapes_only(model, input_shape))


def _count_built(build: Callable[[], nn.Module], input_shape: tuple[int, ...]) -> Cost:
    try:
        with torch.device("meta"):
            model = build()
        return count_module(model, input_shape)
    except Exception:  # a builder or forward that needs real values (RegNet's widths: ``.tolist()``)
        with _SkipInit():  # built for real, but its weights left as allocated: untouched pages cost no memory
            model = build()
        return count_module(model, input_shape)


class _SkipInit(TorchFunctionMode):
    """Random and constant initialisation changes no shape: skipped while a network is built to be counted."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if op_name(func) in INIT_OPS:
            return args[0] if args else None
        return func(*args, **(kwargs or {}))


def _watch_shapes_only(model: nn.Module, input_shape: tuple[int, ...]) -> Ledger:
    if all(t.is_meta for t in (*model.parameters(), *model.buffers())):
        return watch(model, torch.zeros(input_shape, device="meta"))
    from torch._subclasses.fake_tensor import FakeTensorMode

    try:
        with FakeTensorMode(allow_non_fake_inputs=True):
            return watch(model, torch.zeros(input_shape))
    except Exception:  # a forward that needs real values: run it on real zeros
        return watch(model, torch.zeros(input_shape))


def _repeats(model: nn.Module) -> dict[str, int]:
    """Modules marked ``repeats = N`` (outermost marks only): traced on one input, run N times per image."""
    marked: dict[str, int] = {}
    for name, module in model.named_modules():
        times = getattr(module, "repeats", 1)
        if times != 1 and not any(name.startswith(outer + ".") for outer in marked):
            marked[name] = int(times)
    return marked


def _cost(model: nn.Module, ledger: Ledger) -> Cost:
    repeats = _repeats(model)
    by_op = Counter(ledger.by_op)
    for name, times in repeats.items():  # watched once, run `times` times: every count is linear in the runs
        by_op.update({op: (times - 1) * n for op, n in ledger.by_module[name].items()})
    modules = dict(model.named_modules())
    layers, weights = [], dict(ledger.weight_ids)
    for index, (name, (in_shape, out_shape)) in enumerate(ledger.shapes.items(), start=1):
        module = modules[name]
        times = next((t for outer, t in repeats.items() if name == outer or name.startswith(outer + ".")), 1)
        own = layer_weights(module)
        weights.update({id(p): p.numel() for p in own})
        mult_adds = sum(n for op, n in ledger.by_module[name].items() if op in MULT_ADD_OPS)
        layers.append(
            LayerCost(index, name, layer_type(module), module.stride[0] if isinstance(module, nn.Conv2d) else 1,
                      in_shape, out_shape, times * mult_adds, sum(p.numel() for p in module.parameters()),
                      sum(p.numel() for p in own), times)
        )  # fmt: skip
    return Cost(
        mult_adds=sum(n for op, n in by_op.items() if op in MULT_ADD_OPS),
        fvcore_total=sum(n for op, n in by_op.items() if op not in NOT_IN_FVCORE),
        params=sum(p.numel() for p in model.parameters()),
        weights=sum(weights.values()),
        layers=tuple(layers),
        fvcore_extra={op: n for op, n in sorted(by_op.items()) if op not in MULT_ADD_OPS and n},
        excluded_ops=dict(sorted(ledger.excluded.items())),
        unknown_ops=dict(sorted(ledger.unknown.items())),
    )
