"""The width x resolution grid behind the paper's Figures 4 and 5: every model counted, accuracy where printed.

The paper plots all 16 models of the grid but prints the accuracy of only some of them (Tables 6, 7 and 9);
only printed accuracies are cited here, the others stay empty.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from mnv1_bench.archs.mobilenet import format_alpha
from mnv1_bench.counting import Cost
from mnv1_bench.errors import UsageProblem
from mnv1_bench.registry import MAX_ALPHA, MIN_RESOLUTION, PAPER_ALPHAS, PAPER_RESOLUTIONS, ModelSpec, grid_names

Measure = Callable[[str, int], tuple[ModelSpec, Cost]]


def parse_alphas(text: str) -> tuple[float, ...]:
    """ "1,0.75" -> (1.0, 0.75); each in (0, 4]. Raises UsageProblem with a one-line message."""
    values = []
    for item in _items(text, "--alphas"):
        try:
            alpha = float(item)
        except ValueError:
            raise UsageProblem(f"--alphas: {item!r} is not a number") from None
        if not 0 < alpha <= MAX_ALPHA:
            raise UsageProblem(f"--alphas: {item} is outside (0, {MAX_ALPHA:g}]")
        values.append(alpha)
    return tuple(dict.fromkeys(values))


def parse_resolutions(text: str) -> tuple[int, ...]:
    """ "224,160" -> (224, 160); integers of at least 32. Raises UsageProblem with a one-line message."""
    values = []
    for item in _items(text, "--resolutions"):
        if not item.isdigit():
            raise UsageProblem(f"--resolutions: {item!r} is not a whole number of pixels")
        if int(item) < MIN_RESOLUTION:
            raise UsageProblem(f"--resolutions: {item} is below the minimum of {MIN_RESOLUTION}")
        values.append(int(item))
    return tuple(dict.fromkeys(values))


def _items(text: str, option: str) -> list[str]:
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise UsageProblem(f"{option}: expected a comma-separated list, got {text!r}")
    return items


def grid_keys(
    alphas: tuple[float, ...] = PAPER_ALPHAS, resolutions: tuple[int, ...] = PAPER_RESOLUTIONS
) -> list[tuple[str, int]]:
    return [(name, 1000) for name in grid_names(alphas, resolutions)]


def grid_frame(
    measure: Measure,
    alphas: tuple[float, ...] = PAPER_ALPHAS,
    resolutions: tuple[int, ...] = PAPER_RESOLUTIONS,
) -> pd.DataFrame:
    """One row per model: exact mult-adds, weights (the paper's params) and all params, measured; the paper's
    ImageNet top-1 (percent, cited) and the table it is printed in, where it prints one."""
    rows = []
    for name, classes in grid_keys(alphas, resolutions):
        spec, cost = measure(name, classes)
        printed = spec.paper_row()
        rows.append({
            "model": spec.name,
            "label": spec.label,
            "alpha": spec.mobilenet.alpha if spec.mobilenet else None,
            "alpha_label": format_alpha(spec.mobilenet.alpha) if spec.mobilenet else None,
            "resolution": spec.input_size,
            "mult_adds": cost.mult_adds,
            "weights": cost.weights,
            "params": cost.params,
            "paper_top1": printed.accuracy if printed else None,
            "paper_source": f"Table {printed.table}" if printed else None,
        })  # fmt: skip
    return pd.DataFrame(rows)
