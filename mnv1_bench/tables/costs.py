"""Count each model once per process: every table, figure and command that needs a model's cost shares it.

Counting is a pure function of the code (random weights do not change shapes), so caching is safe. Building and
running each network once on the meta device takes a fraction of a second; `make tables` needs some in several tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from mnv1_bench.counting import Cost, count
from mnv1_bench.models.registry import ModelSpec, resolve

ModelKey = tuple[str, int]  # (registry name, number of classes)
Counted = Callable[[str, int], tuple[ModelSpec, Cost]]  # spec_and_cost, or a stand-in with its signature


def spec_and_cost(name: str, num_classes: int = 1000) -> tuple[ModelSpec, Cost]:
    """The spec a registry name stands for, and its cost (counted once per process: `counting.count`)."""
    spec = resolve(name, num_classes)
    return spec, count(spec)


def count_all(
    keys: Iterable[ModelKey], on_each: Callable[[ModelKey], None] | None = None
) -> dict[ModelKey, tuple[ModelSpec, Cost]]:
    """Count several models, each once; ``on_each`` is called after every model (for a progress bar)."""
    done: dict[ModelKey, tuple[ModelSpec, Cost]] = {}
    for key in dict.fromkeys(keys):
        done[key] = spec_and_cost(*key)
        if on_each is not None:
            on_each(key)
    return done
