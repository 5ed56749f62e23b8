"""The ratios the paper's text claims ("32 times smaller"), checked against measured counts.

A ratio is the model's count over the baseline's: parameters in the paper's convention (conv and FC weights)
or mult-adds (1000-class classifiers). The paper's own ratio, from its printed figures, is shown beside it.
"""

from __future__ import annotations

from collections.abc import Callable

from mnv1_bench import paper
from mnv1_bench.counting import Cost
from mnv1_bench.registry import ModelSpec

Measure = Callable[[str, int], tuple[ModelSpec, Cost]]
QUANTITY_WORDS = {"params": "params", "mult_adds": "mult-adds"}


def measured_quantity(cost: Cost, quantity: str) -> int:
    """The count a ratio compares: conv and FC weights for "params", mult-adds for "mult_adds"."""
    return cost.weights if quantity == "params" else cost.mult_adds


def paper_ratio(claim: paper.Claim) -> float:
    model, base = paper.find(claim.table, claim.model), paper.find(claim.table, claim.baseline)
    attr = "params" if claim.quantity == "params" else "mult_adds"
    return getattr(model, attr) / getattr(base, attr)


def check(claim: paper.Claim, measure: Measure) -> dict:
    """One claim: measured ratio, the paper's own ratio, and whether the measurement bears the claim out."""
    model_row, base_row = paper.find(claim.table, claim.model), paper.find(claim.table, claim.baseline)
    _, model = measure(model_row.model, model_row.classes)
    _, base = measure(base_row.model, base_row.classes)
    ratio = measured_quantity(model, claim.quantity) / measured_quantity(base, claim.quantity)
    return {
        "table": claim.table,
        "model": claim.model,
        "baseline": claim.baseline,
        "quantity": claim.quantity,
        "quote": claim.quote,
        "measured_ratio": ratio,
        "paper_ratio": paper_ratio(claim),
        "holds": paper.claim_holds(claim, ratio),
    }


def sentence(result: dict) -> str:
    """One line for a table's or a command's notes."""
    verdict = "borne out" if result["holds"] else "not borne out"
    return (
        f"The text says {result['baseline']} is '{result['quote']}' than {result['model']}: measured "
        f"{QUANTITY_WORDS[result['quantity']]} ratio {result['model']} / {result['baseline']} = "
        f"{result['measured_ratio']:.1f}x (the paper's own figures give {result['paper_ratio']:.1f}x): {verdict} "
        "at the claim's printed precision."
    )


def claims_of(table: int) -> list[paper.Claim]:
    return [claim for claim in paper.CLAIMS if claim.table == table]
