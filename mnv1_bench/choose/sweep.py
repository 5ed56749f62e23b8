"""The width x resolution grid behind the paper's Figures 4 and 5: every model counted, accuracy where printed.

The paper plots all 16 models of the grid but prints the accuracy of only some of them (Tables 6, 7 and 9);
only printed accuracies are cited here, the others stay empty.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from mnv1_bench.counting import Cost
from mnv1_bench.errors import UsageProblem
from mnv1_bench.models.archs.mobilenet_range import alpha_problem, format_alpha, resolution_problem
from mnv1_bench.models.registry import PAPER_ALPHAS, PAPER_RESOLUTIONS, ModelSpec, grid


def parse_alphas(text: str) -> tuple[float, ...]:
    """ "1,0.75" -> (1.0, 0.75); each in (0, MAX_ALPHA]. Raises UsageProblem with a one-line message."""
    values = []
    for item in _items(text, "alphas"):
        try:
            alpha = float(item)
        except ValueError:
            raise UsageProblem.about("{alphas}: {item!r} is not a number", item=item) from None
        problem = alpha_problem(alpha)
        if problem:
            raise UsageProblem.about("{alphas}: {problem}", problem=problem)
        values.append(alpha)
    return tuple(dict.fromkeys(values))


def parse_resolutions(text: str) -> tuple[int, ...]:
    """ "224,160" -> (224, 160); whole numbers of pixels, each at least MIN_RESOLUTION. Raises UsageProblem."""
    values = []
    for item in _items(text, "resolutions"):
        if not (item.isascii() and item.isdigit()):
            raise UsageProblem.about("{resolutions}: {item!r} is not a whole number of pixels", item=item)
        problem = resolution_problem(int(item))
        if problem:
            raise UsageProblem.about("{resolutions}: {problem}", problem=problem)
        values.append(int(item))
    return tuple(dict.fromkeys(values))


def _items(text: str, parameter: str) -> list[str]:
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(not item for item in items):
        raise UsageProblem.about("{" + parameter + "}: expected a comma-separated list, got {text!r}", text=text)
    return items


def grid_keys(
    alphas: tuple[float, ...] = PAPER_ALPHAS, resolutions: tuple[int, ...] = PAPER_RESOLUTIONS
) -> list[tuple[str, int]]:
    """(registry name, classes) of every grid model, for the per-name caches of counting and timing."""
    return [(spec.name, spec.num_classes) for spec in grid(alphas, resolutions)]


def grid_frame(
    count: Callable[[ModelSpec], Cost],
    alphas: tuple[float, ...] = PAPER_ALPHAS,
    resolutions: tuple[int, ...] = PAPER_RESOLUTIONS,
) -> pd.DataFrame:
    """One row per model: exact mult-adds, weights (the paper's params) and all params, measured by ``count``;
    the paper's ImageNet top-1 (percent, cited) and the table it is printed in, where it prints one."""
    rows = []
    for spec in grid(alphas, resolutions):
        cost, printed, alpha = count(spec), spec.paper_row(), spec.mobilenet.alpha
        rows.append({
            "model": spec.name,
            "label": spec.label,
            "alpha": alpha,
            "alpha_label": format_alpha(alpha),
            "resolution": spec.input_size,
            "mult_adds": cost.mult_adds,
            "weights": cost.weights,
            "params": cost.params,
            "paper_top1": printed.accuracy if printed else None,
            "paper_source": f"Table {printed.table}" if printed else None,
        })  # fmt: skip
    return pd.DataFrame(rows)
