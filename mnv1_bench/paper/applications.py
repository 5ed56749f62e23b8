"""The MobileNet paper's Tables 11 to 14 (Howard et al. 2017, Section 4.4 to 4.7): the cost columns as printed,
each row with the network built for it and, where a faithful count differs, the reason.

Mult-adds are printed in millions (Tables 12, 14) or billions (Tables 11, 13); parameters in millions. The
quality column (geolocation, mean AP, COCO mAP, 1e-4 accuracy) needs the authors' data and trained weights:
it is cited, never measured.
"""

from __future__ import annotations

from dataclasses import dataclass

from mnv1_bench.paper import BILLION_MULT_ADDS, MILLION_MULT_ADDS, MILLION_PARAMS, Printed

PLANET_CELLS = 26_263  # Weyand et al. 2016 (PlaNet), its partition of the earth into S2 cells: the output classes
FACENET_EMBEDDING = 128  # Schroff et al. 2015 (FaceNet): a 128-dimensional embedding
BILLION, MILLION = 1e9, 1e6


@dataclass(frozen=True)
class AppRow:
    """One printed row of Tables 11-14 and the network counted for it."""

    table: int
    label: str  # as printed
    quality: str  # the table's quality figure as printed (cited), "" where the row has none
    mult_adds: Printed | None  # in the table's unit (UNIT); None where nothing is printed
    params: Printed | None  # in MILLION_PARAMS; None where nothing is printed
    model: str | None  # registry name of the network counted for it; None: cited, not built
    classes: int = 1000  # classes (or cells, or embedding size) of the model's last layer
    part: str = "all"  # "all"; "body": every layer but the last FC; "last": the last FC alone
    notes: tuple[str, ...] = ()  # the reasons for a difference, or how the row was read


UNIT: dict[int, float] = {11: BILLION, 12: MILLION, 13: BILLION, 14: MILLION}


def _row(
    table: int,
    label: str,
    quality: str,
    mult_adds: str,
    params_m: str,
    model: str | None,
    classes: int = 1000,
    part: str = "all",
    notes: tuple[str, ...] = (),
) -> AppRow:
    """A row from the text printed in its cells ("" where a cell is empty)."""
    unit = BILLION_MULT_ADDS if UNIT[table] == BILLION else MILLION_MULT_ADDS
    printed_mult_adds = Printed(mult_adds, unit) if mult_adds else None
    printed_params = Printed(params_m, MILLION_PARAMS) if params_m else None
    return AppRow(table, label, quality, printed_mult_adds, printed_params, model, classes, part, notes)


