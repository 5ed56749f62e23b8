"""Every MobileNet row of Tables 4 to 10 agrees with the paper at the precision it was printed with."""

from __future__ import annotations

import dataclasses
from decimal import InvalidOperation

import pytest

from mnv1_bench import paper

# (table, printed label) -> registry name
MOBILENET_ROWS = {
    (4, "Conv MobileNet"): "conv-mobilenet",
    (4, "MobileNet"): "mobilenet",
    (5, "0.75 MobileNet"): "mobilenet-0.75-224",
    (5, "Shallow MobileNet"): "shallow-mobilenet",
    **{(t, r.label): r.label for t in (6, 7) for r in paper.rows_of(t)},
    (9, "0.50 MobileNet-160"): "mobilenet-0.5-160",
}


@pytest.mark.parametrize(("table", "label"), MOBILENET_ROWS)
def test_imagenet_rows(counted, table, label):
    row = paper.find(table, label)
    _, cost = counted(MOBILENET_ROWS[(table, label)])
    if label == "Conv MobileNet":  # printed without the FC layer: see paper.CONV_MOBILENET_NOTE
        assert row.mult_adds.agrees((cost.mult_adds - cost.layers[-1].mult_adds) / 1e6)
        assert not row.mult_adds.agrees(cost.mult_adds / 1e6)
    else:
        assert row.mult_adds.agrees(cost.mult_adds / 1e6)
    assert row.params.agrees(cost.weights / 1e6)  # the paper counts weights only


@pytest.mark.parametrize("row", [r for r in paper.rows_of(10) if "MobileNet" in r.label], ids=lambda r: r.label)
def test_stanford_dogs_rows(counted, row):
    """Table 10 prints 120-class parameters but the 1000-class mult-adds (see paper.TABLE10_NOTE)."""
    _, dogs = counted(row.label, 120)
    _, imagenet = counted(row.label, 1000)
    assert row.params.agrees(dogs.weights / 1e6)
    assert row.mult_adds.agrees(imagenet.mult_adds / 1e6)
    fc_in = dogs.layers[-1].in_shape[0]
    assert imagenet.mult_adds - dogs.mult_adds == fc_in * 880


def test_table2_shares(counted):
    from mnv1_bench.counting.frames import by_type_frame

    _, cost = counted("mobilenet")
    shares = by_type_frame(cost).set_index("type")
    for layer_type, (mult_adds_pct, weights_pct) in paper.TABLE2.items():
        assert round(shares.loc[layer_type, "weights_pct"], 2) == weights_pct.value
        if layer_type != "Conv 3x3":
            assert round(shares.loc[layer_type, "mult_adds_pct"], 2) == mult_adds_pct.value
    assert round(shares.loc["Conv 3x3", "mult_adds_pct"], 2) == 1.91  # printed as 1.19: a transposition


def test_reference_differences_carry_a_reason(counted):
    for name in ("googlenet", "squeezenet", "alexnet", "inception-v3"):
        (row,) = paper.rows_for(name)
        _, cost = counted(name, row.classes)
        _, ma = counted(name, row.mult_adds_classes)
        if not (row.mult_adds.agrees(ma.mult_adds / 1e6) and row.params.agrees(cost.weights / 1e6)):
            assert row.note, f"{name} differs from the paper without a note"


def test_a_printed_figure_keeps_its_text_unit_and_last_digit():
    """Table 6 prints 1.0 MobileNet-224 as 569 million mult-adds and 4.2 million params."""
    row = paper.find(6, "1.0 MobileNet-224")
    assert row.mult_adds == paper.Printed("569", paper.MILLION_MULT_ADDS)
    params = row.params
    assert (params.text, params.unit, params.value, str(params)) == ("4.2", "million params", 4.2, "4.2")
    assert row.params.resolution == pytest.approx(0.1) and row.mult_adds.resolution == 1
    assert paper.find(9, "0.50 MobileNet-160").params.resolution == pytest.approx(0.01)  # "1.32"
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.params.text = "4.3"  # type: ignore[misc]
    with pytest.raises(InvalidOperation):
        paper.Printed("4,2", paper.MILLION_PARAMS)


def test_a_printed_figure_agrees_within_one_unit_of_its_last_digit():
    mult_adds = paper.Printed("569", paper.MILLION_MULT_ADDS)
    assert mult_adds.agrees(568.7) and mult_adds.delta(568.7) == pytest.approx(-0.3)
    assert not mult_adds.agrees(567.9) and not mult_adds.agrees(570.1)  # more than one unit away
    assert paper.Printed("290", paper.MILLION_MULT_ADDS).agrees(290.7)  # the paper truncates 290.7 to 290
    conv_mobilenet = paper.Printed("4866", paper.MILLION_MULT_ADDS)
    assert not conv_mobilenet.agrees(4867.3) and conv_mobilenet.delta(4867.3) == pytest.approx(1.3)
    params = paper.Printed("1.32", paper.MILLION_PARAMS)  # 0.50 MobileNet-160: weights only
    assert params.agrees(1.3196) and not params.agrees(1.3316)  # with batch norm and biases: 1.3316M
    assert paper.Printed("4.2", paper.MILLION_PARAMS).agrees(4.209) and not paper.Printed("4.2", "").agrees(4.31)


@pytest.mark.parametrize(
    ("printed", "unit"), [("569", 1.0), ("1700", 1.0), ("4.2", 0.1), ("1.32", 0.01), ("0.5", 0.1), ("29.3", 0.1)]
)
def test_resolution_is_one_in_the_last_printed_digit(printed, unit):
    assert paper.Printed(printed, paper.MILLION_MULT_ADDS).resolution == pytest.approx(unit)


# One unit of the last printed digit either side: just inside agrees, just outside does not, on both sides.
@pytest.mark.parametrize(
    ("printed", "measured", "ok"),
    [
        ("569", 569.0, True), ("569", 568.05, True), ("569", 569.95, True),
        ("569", 567.95, False), ("569", 570.05, False), ("569", 568.0, False), ("569", 570.0, False),
        ("4.2", 4.2, True), ("4.2", 4.105, True), ("4.2", 4.295, True), ("4.2", 4.095, False), ("4.2", 4.305, False),
        ("1.32", 1.3105, True), ("1.32", 1.3295, True), ("1.32", 1.3095, False), ("1.32", 1.3305, False),
        ("0.5", 0.45, True), ("0.5", 0.395, False), ("0.5", 0.605, False),
    ],
)  # fmt: skip
def test_agreement_within_one_unit_of_the_last_printed_digit(printed, measured, ok):
    assert paper.Printed(printed, paper.MILLION_MULT_ADDS).agrees(measured) is ok
