"""Tables 1 to 3: MobileNet's body layer by layer, its cost per layer type, and Section 3's layer arithmetic.

Table 1 is printed as the paper has it (errata included) with the measured per-layer mult-adds and parameters
of the network built from it; Table 2 puts the measured shares beside the printed ones; Table 3 is computed
from the closed-form costs in :mod:`mnv1_bench.paper.formulas`.
"""

from __future__ import annotations

import pandas as pd

from mnv1_bench import paper
from mnv1_bench.counting import LayerCost, frames
from mnv1_bench.formatting import MULT_ADDS_CONVENTION as CONVENTION
from mnv1_bench.paper import formulas
from mnv1_bench.tables.base import (
    DELTA_TEXT,
    Column,
    PaperTable,
    delta,
    diff_pct,
    fixed,
    millions,
    missing,
    rounded,
    signed,
    text,
    word,
    yes_no,
)
from mnv1_bench.tables.costs import Counted


def _paper_type(row: paper.Table1Row) -> str | None:
    """The counted layer type a printed row describes, or None for the rows that count nothing."""
    kind = row.type_stride.split(" /")[0]
    if kind == "Conv dw":
        return "Conv dw 3x3"
    if kind == "Conv":
        k = row.filter_shape.split(" × ")[0]
        return f"Conv {k}x{k}"
    return "FC" if kind == "FC" else None


def _filter_shape(layer: LayerCost) -> str:
    """A built layer's filter in the paper's notation, e.g. "1 × 1 × 32 × 64", "3 × 3 × 32 dw"."""
    cin, cout = layer.in_shape[0], layer.out_shape[0]
    if layer.type == "FC":
        return f"{cin} × {cout}"
    k = layer.type.split()[-1].split("x")[0]
    return f"{k} × {k} × {cin} dw" if layer.type.startswith("Conv dw") else f"{k} × {k} × {cin} × {cout}"


def _input_size(layer: LayerCost) -> str:
    if len(layer.in_shape) == 1:
        return f"1 × 1 × {layer.in_shape[0]}"
    c, h, w = layer.in_shape
    return f"{h} × {w} × {c}"


def table1(counted: Counted) -> PaperTable:
    """Table 1 as printed, each row beside the layers built from it (1.0 MobileNet-224, 1000 classes)."""
    _, cost = counted("mobilenet-1.0-224", 1000)
    layers = list(cost.layers)
    layer_params = sum(layer.params for layer in layers)  # conv and FC weights, and the FC's bias
    rows, position = [], 0
    printed = list(paper.TABLE1)
    # Rows 14-15 are a pair repeated five times: consume the built layers pair by pair.
    groups: list[list[paper.Table1Row]] = []
    for row in printed:
        if row.repeat > 1 and groups and groups[-1][0].repeat == row.repeat:
            groups[-1].append(row)
        else:
            groups.append([row])
    for group in groups:
        counted = [r for r in group if _paper_type(r) is not None]
        built: dict[int, list[LayerCost]] = {r.number: [] for r in group}
        for _ in range(group[0].repeat):
            for r in counted:
                built[r.number].append(layers[position])
                position += 1
        for r in group:
            rows.append(_table1_row(r, built[r.number], cost.mult_adds, layer_params))
    if position != len(layers):
        raise AssertionError(f"Table 1 describes {position} conv/FC layers, the network has {len(layers)}")
    frame = pd.DataFrame(rows)
    total = {"row": "Total", "built_as": f"{len(layers)} conv/FC layers", "mult_adds": cost.mult_adds,
             "params": layer_params, "mult_adds_pct": 100.0, "params_pct": 100.0}  # fmt: skip
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    frame["row"] = frame["row"].astype(str)
    for key in ("repeat", "built_stride", "mult_adds", "params"):
        frame[key] = frame[key].astype("Int64")  # integers, with an empty cell where a row has none
    for key in ("mult_adds_pct", "params_pct"):
        frame[key] = rounded(frame[key])
    notes = [f"Row {n} (erratum): {text_}" for n, text_ in paper.TABLE1_ERRATA.items()]
    notes += [
        "Rows 14 and 15 show the five repeats summed; 'Built as' names the first and last layer.",
        "Rows 20 (average pool) and 22 (softmax) cost no mult-adds in the paper's convention; the built "
        "network ends in logits (the softmax belongs to the loss) and its pool adapts to any resolution.",
        f"Params are conv and FC weights plus the FC bias ({layer_params:,} in all); the network's other "
        f"{cost.params - layer_params:,} parameters (batch norm) are left out, as the paper leaves them out.",
        f"Measured total: {cost.mult_adds:,} mult-adds, {cost.weights:,} conv and FC weights. " + paper.TABLE1_ANALYTIC,
    ]
    columns = (
        word("row", "#"),
        word("type_stride", "Type / Stride (paper)"),
        word("filter_shape", "Filter Shape (paper)"),
        word("input_size", "Input Size (paper)"),
        word("repeat", "Repeat", lambda v: "-" if missing(v) or v == 1 else f"{int(v)}×"),
        word("built_as", "Built as"),
        word("built_stride", "Stride (built)", lambda v: "-" if missing(v) else f"s{int(v)}"),
        word("matches", "Built as printed", yes_no),
        Column("mult_adds", "Mult-adds (M, measured)", millions(2)),
        Column("mult_adds_pct", "% of mult-adds", fixed(2)),
        Column("params", "Params (measured)", fixed(0)),
        Column("params_pct", "% of params", fixed(2)),
    )
    source = (
        f"Type, filter shape and input size as printed in Table 1 of {paper.CITATION}; mult-adds and params "
        f"measured by mnv1-bench on the network `mobilenet-1.0-224` built from these rows. {CONVENTION}."
    )
    built = frame[frame["matches"].notna()]
    misses = tuple(f"row {r}" for r in built.loc[built["matches"] == False, "row"])  # noqa: E712 (object column)
    return PaperTable(1, paper.TITLES[1], source, frame, columns, tuple(notes), len(built), misses)