PLANET_NOTE = (
    f"Built with PlaNet's own {PLANET_CELLS:,} cells (Weyand et al. 2016) as the output layer. The paper's figures "
    "imply a smaller partition: '10M final layer' on MobileNet's 1,024 features is about 9,800 cells, and 52M "
    "on Inception V3's 2,048 features (21.8M in the body) about 14,800, so the two PlaNet networks of Table 11 "
    "do not even share one partition; the paper does not give the cell count."
)
PLANET_TYPO = (
    "The text prints '0.58 Million mult-adds', a typo for 0.58 billion: MobileNet's body alone is 567.7M "
    "mult-adds at 224x224 (Table 7: 569M with the 1000-way classifier)."
)
FACE_HEAD = (
    "Counted as the body without the 1000-way classifier, which the printed parameters imply (3.2M at width "
    "1.0, where the classifier would add 1.0M): the attribute layer is too small to show at the printed "
    "precision (1,024 x alpha weights per attribute; the paper does not say how many attributes)."
)
FACE_FLOOR = (
    "The printed figure is what the body gives with a floor of 16 channels on every layer (the TensorFlow "
    "Object Detection API's min_depth of 16) instead of TF-Slim's classifier floor of 8: at width 0.25 only the "
    "first conv, the first depthwise and the first 1x1 conv (8 channels at alpha 0.25) widen to 16, adding "
    "416 x 112 x 112 mult-adds at 224 (45.99M in all) and 416 x 64 x 64 at 128 (15.02M)."
)
FACE_BASELINE = (
    "Cited: the in-house baseline is not described. The table prints 7.5M parameters, the text '75 million "
    "parameters and 1600 million Mult-Adds': the paper contradicts itself."
)
FACENET_HEAD = (
    f"Counted as the body plus FaceNet's {FACENET_EMBEDDING}-dimensional embedding layer (a "
    f"1,024 x alpha x {FACENET_EMBEDDING} FC). The printed parameters cannot come from any head after the global "
    "average pool: such a head, like the body, has the same weights at 160 and at 128, yet the paper prints "
    "4.9M vs 5.5M (width 1.0) and 3.4M vs 3.8M (width 0.75), 1.6M to 2.3M above the body. The paper does not "
    "describe the distilled networks' heads; no architecture read from it reproduces these counts."
)
FACENET_TYPO = (
    "Printed '0.75 MobileNet-128' twice; this first one is read as 0.75 MobileNet-160 (a label typo): its 166M "
    "is 0.75 MobileNet-160 (165.7M with the embedding), while 0.75 MobileNet-128 is 106M."
)
FACENET_LOW = (
    "Printed below the body alone (289.6M at 1.0 MobileNet-160; Table 7 prints 290 with the classifier): "
    "unexplained by anything in the paper."
)
FACENET_HIGH = "Printed 1.9M above the body and embedding (106.1M): unexplained by anything in the paper."
FACENET_CITED = "Cited: the paper does not describe FaceNet's network, so it is not built."
SSD_VGG_NOTE = (
    "SSD300 as its paper builds it (deeplab-VGG: pool5 3x3/1, fc6 a dilated 3x3 conv and fc7 a 1x1 conv, "
    "1,024 wide; conv8_2 to conv11_2; 3x3 box predictors with 4, 6, 6, 6, 4, 4 boxes per location), with COCO's "
    "90 classes plus background: the mult-adds agree, the parameters are 2.5M (7.6%) above the printed 33.1M. "
    "Neither paper details the VGG SSD behind Table 13, so the difference is unexplained."
)
CROPS_NOTE = (
    "The second stage runs on 300 crops of 14x14 (MobileNet's Conv 12-13, Inception V2's Mixed_5a-5c; VGG16's "
    "fc6 takes 7x7): the printed mult-adds match crops fed to it directly. The later TensorFlow configs "
    "max-pool the 14x14 crops to 7x7 first, which would cut the second stage about fourfold."
)

