"""The ratios the paper's text claims ("32 times smaller"), checked against measured counts.

A ratio is the model's count over the baseline's: parameters in the paper's convention (conv and FC weights)
or mult-adds (1000-class classifiers). The paper's own ratio, from its printed figures, is shown beside it.
"""

from __future__ import annotations

from mnv1_bench import paper
from mnv1_bench.counting import Cost
from mnv1_bench.formatting import ratio as ratio_text
from mnv1_bench.tables.costs import Counted

QUANTITY_WORDS = {"params": "params", "mult_adds": "mult-adds"}
times = ratio_text()  # 46.2x, 2.78x: three significant figures, as every ratio column shows them


def measured_quantity(cost: Cost, quantity: str) -> int:
    """The count a ratio compares: conv and FC weights for "params", mult-adds for "mult_adds"."""
    return cost.weights if quantity == "params" else cost.mult_adds


def paper_ratio(claim: paper.Claim) -> float:
    model, base = paper.find(claim.table, claim.model), paper.find(claim.table, claim.baseline)
    attr = "params" if claim.quantity == "params" else "mult_adds"
    return getattr(model, attr).value / getattr(base, attr).value


BORNE_OUT, EXCEEDED, NOT_BORNE_OUT = "borne out", "exceeded", "not borne out"


def state(claim: paper.Claim, ratio: float) -> str:
    """borne out (at the claim's printed precision, or above a "more than" bound); exceeded (the measured
    advantage is larger than claimed); not borne out (smaller). Ratios are model / baseline, so larger is a
    larger advantage for the baseline."""
    if paper.claim_holds(claim, ratio):
        return BORNE_OUT
    return EXCEEDED if ratio > claim.factor.value and not claim.at_least else NOT_BORNE_OUT


def verdict(claim: paper.Claim, ratio: float) -> str:
    """The claim's state in the words every table and command uses."""
    found = state(claim, ratio)
    if found == EXCEEDED:
        return f"exceeded: the measured advantage is larger than the claimed {claim.factor}x"
    if found == NOT_BORNE_OUT:
        return f"not borne out: the measured advantage is smaller than the claimed {claim.factor}x"
    if claim.at_least:
        return f"borne out: more than {claim.factor}x, as claimed"
    return f"borne out at the claim's printed precision ({claim.factor}x)"


def check(claim: paper.Claim, counted: Counted) -> dict:
    """One claim: measured ratio, the paper's own ratio, and whether the measurement bears the claim out."""
    model_row, base_row = paper.find(claim.table, claim.model), paper.find(claim.table, claim.baseline)
    _, model = counted(model_row.model, model_row.classes)
    _, base = counted(base_row.model, base_row.classes)
    ratio = measured_quantity(model, claim.quantity) / measured_quantity(base, claim.quantity)
    return {
        "table": claim.table,
        "model": claim.model,
        "baseline": claim.baseline,
        "quantity": claim.quantity,
        "quote": claim.quote,
        "measured_ratio": ratio,
        "paper_ratio": paper_ratio(claim),
        "state": state(claim, ratio),
        "verdict": verdict(claim, ratio),
    }


def sentence(result: dict) -> str:
    """One line for a table's or a command's notes."""
    return (
        f"The text says {result['baseline']} is '{result['quote']}' than {result['model']}: measured "
        f"{QUANTITY_WORDS[result['quantity']]} ratio {result['model']} / {result['baseline']} = "
        f"{times(result['measured_ratio'])} (the paper's own figures give {times(result['paper_ratio'])}): "
        f"{result['verdict']}."
    )


def claims_of(table: int) -> list[paper.Claim]:
    return [claim for claim in paper.CLAIMS if claim.table == table]
