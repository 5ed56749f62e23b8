"""Tables 4 to 10: each printed row beside the network built for it, with the difference and its reason.

Parameters are compared in the paper's convention, conv and FC weights only (the CSV also carries every
learnable parameter, batch norm included, as ``params``). Table 10 is counted with the 120-class Stanford Dogs
classifier; its printed mult-adds are the 1000-class figures, so they are compared with the 1000-class count.
"""

from __future__ import annotations

import pandas as pd

from mnv1_bench import paper
from mnv1_bench.tables import claims
from mnv1_bench.tables.base import (
    DELTA_TEXT,
    Column,
    PaperTable,
    accuracy,
    delta,
    diff_pct,
    millions,
    printed_delta,
    rounded,
    text,
    word,
    yes_no,
)
from mnv1_bench.tables.costs import Counted

COMPARED_TABLES = (4, 5, 6, 7, 8, 9, 10)


def required_models() -> list[tuple[str, int]]:
    """Every (model, classes) Tables 1 to 10 count, in table order, each once."""
    keys = [("mobilenet-1.0-224", 1000)]
    for table in COMPARED_TABLES:
        for row in paper.rows_of(table):
            keys += [(row.model, row.classes), (row.model, row.mult_adds_classes)]
    return list(dict.fromkeys(keys))


def compare_row(row: paper.PaperRow, counted: Counted) -> dict:
    """One printed row beside its measured counts (exact integers) and whether they agree.

    Each printed figure is compared with a count of the network it describes: params at ``row.classes``,
    mult-adds at ``row.mult_adds_classes`` (Table 10 copies the 1000-class mult-adds of Tables 6 and 7).
    """
    spec, cost = counted(row.model, row.classes)
    _, cost_ma = counted(row.model, row.mult_adds_classes)
    ma_agrees = row.mult_adds.agrees(cost_ma.mult_adds / 1e6)
    w_agrees = row.params.agrees(cost.weights / 1e6)
    return {
        "label": row.label,
        "model": spec.name,
        "classes": row.classes,
        "paper_top1": row.accuracy,
        "paper_mult_adds_m": row.mult_adds,
        "mult_adds": cost.mult_adds,
        "mult_adds_1000": cost_ma.mult_adds,
        "mult_adds_diff_pct": diff_pct(cost_ma.mult_adds / 1e6, row.mult_adds),
        "paper_params_m": row.params,
        "weights": cost.weights,
        "params": cost.params,
        "params_diff_pct": diff_pct(cost.weights / 1e6, row.params),
        "mult_adds_agree": ma_agrees,
        "params_agree": w_agrees,
        "agrees": ma_agrees and w_agrees,
        "note": row.note,
    }


def comparison_table(table: int, counted: Counted) -> PaperTable:
    """Tables 4 to 10: accuracy (cited), mult-adds and params (printed, measured, difference), agreement."""
    rows = [compare_row(row, counted) for row in paper.rows_of(table)]
    frame = pd.DataFrame(rows)
    if table != 10:
        frame = frame.drop(columns="mult_adds_1000")
    for key in ("mult_adds_diff_pct", "params_diff_pct"):
        frame[key] = rounded(frame[key])
    dataset = "Stanford Dogs" if table == 10 else "ImageNet"
    columns = [
        word("label", "Model (paper)"),
        word("model", "Built as"),
        Column("paper_top1", f"{dataset} top-1 (paper)", accuracy),
        Column("paper_mult_adds_m", "Mult-adds (M, paper)", text),
    ]
    if table == 10:
        columns += [Column("mult_adds", "Mult-adds (M, measured, 120 classes)", millions(1)),
                    Column("mult_adds_1000", "Mult-adds (M, measured, 1000 classes)", millions(1))]  # fmt: skip
    else:
        columns.append(Column("mult_adds", "Mult-adds (M, measured)", millions(1)))
    measured_mult_adds = "mult_adds_1000" if table == 10 else "mult_adds"
    columns += [
        Column("mult_adds_delta", "Δ mult-adds (M)", value=delta(measured_mult_adds, "paper_mult_adds_m")),
        Column("paper_params_m", "Params (M, paper)", text),
        Column("weights", "Params (M, measured)", millions(3)),
        Column("params_delta", "Δ params (M)", value=delta("weights", "paper_params_m")),
        word("agrees", "Agrees", yes_no),
    ]
    misses = tuple(frame.loc[~frame["agrees"], "label"])
    notes = _notes(table, frame) + tuple(claims.sentence(claims.check(c, counted)) for c in claims.claims_of(table))
    return PaperTable(table, paper.TITLES[table], _source(table), frame, tuple(columns), notes,
                      len(frame), misses)  # fmt: skip


def _source(table: int) -> str:
    classes = "the 120-class Stanford Dogs classifier" if table == 10 else "the 1000-class ImageNet classifier"
    return (
        f"Accuracy and printed figures cited from Table {table} of {paper.CITATION} (accuracy cannot be measured "
        f"here: no dataset, no trained weights). Mult-adds and params measured by mnv1-bench on the "
        f"networks named under 'Built as', with {classes}: mult-adds = multiply-accumulates of conv and FC layers "
        "(FLOPs = 2 x mult-adds); params = conv and FC weights, the paper's convention (the CSV's `params` column "
        f"has every learnable parameter). {DELTA_TEXT}. Agrees = mult-adds and params both "
        "within one unit of the paper's last printed digit."
    )


def _notes(table: int, frame: pd.DataFrame) -> tuple[str, ...]:
    """Every difference beyond the paper's rounding with its reason; reasons shared by rows are given once."""
    notes: list[str] = []
    if table == 10:
        notes.append(
            f"{paper.TABLE10_NOTE} So the printed mult-adds are compared with the 1000-class count and the printed "
            "params with the 120-class count."
        )
    for record in frame.to_dict("records"):
        reason = record["note"] if record["note"] != paper.TABLE10_NOTE else ""
        misses = _misses(record)
        if not misses and not reason:
            continue
        if misses and not reason:
            reason = "No known reason: this difference is unexplained."
        lead = f"**{record['label']}**" + (f" ({'; '.join(misses)})" if misses else "")
        notes.append(f"{lead}: {reason}")
    return tuple(notes)


def _misses(record: dict) -> list[str]:
    """The measured-vs-printed differences of one row that exceed the paper's rounding, in words."""
    misses = []
    if not record["mult_adds_agree"]:
        measured, printed = record.get("mult_adds_1000", record["mult_adds"]), record["paper_mult_adds_m"]
        misses.append(f"mult-adds measured {measured / 1e6:,.1f}M vs printed {printed}, "
                      f"{_difference(measured, printed, record['mult_adds_diff_pct'])}")  # fmt: skip
    if not record["params_agree"]:
        measured, printed = record["weights"], record["paper_params_m"]
        misses.append(f"params measured {measured / 1e6:,.3f}M vs printed {printed}, "
                      f"{_difference(measured, printed, record['params_diff_pct'])}")  # fmt: skip
    return misses


def _difference(measured: int, printed: paper.Printed, pct: float) -> str:
    """ "+1.3M (+0.027%)": the difference in the printed unit, and relative to the printed figure."""
    return f"{printed_delta(measured / 1e6, printed)}M ({pct:+.2g}%)"
