"""Every MobileNet row of Tables 4 to 10 agrees with the paper at the precision it was printed with."""

from __future__ import annotations

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
        assert paper.agrees((cost.mult_adds - cost.layers[-1].mult_adds) / 1e6, row.mult_adds_m)
        assert not paper.agrees(cost.mult_adds / 1e6, row.mult_adds_m)
    else:
        assert paper.agrees(cost.mult_adds / 1e6, row.mult_adds_m)
    assert paper.agrees(cost.weights / 1e6, row.params_m)  # the paper counts weights only


@pytest.mark.parametrize("row", [r for r in paper.rows_of(10) if "MobileNet" in r.label], ids=lambda r: r.label)
def test_stanford_dogs_rows(counted, row):
    """Table 10 prints 120-class parameters but the 1000-class mult-adds (see paper.TABLE10_NOTE)."""
    _, dogs = counted(row.label, 120)
    _, imagenet = counted(row.label, 1000)
    assert paper.agrees(dogs.weights / 1e6, row.params_m)
    assert paper.agrees(imagenet.mult_adds / 1e6, row.mult_adds_m)
    fc_in = dogs.layers[-1].in_shape[0]
    assert imagenet.mult_adds - dogs.mult_adds == fc_in * 880


def test_table2_shares(counted):
    from mnv1_bench.counting.frames import by_type_frame

    _, cost = counted("mobilenet")
    shares = by_type_frame(cost).set_index("type")
    for layer_type, (mult_adds_pct, weights_pct) in paper.TABLE2.items():
        assert round(shares.loc[layer_type, "weights_pct"], 2) == weights_pct
        if layer_type != "Conv 3x3":
            assert round(shares.loc[layer_type, "mult_adds_pct"], 2) == mult_adds_pct
    assert round(shares.loc["Conv 3x3", "mult_adds_pct"], 2) == 1.91  # printed as 1.19: a transposition


def test_reference_differences_carry_a_reason(counted):
    for name in ("googlenet", "squeezenet", "alexnet", "inception-v3"):
        (row,) = paper.rows_for(name)
        _, cost = counted(name, row.classes)
        _, ma = counted(name, row.mult_adds_classes)
        if not (paper.agrees(ma.mult_adds / 1e6, row.mult_adds_m) and paper.agrees(cost.weights / 1e6, row.params_m)):
            assert row.note, f"{name} differs from the paper without a note"
