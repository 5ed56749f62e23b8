"""Table 8's question for any models: cost beside the paper's figures, and each model's ratio to a baseline.

Ratios are model / baseline, measured and from the paper's own printed figures, so a claim such as VGG16 being
"32 times smaller" than 1.0 MobileNet-224 is checked rather than repeated. The paper's parameter figures
are compared with ``weights`` (the weight tensors of conv, FC and attention layers, which is what the paper
counts); ``params`` keeps every learnable parameter.
"""

from __future__ import annotations

import pandas as pd

from mnv1_bench import paper
from mnv1_bench.counting import Cost, frames
from mnv1_bench.models.registry import ModelSpec
from mnv1_bench.tables.claims import QUANTITY_WORDS, times, verdict

FIELDS = (
    "model", "label", "input", "paper_row", "paper_top1", "paper_mult_adds_m", "mult_adds", "mult_adds_diff_pct",
    "paper_params_m", "params", "weights", "weights_diff_pct", "mult_adds_ratio", "paper_mult_adds_ratio",
    "weights_ratio", "paper_params_ratio", "agrees_with_paper", "note",
)  # fmt: skip


def _ratio(value: paper.Printed | None, base: paper.Printed | None) -> float | None:
    return None if value is None or base is None or not base.value else value.value / base.value


def compare_frame(measured: list[tuple[ModelSpec, Cost]]) -> pd.DataFrame:
    """One row per model, the first being the baseline; counts exact, ratios model / baseline.

    The paper's figures stay :class:`paper.Printed` (see frames.printed_values for JSON and CSV)."""
    # Only figures printed for this very network (same classes) are compared: see frames.summary_row.
    summaries = [frames.summary_row(spec, cost) for spec, cost in measured]
    base, base_cost = summaries[0], measured[0][1]
    rows = []
    for (spec, cost), summary in zip(measured, summaries, strict=True):
        printed = spec.paper_row()
        rows.append({
            **summary,
            "paper_top1": printed.accuracy if printed else None,
            "mult_adds_ratio": cost.mult_adds / base_cost.mult_adds,
            "paper_mult_adds_ratio": _ratio(summary["paper_mult_adds_m"], base["paper_mult_adds_m"]),
            "weights_ratio": cost.weights / base_cost.weights,
            "paper_params_ratio": _ratio(summary["paper_params_m"], base["paper_params_m"]),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=list(FIELDS))


def claim_notes(frame: pd.DataFrame, measured: list[tuple[ModelSpec, Cost]]) -> list[str]:
    """The paper's text claims about these models against this baseline, each checked against the ratios."""
    base_row = measured[0][0].paper_row()
    notes = []
    for (spec, _), record in zip(measured, frame.to_dict("records"), strict=True):
        printed = spec.paper_row()
        if printed is None or base_row is None:
            continue
        for claim in paper.CLAIMS:
            if claim.model != printed.label or claim.baseline != base_row.label:
                continue
            ratio = record["weights_ratio" if claim.quantity == "params" else "mult_adds_ratio"]
            notes.append(
                f"Table {claim.table}'s text: {claim.baseline} is '{claim.quote}' than {claim.model}. Measured "
                f"{QUANTITY_WORDS[claim.quantity]} ratio {times(ratio)}: {verdict(claim, ratio)}."
            )
    return notes
