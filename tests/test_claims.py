"""The text's "N times" claims: each verdict on both sides of its edges, its sentence, and the paper's own claims
checked against measured counts."""

from __future__ import annotations

import pytest

from mnv1_bench import paper
from mnv1_bench.tables.claims import BORNE_OUT, EXCEEDED, NOT_BORNE_OUT, sentence, state, verdict


def claim(factor: str, at_least: bool = False) -> paper.Claim:
    factor_printed = paper.Printed(factor, paper.TIMES)
    return paper.Claim(8, "VGG 16", "1.0 MobileNet-224", "params", factor_printed, "x times smaller", at_least=at_least)


# Ratios are model / baseline: above the claimed factor (beyond its printed precision) the baseline's advantage is
# larger than claimed ("exceeded"), below it smaller ("not borne out"); a "more than" claim is never exceeded.
@pytest.mark.parametrize(
    ("factor", "at_least", "ratio", "expected"),
    [
        ("32", False, 32.0, BORNE_OUT), ("32", False, 31.05, BORNE_OUT), ("32", False, 32.95, BORNE_OUT),
        ("32", False, 30.95, NOT_BORNE_OUT), ("32", False, 33.05, EXCEEDED),  # "about 32": not 31 or 33
        ("9.4", False, 9.31, BORNE_OUT), ("9.4", False, 9.49, BORNE_OUT),
        ("9.4", False, 9.29, NOT_BORNE_OUT), ("9.4", False, 9.51, EXCEEDED),
        ("45", False, 46.2, EXCEEDED), ("45", False, 45.9, BORNE_OUT), ("45", False, 43.9, NOT_BORNE_OUT),
        ("2.5", True, 2.51, BORNE_OUT), ("2.5", True, 40.0, BORNE_OUT),  # "more than 2.5 times": any ratio above
        ("2.5", True, 2.5, NOT_BORNE_OUT), ("2.5", True, 2.45, NOT_BORNE_OUT),
    ],
)  # fmt: skip
def test_claim_verdicts(factor, at_least, ratio, expected):
    assert paper.claim_holds(claim(factor, at_least), ratio) is (expected == BORNE_OUT)
    assert state(claim(factor, at_least), ratio) == expected


@pytest.mark.parametrize(
    ("ratio", "at_least", "printed", "words"),
    [
        (22.2, False, "22.2x", ": borne out at the claim's printed precision (22x)."),
        (22.0, True, "22.0x", ": not borne out: the measured advantage is smaller than the claimed 22x."),
        (22.1, True, "22.1x", ": borne out: more than 22x, as claimed."),
        (23.0, False, "23.0x", ": exceeded: the measured advantage is larger than the claimed 22x."),
        (10.66, False, "10.7x", ": not borne out: the measured advantage is smaller than the claimed 22x."),
    ],
)  # fmt: skip
def test_claim_sentence_says_its_verdict(ratio, at_least, printed, words):
    said = verdict(claim("22", at_least), ratio)
    result = {"baseline": "B", "model": "M", "quote": "q", "quantity": "mult_adds", "measured_ratio": ratio,
              "paper_ratio": 22.37, "verdict": said}  # fmt: skip
    text = sentence(result)
    assert text.endswith(words), text
    assert text.startswith(f"The text says B is 'q' than M: measured mult-adds ratio M / B = {printed}")
    assert "(the paper's own figures give 22.4x)" in text


def test_the_papers_claims_verdicts(counted):
    """Measured from the counts: AlexNet's weights over 0.50 MobileNet-160's are 60.95M / 1.32M = 46.2, more than
    the "45x" claimed at its printed precision (exceeded), and SqueezeNet's "22x" compares FLOPs with mult-adds
    (10.7x: not borne out); the others are borne out."""
    names = {"VGG 16": "vgg16", "GoogleNet": "googlenet", "AlexNet": "alexnet", "Squeezenet": "squeezenet",
             "1.0 MobileNet-224": "mobilenet", "0.50 MobileNet-160": "mobilenet-0.5-160"}  # fmt: skip
    states = {}
    for c in paper.CLAIMS:
        model, base = counted(names[c.model])[1], counted(names[c.baseline])[1]
        ratio = (model.weights / base.weights) if c.quantity == "params" else (model.mult_adds / base.mult_adds)
        states[(c.model, c.quantity)] = state(c, ratio)
    assert {k: v for k, v in states.items() if v != BORNE_OUT} == {
        ("AlexNet", "params"): EXCEEDED, ("Squeezenet", "mult_adds"): NOT_BORNE_OUT}  # fmt: skip
    assert len(states) == len(paper.CLAIMS) >= 4
