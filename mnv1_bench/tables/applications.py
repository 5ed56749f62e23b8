"""Tables 11 to 14: the cost columns of the paper's applications, each printed row beside the network built
for it (MobileNet with PlaNet's, an attribute or an embedding head; Table 13's nine detectors).

The quality columns (geolocation, mean AP, COCO mAP, 1e-4 accuracy) need the authors' data and trained weights:
they are cited. Rows that are only cited (the face baseline, FaceNet) show no measured figures.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from mnv1_bench import paper
from mnv1_bench.counting import Cost
from mnv1_bench.paper import applications as apps
from mnv1_bench.tables.base import (
    Column,
    PaperTable,
    delta,
    diff_pct,
    fixed,
    missing,
    printed_delta,
    rounded,
    text,
    word,
    yes_no,
)
from mnv1_bench.tables.costs import Counted

APPLICATION_TABLES = (11, 12, 13, 14)
CONVENTION = "mult-adds = multiply-accumulates of conv and FC layers (the paper's convention; FLOPs = 2 x mult-adds)"
PART = {"all": "", "body": ", without its last FC", "last": ", its last FC alone"}


def required_models() -> list[tuple[str, int]]:
    """Every (model, classes) Tables 11 to 14 count, in table order, each once."""
    return list(dict.fromkeys((row.model, row.classes) for row in apps.ROWS if row.model is not None))


def part_counts(cost: Cost, part: str) -> tuple[int, int]:
    """(mult-adds, conv and FC weights) of the whole network, of all but its last FC, or of that FC alone."""
    last = cost.layers[-1]
    if part != "all" and last.type != "FC":
        raise ValueError(f"the network ends in {last.type}, not an FC layer")
    if part == "last":
        return last.mult_adds, last.weights
    if part == "body":
        return cost.mult_adds - last.mult_adds, cost.weights - last.weights
    return cost.mult_adds, cost.weights


def built_as(row: apps.AppRow) -> str:
    if row.model is None:
        return "cited, not built"
    classes = f", {row.classes:,} outputs" if row.classes != 1000 else ""
    return f"{row.model}{classes}{PART[row.part]}"


def row_names(rows: list[apps.AppRow]) -> list[str]:
    """How the notes name each row: its label, with its position where the paper prints a label twice."""
    labels = [row.label for row in rows]
    return [label if labels.count(label) == 1 else f"{label} (row {i})" for i, label in enumerate(labels, start=1)]


def app_row(row: apps.AppRow, counted: Counted) -> dict:
    """One printed row beside its measured counts (exact integers) and whether they agree."""
    unit = apps.UNIT[row.table]
    mult_adds = weights = None
    if row.model is not None:
        _, cost = counted(row.model, row.classes)
        mult_adds, weights = part_counts(cost, row.part)
    ma_agree = None if mult_adds is None or row.mult_adds is None else row.mult_adds.agrees(mult_adds / unit)
    w_agree = None if weights is None or row.params is None else row.params.agrees(weights / 1e6)
    checked = [a for a in (ma_agree, w_agree) if a is not None]
    return {
        "label": row.label,
        "model": built_as(row),
        "quality": row.quality,
        "paper_mult_adds": row.mult_adds,
        "mult_adds": mult_adds,
        "mult_adds_diff_pct": diff_pct(mult_adds / unit, row.mult_adds) if mult_adds is not None else None,
        "paper_params_m": row.params,
        "weights": weights,
        "params_diff_pct": diff_pct(weights / 1e6, row.params) if weights is not None else None,
        "mult_adds_agree": ma_agree,
        "params_agree": w_agree,
        "agrees": all(checked) if checked else None,
        "note": " ".join(row.notes),
    }


def application_table(table: int, counted: Counted) -> PaperTable:
    """Table 11, 12, 13 or 14: quality (cited), mult-adds and params (printed, measured, difference), agreement."""
    rows = apps.rows_of(table)
    frame = pd.DataFrame([app_row(row, counted) for row in rows])
    for key in ("mult_adds", "weights"):
        frame[key] = frame[key].astype("Int64")
    for key in ("mult_adds_diff_pct", "params_diff_pct"):
        frame[key] = rounded(frame[key])
    unit = "B" if apps.UNIT[table] == apps.BILLION else "M"
    columns = [word("label", "Model (paper)"), word("model", "Built as")]
    if apps.QUALITY[table]:
        columns.append(Column("quality", f"{apps.QUALITY[table]} (paper)", text))
    columns += [
        Column("paper_mult_adds", f"Mult-adds ({unit}, paper)", text),
        Column("mult_adds", f"Mult-adds ({unit}, measured)", _scaled(apps.UNIT[table], 3 if unit == "B" else 1)),
        Column(
            "mult_adds_delta", f"Δ mult-adds ({unit})", value=delta("mult_adds", "paper_mult_adds", apps.UNIT[table])
        ),
        Column("paper_params_m", "Params (M, paper)", text),
        Column("weights", "Params (M, measured)", _scaled(1e6, 3)),
        Column("params_delta", "Δ params (M)", value=delta("weights", "paper_params_m")),
        word("agrees", "Agrees", yes_no),
    ]
    compared = frame[frame["agrees"].notna()]
    names = pd.Series(row_names(rows), index=frame.index)
    misses = tuple(names[frame["agrees"].notna() & (frame["agrees"] == False)])  # noqa: E712 (object column)
    return PaperTable(table, paper.TITLES[table], _source(table), frame, tuple(columns), _notes(table, rows, frame),
                      len(compared), misses)  # fmt: skip


def _scaled(unit: float, digits: int) -> Callable[[object], str]:
    return lambda v: "-" if missing(v) else fixed(digits)(int(v) / unit)


def _source(table: int) -> str:
    quality = apps.QUALITY[table] or "geolocation accuracy"
    lines = [
        f"Printed figures and {quality} cited from Table {table} of {paper.CITATION} ({quality} cannot be "
        "measured here: no dataset, no trained weights). Mult-adds and params measured by mnv1-bench on "
        f"the networks named under 'Built as': {CONVENTION}; params = conv and FC weights, the paper's convention. "
        "Δ = measured - paper in the printed unit, to one digit more than the paper prints. Agrees = every "
        "printed figure of the row within one unit of its last "
        "printed digit."
    ]
    if table == 11:
        lines.append("The cost figures are the text's (Section 4.4); Table 11 itself prints accuracy only.")
    if table == 13:
        lines.append(
            "Inputs are square: 300x300 (SSD 300, Faster-RCNN 300) and 600x600 (Faster-RCNN 600), which the "
            "printed figures match. Faster R-CNN's box classifier is counted on one proposal crop and its mult-adds "
            "multiplied by the 300 proposals (its cost is linear in the number of crops; its weights count once); "
            "crop_and_resize, anchors and non-maximum suppression cost no mult-adds in the paper's convention."
        )
    return " ".join(lines)


def _notes(table: int, rows: list[apps.AppRow], frame: pd.DataFrame) -> tuple[str, ...]:
    """Each difference beyond the paper's rounding in figures, then each reason once, with the rows it covers."""
    notes: list[str] = []
    names = row_names(rows)
    for name, record in zip(names, frame.to_dict("records"), strict=True):
        misses = _misses(record, apps.UNIT[table])
        if misses:
            notes.append(f"**{name}**: {'; '.join(misses)}.")
    reasons: dict[str, list[str]] = {}
    for name, row in zip(names, rows, strict=True):
        for note in row.notes:
            reasons.setdefault(note, []).append(name)
    for note, labelled in reasons.items():
        notes.append(f"{', '.join(labelled)}: {note}")
    if table == 11:
        cited = "; ".join(f"{scale}: {a}, {b}, {c}" for scale, a, b, c in apps.TABLE11_ACCURACY)
        notes.append(
            f"Cited accuracy (share of Im2GPS within each distance; Im2GPS, PlaNet, PlaNet MobileNet): {cited}."
        )
    return tuple(notes)


def _misses(record: dict, unit: float) -> list[str]:
    misses = []
    if record["mult_adds_agree"] is False:
        shown = "B" if unit == apps.BILLION else "M"
        measured, printed = int(record["mult_adds"]) / unit, record["paper_mult_adds"]
        misses.append(f"mult-adds measured {measured:,.3f}{shown} vs printed {printed}, "
                      f"{_difference(measured, printed, shown, record['mult_adds_diff_pct'])}")  # fmt: skip
    if record["params_agree"] is False:
        measured, printed = int(record["weights"]) / 1e6, record["paper_params_m"]
        misses.append(f"params measured {measured:,.3f}M vs printed {printed}, "
                      f"{_difference(measured, printed, 'M', record['params_diff_pct'])}")  # fmt: skip
    return misses


def _difference(measured: float, printed: paper.Printed, unit: str, pct: float) -> str:
    """ "+1.3M (+0.027%)": the difference in the printed unit, and relative to the printed figure."""
    return f"{printed_delta(measured, printed)}{unit} ({pct:+.2g}%)"
