"""The MobileNet paper's published numbers (Howard et al. 2017, arXiv 1704.04861 v1), as data.

Accuracy cannot be measured here (no ImageNet, no trained weights): it is always cited from the paper.
Mult-adds and parameters are printed in millions, rounded; :func:`agrees` says whether a measured count
matches a printed figure at the precision it was printed with. The paper's parameters are conv and FC weights
only: its 1.32M for 0.50 MobileNet-160 is the weights-only 1.3196M (with BN and biases it would be 1.33M).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

CITATION = "Howard et al. 2017, MobileNets, arXiv 1704.04861"


@dataclass(frozen=True)
class PaperRow:
    table: int
    label: str  # the row label exactly as printed
    accuracy: float | None  # percent, as printed (ImageNet top-1 unless the table says otherwise)
    mult_adds_m: str  # million mult-adds as printed (a string keeps its printed precision)
    params_m: str  # million parameters as printed
    note: str = ""  # why a faithful count differs from the printed figure, where it does

    @property
    def mult_adds(self) -> float:
        return float(self.mult_adds_m)

    @property
    def params(self) -> float:
        return float(self.params_m)


def _row(table: int, label: str, acc: float | None, mult_adds_m: str, params_m: str, note: str = "") -> PaperRow:
    return PaperRow(table, label, acc, mult_adds_m, params_m, note)


GOOGLENET_NOTE = (
    "GoogLeNet's own paper states 'a computational budget of 1.5 billion multiply-adds' and its Table 1 sums to "
    "about 1,502M ops and 6.8M params; the network as its Table 1 describes it (5x5 branches, conv biases) "
    "counts higher, so '1550' is an approximation. torchvision's googlenet uses 3x3 where the paper has 5x5 "
    "and is not the paper's network."
)
SQUEEZENET_NOTE = (
    "'1700' is SqueezeNet's FLOP count (1.72 GFLOPS/image in its README, multiply and add counted "
    "separately), not mult-adds: SqueezeNet 1.0 has about 819M mult-adds, half the printed figure."
)
ALEXNET_NOTE = (
    "AlexNet with its two towers (grouped conv2, conv4, conv5) as Krizhevsky et al. built it; the paper "
    "rounds to 720M and '60 million parameters'. torchvision's alexnet is the single-tower variant."
)
INCEPTION_NOTE = (
    "Cited from the Inception v3 paper ('5 billion multiply-adds ... less than 25 million parameters'); "
    "the 299x299 network without its auxiliary head counts about 5.7G mult-adds."
)
TABLE10_NOTE = (
    "Table 10's mult-adds are the 1000-class ImageNet figures; with the 120-class Stanford Dogs classifier "
    "the FC layer has 1024*alpha*880 fewer mult-adds (0.9M at alpha 1.0)."
)
CONV_MOBILENET_NOTE = (
    "The paper prints 4866; the network as Table 1 describes it with full 3x3 convs counts 4867.3M, and "
    "4866.3M without the FC layer's 1.02M mult-adds, so the printed figure most likely leaves the FC out."
)
MOBILENET_160_NOTE = "The paper prints 290 where 290.7M rounds to 291 (TF-Slim's model table gives 291)."

ROWS: tuple[PaperRow, ...] = (
    _row(4, "Conv MobileNet", 71.7, "4866", "29.3", CONV_MOBILENET_NOTE),
    _row(4, "MobileNet", 70.6, "569", "4.2"),
    _row(5, "0.75 MobileNet", 68.4, "325", "2.6"),
    _row(5, "Shallow MobileNet", 65.3, "307", "2.9"),
    _row(6, "1.0 MobileNet-224", 70.6, "569", "4.2"),
    _row(6, "0.75 MobileNet-224", 68.4, "325", "2.6"),
    _row(6, "0.5 MobileNet-224", 63.7, "149", "1.3"),
    _row(6, "0.25 MobileNet-224", 50.6, "41", "0.5"),
    _row(7, "1.0 MobileNet-224", 70.6, "569", "4.2"),
    _row(7, "1.0 MobileNet-192", 69.1, "418", "4.2"),
    _row(7, "1.0 MobileNet-160", 67.2, "290", "4.2", MOBILENET_160_NOTE),
    _row(7, "1.0 MobileNet-128", 64.4, "186", "4.2"),
    _row(8, "1.0 MobileNet-224", 70.6, "569", "4.2"),
    _row(8, "GoogleNet", 69.8, "1550", "6.8", GOOGLENET_NOTE),
    _row(8, "VGG 16", 71.5, "15300", "138"),
    _row(9, "0.50 MobileNet-160", 60.2, "76", "1.32"),
    _row(9, "Squeezenet", 57.5, "1700", "1.25", SQUEEZENET_NOTE),
    _row(9, "AlexNet", 57.2, "720", "60", ALEXNET_NOTE),
    _row(10, "Inception V3", 84.0, "5000", "23.2", INCEPTION_NOTE),
    _row(10, "1.0 MobileNet-224", 83.3, "569", "3.3", TABLE10_NOTE),
    _row(10, "0.75 MobileNet-224", 81.9, "325", "1.9", TABLE10_NOTE),
    _row(10, "1.0 MobileNet-192", 81.9, "418", "3.3", TABLE10_NOTE),
    _row(10, "0.75 MobileNet-192", 80.5, "239", "1.9", TABLE10_NOTE),
)

# Table 2: share of mult-adds and of parameters per layer type, 1.0 MobileNet-224 (percent, as printed).
TABLE2: dict[str, tuple[float, float]] = {
    "Conv 1x1": (94.86, 74.59),
    "Conv dw 3x3": (3.06, 1.06),
    "Conv 3x3": (1.19, 0.02),  # a transposition of 1.91: the first conv is 10,838,016 of 568.74M mult-adds
    "FC": (0.18, 24.33),
}
TABLE2_NOTE = (
    "The paper prints 1.19% for Conv 3x3, almost certainly a transposition of 1.91%: the first conv is "
    "10,838,016 of 568,740,352 mult-adds (1.906%), and with 1.19% the column sums to 99.29%."
)

# Table 3: one 14x14x512 -> 512 layer (D_K=3, M=N=512, D_F=14), each row adding to the one before.
TABLE3: tuple[tuple[str, str, str], ...] = (
    ("Convolution", "462", "2.36"),
    ("Depthwise Separable Conv", "52.3", "0.27"),
    ("α = 0.75", "29.6", "0.15"),
    ("ρ = 0.714", "15.1", "0.15"),
)

# Tables 11-14 need detection heads, other datasets or trained weights: cited, not reproduced.
NOT_REPRODUCED: dict[int, str] = {
    11: "PlaNet geolocalisation on Im2GPS: needs the PlaNet training data and trained weights.",
    12: "Face attribute classification: needs a private face-attribute dataset and distillation.",
    13: "COCO detection with SSD and Faster-RCNN: needs detection heads, COCO and trained weights.",
    14: "FaceNet distillation: needs FaceNet, its face data and trained weights.",
}


def rows_of(table: int) -> list[PaperRow]:
    return [row for row in ROWS if row.table == table]


def find(table: int, label: str) -> PaperRow:
    for row in rows_of(table):
        if row.label == label:
            return row
    raise KeyError(f"Table {table} has no row {label!r}")


def printed_unit(printed: str) -> float:
    """The value of one unit in the last printed digit: "569" -> 1, "4.2" -> 0.1, "1.32" -> 0.01."""
    return float(Decimal(1).scaleb(Decimal(printed).as_tuple().exponent))


def agrees(measured: float, printed: str) -> bool:
    """True when measured (in the printed unit, e.g. millions) is within one unit of the last printed digit.

    One unit, not half: the paper sometimes truncates instead of rounding (290.7M printed as 290).
    """
    return abs(measured - float(printed)) < printed_unit(printed)
