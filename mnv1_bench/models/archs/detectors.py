"""Table 13's nine detectors: which layers of each feature extractor feed which head, as data, and one builder.

Splits follow Huang et al. 2017 ("Speed/accuracy trade-offs") and the TensorFlow Object Detection
API's feature extractors: SSD taps MobileNet's Conv 11 and Conv 13 (19x19 and 10x10 at 300x300) and Inception
V2's Mixed_4c and Mixed_5c; Faster R-CNN runs its RPN on the stride-16 features (MobileNet's Conv 11,
Inception V2's Mixed_4e, VGG16's conv5_3) and its box classifier on the layers after them (MobileNet's Conv
12-13, Inception V2's Mixed_5a-5c, VGG16's fc6-fc7). SSD with VGG16 is SSD300 as its own paper builds it (the
"deeplab-VGG" body: pool5 3x3/1, fc6 a 3x3 conv of dilation 6, fc7 a 1x1 conv, both 1024 wide).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from torch import nn

from mnv1_bench.models.archs import inception_v2, vgg
from mnv1_bench.models.archs.detection import (
    SSD,
    SSD300_ANCHORS,
    SSD300_EXTRAS,
    TF_ANCHORS,
    TF_EXTRAS,
    BoxClassifier,
    FasterRCNN,
    SSDHead,
    Tapped,
)
from mnv1_bench.models.archs.detector_table import COCO_CLASSES, DETECTORS, NAMES, Detector, description
from mnv1_bench.models.archs.mobilenet import MobileNetConfig, build_mobilenet

MOBILENET_RPN_BLOCK = 11  # Conv 11 (stride 16); Conv 12 and 13 form the box classifier
VGG_CROP = 7  # fc6 takes 7x7x512 RoI features (Faster R-CNN's RoI pooling)


def _mobilenet(resolution: int) -> nn.Sequential:
    return build_mobilenet(MobileNetConfig(1.0, resolution)).features


def _inception_v2(last: str = "mixed_5c", first: str = "mixed_3b", cin: int = 192) -> tuple[nn.Sequential, int]:
    blocks, channels = inception_v2.blocks(first, last, cin)
    stem = [("stem", inception_v2.stem())] if first == "mixed_3b" else []
    return nn.Sequential(OrderedDict([*stem, *blocks.named_children()])), channels


def _vgg_convs(ssd: bool) -> nn.Sequential:
    """VGG16's conv1_1 to conv5_3 (pools 1-4); for SSD300 also pool3 rounding up, pool5 3x3/1, fc6 and fc7."""
    layers = OrderedDict(vgg.build_vgg16().features.named_children())
    del layers["pool5"]
    if not ssd:
        return nn.Sequential(layers)
    layers["pool3"] = nn.MaxPool2d(2, 2, ceil_mode=True)  # 75x75 -> 38x38, so conv4_3 is 38x38
    layers["pool5"] = nn.MaxPool2d(3, 1, padding=1)
    layers["fc6"] = nn.Conv2d(512, 1024, 3, padding=6, dilation=6)
    layers["relu6"] = nn.ReLU()
    layers["fc7"] = nn.Conv2d(1024, 1024, 1)
    layers["relu7"] = nn.ReLU()
    return nn.Sequential(layers)


def build_ssd(extractor: str, resolution: int = 300) -> nn.Module:
    if extractor == "mobilenet":
        body = Tapped(_mobilenet(resolution), (f"block{MOBILENET_RPN_BLOCK}", "block13"))
        return SSD(body, (512, 1024), SSDHead(TF_EXTRAS, TF_ANCHORS, kernel=1))
    if extractor == "inception-v2":
        net, _ = _inception_v2()
        return SSD(Tapped(net, ("mixed_4c", "mixed_5c")), (576, 1024), SSDHead(TF_EXTRAS, TF_ANCHORS, kernel=1))
    body = Tapped(_vgg_convs(ssd=True), ("relu4_3", "relu7"))
    return SSD(body, (512, 1024), SSDHead(SSD300_EXTRAS, SSD300_ANCHORS, kernel=3))


def build_faster_rcnn(extractor: str) -> nn.Module:
    if extractor == "mobilenet":
        blocks = list(_mobilenet(224).named_children())
        first = nn.Sequential(OrderedDict(blocks[: MOBILENET_RPN_BLOCK + 1]))  # the stem and Conv 1-11
        return FasterRCNN(first, 512, nn.Sequential(OrderedDict(blocks[MOBILENET_RPN_BLOCK + 1 :])), 1024)
    if extractor == "inception-v2":
        first, channels = _inception_v2("mixed_4e")
        second, features = _inception_v2("mixed_5c", "mixed_5a", channels)
        return FasterRCNN(first, channels, second, features)
    second = nn.Sequential(
        OrderedDict(flatten=nn.Flatten(1), fc6=nn.Linear(512 * VGG_CROP**2, vgg.FC_WIDTH), relu6=nn.ReLU(),
                    fc7=nn.Linear(vgg.FC_WIDTH, vgg.FC_WIDTH), relu7=nn.ReLU())
    )  # fmt: skip
    return FasterRCNN(_vgg_convs(ssd=False), 512, second, vgg.FC_WIDTH, classifier=BoxClassifier(crop=VGG_CROP))


def builder(detector: Detector) -> Callable[[], nn.Module]:
    if detector.framework.startswith("SSD"):
        return lambda: build_ssd(detector.extractor, detector.resolution)
    return lambda: build_faster_rcnn(detector.extractor)


__all__ = ["COCO_CLASSES", "DETECTORS", "NAMES", "Detector", "build_faster_rcnn", "build_ssd", "builder", "description"]
