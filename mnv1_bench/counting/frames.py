"""Costs turned into DataFrames: one summary row per model, per-layer rows, and the by-type Table 2.

Counts stay exact integers here; rounding to millions happens only in the renderers.
"""

from __future__ import annotations

import pandas as pd

from mnv1_bench import paper
from mnv1_bench.counting import Cost
from mnv1_bench.formatting import CONVENTION as CONVENTION, missing
from mnv1_bench.models.registry import ModelSpec


def diff_pct(measured: float, printed: paper.Printed | None) -> float | None:
    """(measured - printed) / printed in percent, measured in the printed unit; None where the paper has no
    figure."""
    if printed is None or printed.value == 0:
        return None
    return 100.0 * printed.delta(measured) / printed.value


def summary_row(spec: ModelSpec, cost: Cost) -> dict:
    """One model: measured counts beside the paper's figures for this very network, and the differences.

    A printed figure is compared only with the network it describes (same name, hence resolution, and same
    classes): Table 10's params describe 120-class networks, every printed mult-adds figure a 1000-class one.
    Where the paper prints this architecture only with another classifier, ``paper_row`` says where.
    """
    rows = spec.paper_rows()
    row = spec.paper_row() or (rows[0] if rows else None)
    # The paper counts conv and FC weights only (see paper.py), so that is what its figures are compared with.
    mult_adds_m, weights_m = cost.mult_adds / 1e6, cost.weights / 1e6
    printed_ma = row.mult_adds if row and row.mult_adds_classes == spec.num_classes else None
    printed_params = row.params if row and row.classes == spec.num_classes else None
    compared = [p.agrees(v) for v, p in ((mult_adds_m, printed_ma), (weights_m, printed_params)) if p is not None]
    return {
        "model": spec.name,
        "label": spec.label,
        "input": spec.input_text,
        "classes": spec.num_classes,
        "mult_adds": cost.mult_adds,
        "params": cost.params,
        "weights": cost.weights,
        "fvcore_total": cost.fvcore_total,
        "paper_table": row.table if row else None,
        "paper_label": row.label if row else None,
        "paper_row": _row_text(row, printed_ma, printed_params) if row else None,
        "paper_mult_adds_m": printed_ma,
        "paper_params_m": printed_params,
        "mult_adds_diff_pct": diff_pct(mult_adds_m, printed_ma),
        "weights_diff_pct": diff_pct(weights_m, printed_params),
        "agrees_with_paper": all(compared) if compared else None,
        "note": row.note if row and (printed_ma or printed_params) else "",
        "fvcore_extra": ", ".join(f"{op} {n / 1e6:.2f}M" for op, n in cost.fvcore_extra.items()),
        "excluded_ops": ", ".join(f"{op} x{n}" for op, n in cost.excluded_ops.items()),
        "unknown_ops": ", ".join(f"{op} x{n}" for op, n in cost.unknown_ops.items()),
    }


def _row_text(row: paper.PaperRow, printed_ma: paper.Printed | None, printed_params: paper.Printed | None) -> str:
    """ "Table 6: 1.0 MobileNet-224", saying which figures describe another classifier and are not compared."""
    text = f"Table {row.table}: {row.label}"
    if printed_params is None:
        text += f" ({row.classes} classes: not compared)" if printed_ma is None else f" (params: {row.classes} classes)"
    elif printed_ma is None:
        text += f" (mult-adds: {row.mult_adds_classes} classes)"
    return text


def summary_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["paper_table"] = frame["paper_table"].astype("Int64")  # stays an integer where some rows have none
    return frame


PRINTED_KEYS = ("paper_mult_adds_m", "paper_params_m")


def printed_values(frame: pd.DataFrame) -> pd.DataFrame:
    """A summary frame as JSON and CSV carry it: each printed figure as its value, a number in millions.

    Tables and Markdown keep the :class:`paper.Printed` itself, to show its text and the difference at its
    precision."""
    values = frame.copy()
    for key in PRINTED_KEYS:
        values[key] = [None if missing(figure) else figure.value for figure in frame[key]]
    return values


def layers_frame(cost: Cost) -> pd.DataFrame:
    """Per-layer rows (conv and FC, execution order) with each layer's share of the network's total."""
    frame = pd.DataFrame(
        {
            "index": layer.index,
            "name": layer.name,
            "type": layer.type + (f" x{layer.repeats}" if layer.repeats > 1 else ""),  # e.g. once per proposal
            "stride": layer.stride,
            "in_shape": "x".join(map(str, layer.in_shape)),
            "out_shape": "x".join(map(str, layer.out_shape)),
            "mult_adds": layer.mult_adds,
            "params": layer.params,
            "mult_adds_pct": 100.0 * layer.mult_adds / cost.mult_adds,
            "params_pct": 100.0 * layer.params / cost.params,
        }
        for layer in cost.layers
    )
    return frame


TABLE2_SOURCE = f"Paper shares cited from Table 2 of {paper.CITATION}. {paper.TABLE2_NOTE}"


def is_table2_model(spec: ModelSpec) -> bool:
    """Table 2's shares are for 1.0 MobileNet-224 with the 1000-class classifier."""
    return spec.name == paper.TABLE2_MODEL and spec.num_classes == paper.TABLE2_CLASSES


def by_type_frame(cost: Cost, with_paper: bool = False) -> pd.DataFrame:
    """The paper's Table 2: share of mult-adds and of weights per layer type, measured.

    Shares of parameters use weight tensors only, as the paper's 74.59 / 1.06 / 0.02 / 24.33 do.
    ``with_paper`` adds the published shares (meaningful for 1.0 MobileNet-224 only).
    """
    layers = pd.DataFrame(
        {"type": layer.type, "mult_adds": layer.mult_adds, "weights": layer.weights} for layer in cost.layers
    )
    table = layers.groupby("type", sort=False).sum().reset_index()
    table["mult_adds_pct"] = 100.0 * table["mult_adds"] / cost.mult_adds
    table["weights_pct"] = 100.0 * table["weights"] / cost.weights
    if with_paper:
        shares = {kind: (mult_adds.value, weights.value) for kind, (mult_adds, weights) in paper.TABLE2.items()}
        table["paper_mult_adds_pct"] = table["type"].map(lambda t: shares.get(t, (None, None))[0])
        table["paper_weights_pct"] = table["type"].map(lambda t: shares.get(t, (None, None))[1])
    order = {t: i for i, t in enumerate(paper.TABLE2)}
    return table.sort_values("type", key=lambda s: s.map(lambda t: order.get(t, len(order)))).reset_index(drop=True)