def _table1_row(row: paper.Table1Row, built: list[LayerCost], total_mult_adds: int, total_params: int) -> dict:
    first = built[0] if built else None
    matches = None
    if first is not None:
        matches = (
            first.type == _paper_type(row)
            and _filter_shape(first) == row.filter_shape
            and _input_size(first) == row.input_size
            and all(layer.stride == row.stride for layer in built)
        )
    mult_adds = sum(layer.mult_adds for layer in built)
    params = sum(layer.params for layer in built)
    if first is None:
        built_as = "not counted"
    elif len(built) == 1:
        built_as = first.name
    else:
        built_as = f"{first.name} ... {built[-1].name}"
    return {
        "row": row.number,
        "type_stride": row.type_stride,
        "filter_shape": row.filter_shape,
        "input_size": row.input_size,
        "repeat": row.repeat,
        "built_as": built_as,
        "built_stride": first.stride if first else None,
        "built_filter_shape": _filter_shape(first) if first else None,
        "built_input_size": _input_size(first) if first else None,
        "matches": matches,
        "mult_adds": mult_adds if first else None,
        "params": params if first else None,
        "mult_adds_pct": 100.0 * mult_adds / total_mult_adds if first else None,
        "params_pct": 100.0 * params / total_params if first else None,
    }


def table2(counted: Counted) -> PaperTable:
    """Table 2: share of mult-adds and of weights per layer type, measured beside printed (1.0 MobileNet-224)."""
    _, cost = counted("mobilenet-1.0-224", 1000)
    by_type = frames.by_type_frame(cost).set_index("type")
    rows = []
    for kind, (paper_ma, paper_w) in paper.TABLE2.items():
        row = _table2_row(paper.TABLE2_LABELS[kind], kind, by_type.loc[kind], paper_ma.value, paper_w.value)
        row["agrees"] = paper_ma.agrees(row["mult_adds_pct"]) and paper_w.agrees(row["weights_pct"])
        rows.append(row)
    total = by_type.sum(numeric_only=True)
    rows.append(_table2_row("Total", "all", total, sum(v[0].value for v in paper.TABLE2.values()),
                            sum(v[1].value for v in paper.TABLE2.values())))  # fmt: skip
    rows[-1]["agrees"] = None  # a sum, not a printed row
    frame = pd.DataFrame(rows)
    for key in ("mult_adds_pct", "weights_pct", "paper_mult_adds_pct", "paper_weights_pct",
                "mult_adds_diff_pp", "weights_diff_pp"):  # fmt: skip
        frame[key] = rounded(frame[key])
    compared = frame[frame["type"] != "all"].astype({"agrees": bool})
    columns = (
        word("label", "Type (paper)"),
        Column("mult_adds", "Mult-adds (M, measured)", millions(2)),
        Column("paper_mult_adds_pct", "Mult-adds % (paper)", fixed(2, "%")),
        Column("mult_adds_pct", "Mult-adds % (measured)", fixed(2, "%")),
        Column("mult_adds_diff_pp", "Δ (points)", signed(2, "")),
        Column("weights", "Params (measured)", fixed(0)),
        Column("paper_weights_pct", "Params % (paper)", fixed(2, "%")),
        Column("weights_pct", "Params % (measured)", fixed(2, "%")),
        Column("weights_diff_pp", "Δ (points)", signed(2, "")),
        word("agrees", "Agrees", yes_no),
    )
    notes = (
        f"Conv 3 × 3: {paper.TABLE2_NOTE}",
        "The Total row shows the transposition: the printed mult-add shares sum to "
        f"{sum(v[0].value for v in paper.TABLE2.values()):.2f}%, the measured ones to 100%.",
        "Params are conv and FC weight tensors only (no biases, no batch norm), as the printed shares are.",
    )
    source = (
        f"Shares printed in Table 2 of {paper.CITATION}, beside the shares measured by mnv1-bench on "
        f"`mobilenet-1.0-224`. {CONVENTION}. Agrees = both shares within 0.01 points (the printed precision)."
    )
    misses = tuple(compared.loc[~compared["agrees"], "label"])
    return PaperTable(2, paper.TITLES[2], source, frame, columns, notes, len(compared), misses)


