"""Table 13's nine detectors as names and settings, kept apart from their builder (and from torch) so that
`mnv1-bench models` can list them without importing torch."""

from __future__ import annotations

from dataclasses import dataclass

COCO_CLASSES = 90  # TF Object Detection API's COCO label map; the predictors add one background class


@dataclass(frozen=True)
class Detector:
    name: str  # registry name
    framework: str  # as Table 13 prints it: "SSD 300", "Faster-RCNN 300", "Faster-RCNN 600"
    extractor: str  # "mobilenet", "inception-v2", "vgg16"
    resolution: int  # the input is resolution x resolution x 3


def description(detector: Detector) -> str:
    text = f"{detector.framework} detector on {detector.extractor} (Table 13), COCO's 90 classes"
    if detector.framework.startswith("Faster"):
        text += "; box classifier counted on one proposal crop, its mult-adds x300 proposals"
    return text


# Table 13's rows, in its order.
DETECTORS: tuple[Detector, ...] = tuple(
    Detector(f"{prefix}-{extractor}", framework, extractor, resolution)
    for prefix, framework, resolution in (("ssd300", "SSD 300", 300), ("faster-rcnn300", "Faster-RCNN 300", 300),
                                          ("faster-rcnn600", "Faster-RCNN 600", 600))
    for extractor in ("vgg16", "inception-v2", "mobilenet")
)  # fmt: skip
NAMES = frozenset(d.name for d in DETECTORS)