ROWS: tuple[AppRow, ...] = (
    _row(11, "PlaNet MobileNet", "", "0.58", "13", "mobilenet-1.0-224", PLANET_CELLS,
         notes=(PLANET_TYPO, PLANET_NOTE)),
    _row(11, "PlaNet MobileNet: body", "", "", "3", "mobilenet-1.0-224", PLANET_CELLS, part="body",
         notes=("The text's '3M body': MobileNet without its last FC layer.",)),
    _row(11, "PlaNet MobileNet: final layer", "", "", "10", "mobilenet-1.0-224", PLANET_CELLS, part="last",
         notes=(PLANET_NOTE,)),
    _row(11, "PlaNet (Inception V3)", "", "5.74", "52", "inception-v3", PLANET_CELLS, notes=(PLANET_NOTE,)),
    _row(12, "1.0 MobileNet-224", "88.7%", "568", "3.2", "mobilenet-1.0-224", part="body", notes=(FACE_HEAD,)),
    _row(12, "0.5 MobileNet-224", "88.1%", "149", "0.8", "mobilenet-0.5-224", part="body", notes=(FACE_HEAD,)),
    _row(12, "0.25 MobileNet-224", "87.2%", "45", "0.2", "mobilenet-0.25-224", part="body",
         notes=(FACE_HEAD, FACE_FLOOR)),
    _row(12, "1.0 MobileNet-128", "88.1%", "185", "3.2", "mobilenet-1.0-128", part="body", notes=(FACE_HEAD,)),
    _row(12, "0.5 MobileNet-128", "87.7%", "48", "0.8", "mobilenet-0.5-128", part="body", notes=(FACE_HEAD,)),
    _row(12, "0.25 MobileNet-128", "86.4%", "15", "0.2", "mobilenet-0.25-128", part="body",
         notes=(FACE_HEAD, FACE_FLOOR)),
    _row(12, "Baseline", "86.9%", "1600", "7.5", None, notes=(FACE_BASELINE,)),
    _row(13, "SSD 300 / deeplab-VGG", "21.1%", "34.9", "33.1", "ssd300-vgg16", notes=(SSD_VGG_NOTE,)),
    _row(13, "SSD 300 / Inception V2", "22.0%", "3.8", "13.7", "ssd300-inception-v2"),
    _row(13, "SSD 300 / MobileNet", "19.3%", "1.2", "6.8", "ssd300-mobilenet"),
    _row(13, "Faster-RCNN 300 / VGG", "22.9%", "64.3", "138.5", "faster-rcnn300-vgg16"),
    _row(13, "Faster-RCNN 300 / Inception V2", "15.4%", "118.2", "13.3", "faster-rcnn300-inception-v2",
         notes=(CROPS_NOTE,)),
    _row(13, "Faster-RCNN 300 / MobileNet", "16.4%", "25.2", "6.1", "faster-rcnn300-mobilenet", notes=(CROPS_NOTE,)),
    _row(13, "Faster-RCNN 600 / VGG", "25.7%", "149.6", "138.5", "faster-rcnn600-vgg16"),
    _row(13, "Faster-RCNN 600 / Inception V2", "21.9%", "129.6", "13.3", "faster-rcnn600-inception-v2",
         notes=(CROPS_NOTE,)),
    _row(13, "Faster-RCNN 600 / Mobilenet", "19.8%", "30.5", "6.1", "faster-rcnn600-mobilenet", notes=(CROPS_NOTE,)),
    _row(14, "FaceNet [25]", "83%", "1600", "7.5", None, notes=(FACENET_CITED,)),
    _row(14, "1.0 MobileNet-160", "79.4%", "286", "4.9", "mobilenet-1.0-160", FACENET_EMBEDDING,
         notes=(FACENET_LOW, FACENET_HEAD)),
    _row(14, "1.0 MobileNet-128", "78.3%", "185", "5.5", "mobilenet-1.0-128", FACENET_EMBEDDING,
         notes=(FACENET_HEAD,)),
    _row(14, "0.75 MobileNet-128", "75.2%", "166", "3.4", "mobilenet-0.75-160", FACENET_EMBEDDING,
         notes=(FACENET_TYPO, FACENET_HEAD)),
    _row(14, "0.75 MobileNet-128", "72.5%", "108", "3.8", "mobilenet-0.75-128", FACENET_EMBEDDING,
         notes=(FACENET_HIGH, FACENET_HEAD)),
)  # fmt: skip

QUALITY: dict[int, str] = {11: "", 12: "Mean AP", 13: "COCO mAP", 14: "1e-4 Accuracy"}
# Table 11's body is the share of geolocation accuracy by distance: nothing to count, so it is cited as printed.
TABLE11_ACCURACY: tuple[tuple[str, str, str, str], ...] = (
    ("Continent (2500 km)", "51.9%", "77.6%", "79.3%"),
    ("Country (750 km)", "35.4%", "64.0%", "60.3%"),
    ("Region (200 km)", "32.1%", "51.1%", "45.2%"),
    ("City (25 km)", "21.9%", "31.7%", "31.7%"),
    ("Street (1 km)", "2.5%", "11.0%", "11.4%"),
)


# What stays cited in every table: the columns that need the authors' datasets and trained weights.
CITED: dict[str, str] = {
    "Tables 4-9": "ImageNet top-1 accuracy: needs ImageNet and trained weights.",
    "Table 10": "Stanford Dogs top-1 accuracy: needs the dataset and trained weights.",
    "Table 11": "Share of Im2GPS photos located within each distance: needs PlaNet's training data and weights.",
    "Table 12": "Mean AP of face attributes: needs the private attribute data; the baseline network is not described.",
    "Table 13": "COCO mAP: needs COCO and trained detectors.",
    "Table 14": "1e-4 accuracy: needs FaceNet's face data and weights; FaceNet's network is not described.",
}


def rows_of(table: int) -> list[AppRow]:
    return [row for row in ROWS if row.table == table]
