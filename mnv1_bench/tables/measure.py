"""Count each model once per process: every table, figure and command that needs a model's cost shares it.

Counting is a pure function of the code (random weights do not change shapes), so caching is safe. Building and
running each network once on the meta device takes a fraction of a second; `make tables` needs some in several tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache

from mnv1_bench.counting import Cost, count
from mnv1_bench.models.registry import ModelSpec, resolve

ModelKey = tuple[str, int]  # (registry name, number of classes)


@cache
def cost_of(spec: ModelSpec) -> Cost:
    """Build and count one network (mult-adds in the paper's convention, exact integers); cached per spec."""
    with spec.running():  # a network from outside the tool that cannot run is one line for the user
        return count(spec.build, spec.input_shape)  # built and run on the meta device: shapes only


def measure(name: str, num_classes: int = 1000) -> tuple[ModelSpec, Cost]:
    """The spec a registry name stands for, and its cost (shared with :func:`cost_of`'s cache)."""
    spec = resolve(name, num_classes)
    return spec, cost_of(spec)


def measure_all(
    keys: Iterable[ModelKey], on_each: Callable[[ModelKey], None] | None = None
) -> dict[ModelKey, tuple[ModelSpec, Cost]]:
    """Count several models, each once; ``on_each`` is called after every model (for a progress bar)."""
    done: dict[ModelKey, tuple[ModelSpec, Cost]] = {}
    for key in dict.fromkeys(keys):
        done[key] = measure(*key)
        if on_each is not None:
            on_each(key)
    return done