def _table2_row(label: str, kind: str, measured: pd.Series, paper_ma: float, paper_w: float) -> dict:
    """Measured shares beside printed ones (percent); the caller adds whether they agree."""
    ma_pct, w_pct = float(measured["mult_adds_pct"]), float(measured["weights_pct"])
    return {
        "label": label,
        "type": kind,
        "mult_adds": int(measured["mult_adds"]),
        "weights": int(measured["weights"]),
        "paper_mult_adds_pct": paper_ma,
        "mult_adds_pct": ma_pct,
        "mult_adds_diff_pp": ma_pct - paper_ma,
        "paper_weights_pct": paper_w,
        "weights_pct": w_pct,
        "weights_diff_pp": w_pct - paper_w,
    }


def table3_rows() -> list[tuple[str, int, int]]:
    """Section 3's example layer, step by step: (label, mult-adds, params) from the closed-form costs."""
    s = paper.TABLE3_SETTING
    k, m, size = s["kernel"], s["channels"], s["size"]
    narrow = int(m * s["alpha"])  # 384 channels
    small = round(size * s["rho"])  # 14 x 0.714 = 10
    return [
        ("Convolution", formulas.conv_mult_adds(k, m, m, size), formulas.conv_params(k, m, m)),
        ("Depthwise Separable Conv", formulas.depthwise_separable_mult_adds(k, m, m, size),
         formulas.depthwise_separable_params(k, m, m)),
        ("α = 0.75", formulas.depthwise_separable_mult_adds(k, narrow, narrow, size),
         formulas.depthwise_separable_params(k, narrow, narrow)),
        ("ρ = 0.714", formulas.depthwise_separable_mult_adds(k, narrow, narrow, small),
         formulas.depthwise_separable_params(k, narrow, narrow)),
    ]  # fmt: skip


def table3() -> PaperTable:
    """Table 3: the paper's figures beside the closed-form counts of the same four layers."""
    rows = []
    for (label, paper_ma, paper_p), (ours, mult_adds, params) in zip(paper.TABLE3, table3_rows(), strict=True):
        if label != ours:
            raise AssertionError(f"Table 3 rows out of order: {label!r} vs {ours!r}")
        rows.append({
            "modification": label,
            "paper_mult_adds_m": paper_ma,
            "mult_adds": mult_adds,
            "mult_adds_diff_pct": diff_pct(mult_adds / 1e6, paper_ma),
            "paper_params_m": paper_p,
            "params": params,
            "params_diff_pct": diff_pct(params / 1e6, paper_p),
            "agrees": paper_ma.agrees(mult_adds / 1e6) and paper_p.agrees(params / 1e6),
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    for key in ("mult_adds_diff_pct", "params_diff_pct"):
        frame[key] = rounded(frame[key])
    columns = (
        word("modification", "Layer/Modification"),
        Column("paper_mult_adds_m", "Mult-adds (M, paper)", text),
        Column("mult_adds", "Mult-adds (M, computed)", millions(2)),
        Column("mult_adds_delta", "Δ (M)", value=delta("mult_adds", "paper_mult_adds_m")),
        Column("paper_params_m", "Params (M, paper)", text),
        Column("params", "Params (M, computed)", millions(4)),
        Column("params_delta", "Δ (M)", value=delta("params", "paper_params_m")),
        word("agrees", "Agrees", yes_no),
    )
    s = paper.TABLE3_SETTING
    source = (
        f"Figures printed in Table 3 of {paper.CITATION}, beside the closed-form counts of "
        f"`mnv1_bench.paper.formulas` (the paper's equations 1 to 5) for one layer with D_K = {s['kernel']}, "
        f"M = N = {s['channels']}, D_F = {s['size']}; each row adds to the one before. {CONVENTION}; params "
        f"are weights (no bias, no batch norm). {DELTA_TEXT}. Agrees = within one unit of the paper's last "
        "printed digit."
    )
    notes = (
        f"α = 0.75 gives {int(s['channels'] * s['alpha'])} channels; ρ = 0.714 gives D_F = "
        f"round({s['size']} × 0.714) = {round(s['size'] * s['rho'])}.",
    )
    misses = tuple(frame.loc[~frame["agrees"], "modification"])
    return PaperTable(3, paper.TITLES[3], source, frame, columns, notes, len(frame), misses)
