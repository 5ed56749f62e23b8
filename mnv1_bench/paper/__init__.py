"""The MobileNet paper's published numbers (Howard et al. 2017, arXiv 1704.04861 v1), as data.

Accuracy cannot be measured here (no ImageNet, no trained weights): it is always cited from the paper.
Mult-adds and parameters are printed in millions, rounded, each a :class:`Printed` that says whether a measured
count agrees with it at its printed precision. The paper's parameters are conv and FC weights only: its 1.32M
for 0.50 MobileNet-160 is the weights-only 1.3196M (with BN and biases it would be 1.33M).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

CITATION = "Howard et al. 2017, MobileNets, arXiv 1704.04861"

IMAGENET_CLASSES = 1000
STANFORD_DOGS_CLASSES = 120  # Table 10

MILLION_MULT_ADDS, BILLION_MULT_ADDS, MILLION_PARAMS = "million mult-adds", "billion mult-adds", "million params"
PERCENT_MULT_ADDS, PERCENT_PARAMS, TIMES = "% of mult-adds", "% of params", "times"  # Table 2; the text's ratios


@dataclass(frozen=True)
class Printed:
    """One figure exactly as the paper prints it, in ``unit``; its last printed digit is its precision.

    ``value`` is the figure in ``unit`` (e.g. 4.2 million params) and ``resolution`` one unit in its last printed
    digit: "569" -> 1, "4.2" -> 0.1, "1.32" -> 0.01. Its ``str`` is the text as printed.
    """

    text: str  # exactly as printed, e.g. "4.2"
    unit: str  # e.g. MILLION_PARAMS
    value: float = field(init=False, compare=False)
    resolution: float = field(init=False, compare=False)

    def __post_init__(self) -> None:
        number = Decimal(self.text)  # anything but a plain number raises here, at import
        object.__setattr__(self, "value", float(number))
        object.__setattr__(self, "resolution", float(Decimal(1).scaleb(number.as_tuple().exponent)))

    def __str__(self) -> str:
        return self.text

    def delta(self, measured: float) -> float:
        """measured - the printed value, both in ``unit``."""
        return measured - self.value

    def agrees(self, measured: float) -> bool:
        """True when measured (in ``unit``) is within one unit of the last printed digit.

        One unit, not half: the paper sometimes truncates instead of rounding (290.7M printed as 290).
        """
        return abs(self.delta(measured)) < self.resolution


@dataclass(frozen=True)
class PaperRow:
    table: int
    label: str  # the row label exactly as printed
    model: str  # registry name of the network the row describes (its resolution included), e.g. "vgg16"
    accuracy: float | None  # percent, as printed (ImageNet top-1 unless the table says otherwise)
    mult_adds: Printed  # in MILLION_MULT_ADDS
    params: Printed  # in MILLION_PARAMS (conv and FC weights)
    note: str = ""  # why a faithful count differs from the printed figure, where it does
    classes: int = IMAGENET_CLASSES  # the classifier the accuracy and the params describe
    # The classifier the printed mult-adds describe: always ImageNet's, Table 10 copies them from Tables 6 and 7.
    mult_adds_classes: int = IMAGENET_CLASSES


def _row(
    table: int, label: str, model: str, acc: float | None, mult_adds_m: str, params_m: str, note: str = ""
) -> PaperRow:
    classes = STANFORD_DOGS_CLASSES if table == 10 else IMAGENET_CLASSES
    mult_adds, params = Printed(mult_adds_m, MILLION_MULT_ADDS), Printed(params_m, MILLION_PARAMS)
    return PaperRow(table, label, model, acc, mult_adds, params, note, classes)


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
    "the 299x299 network without its auxiliary head counts about 5.7G mult-adds, and 23.8M conv and FC "
    "weights with 1000 classes (22.0M with Stanford Dogs' 120), so the printed 23.2M matches neither."
)
TABLE10_NOTE = (
    "Table 10's mult-adds are the 1000-class ImageNet figures; with the 120-class Stanford Dogs classifier "
    "the FC layer has 1024*alpha*880 fewer mult-adds (0.9M at alpha 1.0)."
)
CONV_MOBILENET_NOTE = (
    "The paper prints 4866; the network as Table 1 describes it with full 3x3 convs counts 4867.3M, and "
    "4866.3M without the FC layer's 1.02M mult-adds, so the printed figure most likely leaves the FC out."
)
VGG16_NOTE = (
    "VGG16 (configuration D) counts 15,470M mult-adds (torchvision's model table lists 15.47 'GFLOPS', "
    "which are mult-adds); its 13 convs alone are 15,347M and its three FC layers 124M, so the printed 15300 "
    "(15.3 billion) most likely leaves the FC layers out. The VGG paper itself prints no mult-add count."
)
MOBILENET_160_NOTE = "The paper prints 290 where 290.7M rounds to 291 (TF-Slim's model table gives 291)."

ROWS: tuple[PaperRow, ...] = (
    _row(4, "Conv MobileNet", "conv-mobilenet-1.0-224", 71.7, "4866", "29.3", CONV_MOBILENET_NOTE),
    _row(4, "MobileNet", "mobilenet-1.0-224", 70.6, "569", "4.2"),
    _row(5, "0.75 MobileNet", "mobilenet-0.75-224", 68.4, "325", "2.6"),
    _row(5, "Shallow MobileNet", "shallow-mobilenet-1.0-224", 65.3, "307", "2.9"),
    _row(6, "1.0 MobileNet-224", "mobilenet-1.0-224", 70.6, "569", "4.2"),
    _row(6, "0.75 MobileNet-224", "mobilenet-0.75-224", 68.4, "325", "2.6"),
    _row(6, "0.5 MobileNet-224", "mobilenet-0.5-224", 63.7, "149", "1.3"),
    _row(6, "0.25 MobileNet-224", "mobilenet-0.25-224", 50.6, "41", "0.5"),
    _row(7, "1.0 MobileNet-224", "mobilenet-1.0-224", 70.6, "569", "4.2"),
    _row(7, "1.0 MobileNet-192", "mobilenet-1.0-192", 69.1, "418", "4.2"),
    _row(7, "1.0 MobileNet-160", "mobilenet-1.0-160", 67.2, "290", "4.2", MOBILENET_160_NOTE),
    _row(7, "1.0 MobileNet-128", "mobilenet-1.0-128", 64.4, "186", "4.2"),
    _row(8, "1.0 MobileNet-224", "mobilenet-1.0-224", 70.6, "569", "4.2"),
    _row(8, "GoogleNet", "googlenet", 69.8, "1550", "6.8", GOOGLENET_NOTE),
    _row(8, "VGG 16", "vgg16", 71.5, "15300", "138", VGG16_NOTE),
    _row(9, "0.50 MobileNet-160", "mobilenet-0.5-160", 60.2, "76", "1.32"),
    _row(9, "Squeezenet", "squeezenet", 57.5, "1700", "1.25", SQUEEZENET_NOTE),
    _row(9, "AlexNet", "alexnet", 57.2, "720", "60", ALEXNET_NOTE),
    _row(10, "Inception V3", "inception-v3", 84.0, "5000", "23.2", INCEPTION_NOTE),
    _row(10, "1.0 MobileNet-224", "mobilenet-1.0-224", 83.3, "569", "3.3", TABLE10_NOTE),
    _row(10, "0.75 MobileNet-224", "mobilenet-0.75-224", 81.9, "325", "1.9", TABLE10_NOTE),
    _row(10, "1.0 MobileNet-192", "mobilenet-1.0-192", 81.9, "418", "3.3", TABLE10_NOTE),
    _row(10, "0.75 MobileNet-192", "mobilenet-0.75-192", 80.5, "239", "1.9", TABLE10_NOTE),
)

# Table 2: share of mult-adds and of parameters per layer type, 1.0 MobileNet-224 (percent, as printed).
TABLE2_MODEL, TABLE2_CLASSES = "mobilenet-1.0-224", 1000  # the network Table 2 describes, by its registry name
TABLE2: dict[str, tuple[Printed, Printed]] = {
    kind: (Printed(mult_adds, PERCENT_MULT_ADDS), Printed(params, PERCENT_PARAMS))
    for kind, mult_adds, params in (
        ("Conv 1x1", "94.86", "74.59"),
        ("Conv dw 3x3", "3.06", "1.06"),
        ("Conv 3x3", "1.19", "0.02"),  # a transposition of 1.91: the first conv is 10,838,016 of 568.74M mult-adds
        ("FC", "0.18", "24.33"),
    )
}
TABLE2_NOTE = (
    "The paper prints 1.19% for Conv 3x3, almost certainly a transposition of 1.91%: the first conv is "
    "10,838,016 of 568,740,352 mult-adds (1.906%), and with 1.19% the column sums to 99.29%."
)

# Table 3: one 14x14x512 -> 512 layer (D_K=3, M=N=512, D_F=14), each row adding to the one before.
TABLE3: tuple[tuple[str, Printed, Printed], ...] = tuple(
    (label, Printed(mult_adds, MILLION_MULT_ADDS), Printed(params, MILLION_PARAMS))
    for label, mult_adds, params in (
        ("Convolution", "462", "2.36"),
        ("Depthwise Separable Conv", "52.3", "0.27"),
        ("α = 0.75", "29.6", "0.15"),
        ("ρ = 0.714", "15.1", "0.15"),
    )
)


def rows_of(table: int) -> list[PaperRow]:
    return [row for row in ROWS if row.table == table]


def find(table: int, label: str) -> PaperRow:
    for row in rows_of(table):
        if row.label == label:
            return row
    raise KeyError(f"Table {table} has no row {label!r}")


# A network printed in several tables is cited from the one that introduces it: Tables 6 and 7 vary width and
# resolution, Tables 4, 5 and 8 to 10 repeat some of their rows.
CITED_FIRST: tuple[int, ...] = (6, 7, 4, 5, 8, 9, 10)


def rows_for(model: str) -> list[PaperRow]:
    """Every printed row describing the network named ``model`` (any classifier), in CITED_FIRST order."""
    return sorted((row for row in ROWS if row.model == model), key=lambda row: CITED_FIRST.index(row.table))


def row_for(model: str, classes: int) -> PaperRow | None:
    """The printed row of exactly this network: the same name (so the same resolution) and the same classes."""
    return next((row for row in rows_for(model) if row.classes == classes), None)


# Every table's caption as printed (Tables 11-14's cost figures are in paper_applications.py).
TITLES: dict[int, str] = {
    1: "MobileNet Body Architecture",
    2: "Resource Per Layer Type",
    3: "Resource usage for modifications to standard convolution",
    4: "Depthwise Separable vs Full Convolution MobileNet",
    5: "Narrow vs Shallow MobileNet",
    6: "MobileNet Width Multiplier",
    7: "MobileNet Resolution",
    8: "MobileNet Comparison to Popular Models",
    9: "Smaller MobileNet Comparison to Popular Models",
    10: "MobileNet for Stanford Dogs",
    11: "PlaNet using the MobileNet architecture",
    12: "Face attribute classification using the MobileNet architecture",
    13: "COCO object detection results comparison using different frameworks and network architectures",
    14: "MobileNet Distilled from FaceNet",
}


@dataclass(frozen=True)
class Table1Row:
    """One row of Table 1 exactly as printed (including its errata; see TABLE1_ERRATA)."""

    number: int  # the row's position in the printed table, 1 to 22
    type_stride: str  # e.g. "Conv dw / s2"
    filter_shape: str  # e.g. "3 × 3 × 64 dw"
    input_size: str  # e.g. "112 × 112 × 64"
    repeat: int = 1  # the "5×" brace: rows 14 and 15 repeat five times, as a pair

    @property
    def stride(self) -> int:
        return int(self.type_stride.rsplit("/ s", 1)[1])


TABLE1: tuple[Table1Row, ...] = (
    Table1Row(1, "Conv / s2", "3 × 3 × 3 × 32", "224 × 224 × 3"),
    Table1Row(2, "Conv dw / s1", "3 × 3 × 32 dw", "112 × 112 × 32"),
    Table1Row(3, "Conv / s1", "1 × 1 × 32 × 64", "112 × 112 × 32"),
    Table1Row(4, "Conv dw / s2", "3 × 3 × 64 dw", "112 × 112 × 64"),
    Table1Row(5, "Conv / s1", "1 × 1 × 64 × 128", "56 × 56 × 64"),
    Table1Row(6, "Conv dw / s1", "3 × 3 × 128 dw", "56 × 56 × 128"),
    Table1Row(7, "Conv / s1", "1 × 1 × 128 × 128", "56 × 56 × 128"),
    Table1Row(8, "Conv dw / s2", "3 × 3 × 128 dw", "56 × 56 × 128"),
    Table1Row(9, "Conv / s1", "1 × 1 × 128 × 256", "28 × 28 × 128"),
    Table1Row(10, "Conv dw / s1", "3 × 3 × 256 dw", "28 × 28 × 256"),
    Table1Row(11, "Conv / s1", "1 × 1 × 256 × 256", "28 × 28 × 256"),
    Table1Row(12, "Conv dw / s2", "3 × 3 × 256 dw", "28 × 28 × 256"),
    Table1Row(13, "Conv / s1", "1 × 1 × 256 × 512", "14 × 14 × 256"),
    Table1Row(14, "Conv dw / s1", "3 × 3 × 512 dw", "14 × 14 × 512", repeat=5),
    Table1Row(15, "Conv / s1", "1 × 1 × 512 × 512", "14 × 14 × 512", repeat=5),
    Table1Row(16, "Conv dw / s2", "3 × 3 × 512 dw", "14 × 14 × 512"),
    Table1Row(17, "Conv / s1", "1 × 1 × 512 × 1024", "7 × 7 × 512"),
    Table1Row(18, "Conv dw / s2", "3 × 3 × 1024 dw", "7 × 7 × 1024"),  # sic: s1 (TABLE1_ERRATA)
    Table1Row(19, "Conv / s1", "1 × 1 × 1024 × 1024", "7 × 7 × 1024"),
    Table1Row(20, "Avg Pool / s1", "Pool 7 × 7", "7 × 7 × 1024"),
    Table1Row(21, "FC / s1", "1024 × 1000", "1 × 1 × 1024"),
    Table1Row(22, "Softmax / s1", "Classifier", "1 × 1 × 1000"),
)
TABLE1_ERRATA: dict[int, str] = {
    14: "the '5×' brace covers both the dw row and the 1×1 row (§4.1: 'the 5 layers of separable filters "
    "with feature size 14×14×512'; 1 + 13×2 + FC = 28 layers), so rows 14 and 15 are five dw+pw pairs.",
    18: "the paper prints s2, but this row's input and the next row's input are both 7×7, so the stride is 1 "
    "(TF-Slim's _CONV_DEFS and Keras's mobilenet.py agree); built with stride 1.",
}
TABLE1_ANALYTIC = (
    "Analytic count of 1.0 MobileNet-224 (conv and FC weights only): 4,209,088 params and 568,740,352 "
    "mult-adds; TF-Slim's mobilenet_v1.py docstring gives the body as 3,185,088 params and 567,716,352 "
    "mult-adds, and the FC adds 1,024,000 of each."
)

# Table 2 as printed: our layer-type names -> the paper's row labels.
TABLE2_LABELS: dict[str, str] = {
    "Conv 1x1": "Conv 1 × 1",
    "Conv dw 3x3": "Conv DW 3 × 3",
    "Conv 3x3": "Conv 3 × 3",
    "FC": "Fully Connected",
}
# Table 3's setting: one layer with D_K=3, M=N=512, D_F=14; alpha 0.75 gives 384 channels, rho 0.714 D_F=10.
TABLE3_SETTING = {"kernel": 3, "channels": 512, "size": 14, "alpha": 0.75, "rho": 0.714}


@dataclass(frozen=True)
class Claim:
    """A ratio the paper's text states between two of its rows, e.g. VGG16 is '32 times smaller'."""

    table: int
    model: str  # the row label the claim is about
    baseline: str  # the row label it is compared with
    quantity: str  # "params" or "mult_adds"
    factor: Printed  # in TIMES: "32" (about 32) or, with at_least, a lower bound
    quote: str
    at_least: bool = False  # "more than 2.5 times": the measured ratio must exceed the factor


CLAIMS: tuple[Claim, ...] = (
    Claim(8, "VGG 16", "1.0 MobileNet-224", "params", Printed("32", TIMES), "32 times smaller"),
    Claim(8, "VGG 16", "1.0 MobileNet-224", "mult_adds", Printed("27", TIMES), "27 times less compute intensive"),
    Claim(8, "GoogleNet", "1.0 MobileNet-224", "mult_adds", Printed("2.5", TIMES),
          "more than 2.5 times less computation", at_least=True),
    Claim(9, "AlexNet", "0.50 MobileNet-160", "params", Printed("45", TIMES), "45× smaller"),
    Claim(9, "AlexNet", "0.50 MobileNet-160", "mult_adds", Printed("9.4", TIMES), "9.4× less compute"),
    Claim(9, "Squeezenet", "0.50 MobileNet-160", "mult_adds", Printed("22", TIMES), "22× less computation"),
)  # fmt: skip


def claim_holds(claim: Claim, ratio: float) -> bool:
    """Whether a measured ratio bears the claim out: at the claim's printed precision, or above its bound."""
    return ratio > claim.factor.value if claim.at_least else claim.factor.agrees(ratio)
