"""mnv1-bench: MobileNet v1 and its reference networks, counted, timed and set beside the paper's tables.

Python API (the CLI uses the same function)::

    from mnv1_bench import count, count_module
    from mnv1_bench.models.registry import resolve
    cost = count(resolve("mobilenet-0.75-160"))  # any name the CLI accepts, e.g. "torchvision:resnet50"
    cost = count_module(model, (1, 3, 224, 224))  # an nn.Module, or a function that builds one
    cost.mult_adds, cost.params, cost.weights, cost.layers

Importing the package is cheap: ``count``, ``count_module`` and their dataclasses (``Cost``, ``LayerCost``) load
torch on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mnv1_bench.counting import Cost, LayerCost, count, count_module

__all__ = ["Cost", "LayerCost", "count", "count_module"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from mnv1_bench import counting

        return getattr(counting, name)
    raise AttributeError(f"module 'mnv1_bench' has no attribute {name!r}")
