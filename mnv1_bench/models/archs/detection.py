"""Table 13's detectors: SSD (Liu et al. 2016) and Faster R-CNN (Ren et al. 2015) on three feature extractors.

The heads are rows, as the TensorFlow Object Detection API configures them for COCO (the framework of Huang et
al. 2017, "Speed/accuracy trade-offs for modern convolutional object detectors", whose models the MobileNet
paper's Table 13 reports): 90 classes plus background, SSD's extra feature layers and box predictors, Faster
R-CNN's region proposal network (RPN) and its box classifier over 300 proposals. The feature extractors'
splits (which layers feed which head) are in :mod:`mnv1_bench.models.archs.detectors`.

Counted networks, not runnable detectors: anchor decoding, non-maximum suppression and crop_and_resize cost no
mult-adds in the paper's convention. A proposal's crop is stood in for by one adaptive max pool of the feature
map to the crop size. The second stage and the box classifier run on that one crop and are marked as repeated
once per proposal (:func:`repeated`): the counter multiplies their mult-adds by 300, which is exact because
mult-adds are linear in the number of crops (their parameters are shared, so they are not multiplied).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from mnv1_bench.models.archs.detector_table import COCO_CLASSES

BOX_CODE = 4  # (dy, dx, dh, dw) per box


@dataclass(frozen=True)
class Extra:
    """One of SSD's extra feature layers: a 1x1 conv to ``reduce`` channels, then a 3x3 conv to ``out``."""

    reduce: int
    out: int
    stride: int = 2
    padding: int = 1  # 1: 'SAME' at stride 2; 0: SSD300's last two 'valid' layers (3x3 -> 1x1)


# TF's ssd_mobilenet_v1 / ssd_inception_v2 feature extractors: layer_depth [-1, -1, 512, 256, 256, 128], each
# extra layer a 1x1 conv to half its depth, then a 3x3 stride-2 conv.
TF_EXTRAS: tuple[Extra, ...] = (Extra(256, 512), Extra(128, 256), Extra(128, 256), Extra(64, 128))
# SSD300's own extra layers (Liu et al. 2016, Fig. 2: conv8_2 to conv11_2).
SSD300_EXTRAS: tuple[Extra, ...] = (Extra(256, 512), Extra(128, 256), Extra(128, 256, 1, 0), Extra(128, 256, 1, 0))
TF_ANCHORS = (3, 6, 6, 6, 6, 6)  # ssd_anchor_generator: 5 aspect ratios + 1, 3 in the lowest layer
SSD300_ANCHORS = (4, 6, 6, 6, 4, 4)  # SSD300: boxes per location on conv4_3, fc7, conv8_2 ... conv11_2


@dataclass(frozen=True)
class SSDHead:
    extras: tuple[Extra, ...]
    anchors: tuple[int, ...]  # boxes per location on each feature map, the body's taps first
    kernel: int  # box predictor conv: 1 (TF's ssd_mobilenet_v1 / ssd_inception_v2 configs) or 3 (SSD300)
    classes: int = COCO_CLASSES


@dataclass(frozen=True)
class RPN:
    """Faster R-CNN's first-stage box predictor (TF's defaults): a 3x3 conv, then 1x1 objectness and box convs."""

    depth: int = 512  # first_stage_box_predictor_depth
    kernel: int = 3  # first_stage_box_predictor_kernel_size
    anchors: int = 12  # grid anchors: scales (0.25, 0.5, 1, 2) x aspect ratios (0.5, 1, 2)


@dataclass(frozen=True)
class BoxClassifier:
    proposals: int = 300  # first_stage_max_proposals (the paper: "300 RPN proposals")
    crop: int = 14  # crop size fed to the second stage (initial_crop_size)
    classes: int = COCO_CLASSES


def repeated(module: nn.Module, times: int) -> nn.Module:
    """Mark ``module`` as run ``times`` times on inputs of the shape it is traced with (one proposal's crop).

    :func:`mnv1_bench.counting.count` multiplies the mult-adds of a marked module by ``times``; its parameters
    are counted once.
    """
    module.repeats = times
    return module


def conv_relu(cin: int, cout: int, kernel: int, stride: int = 1, padding: int | None = None) -> nn.Sequential:
    pad = kernel // 2 if padding is None else padding
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, pad, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class Tapped(nn.Module):
    """Runs a Sequential and returns the outputs of the children named in ``taps``, in order."""

    def __init__(self, body: nn.Sequential, taps: Sequence[str]) -> None:
        super().__init__()
        self.body, self.taps = body, tuple(taps)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for name, module in self.body.named_children():
            x = module(x)
            if name in self.taps:
                out.append(x)
        return out


class SSD(nn.Module):
    """Body taps + extra layers -> one class conv and one box conv per feature map."""

    def __init__(self, body: Tapped, tap_channels: Sequence[int], head: SSDHead) -> None:
        super().__init__()
        self.body = body
        extras, cin = [], tap_channels[-1]
        for row in head.extras:
            extras.append(nn.Sequential(conv_relu(cin, row.reduce, 1), conv_relu(row.reduce, row.out, 3, row.stride,
                                                                                  row.padding)))  # fmt: skip
            cin = row.out
        self.extras = nn.ModuleList(extras)
        channels = [*tap_channels, *(row.out for row in head.extras)]
        if len(channels) != len(head.anchors):
            raise ValueError(f"{len(channels)} feature maps but {len(head.anchors)} anchor counts")
        k = head.kernel
        self.classes = nn.ModuleList(nn.Conv2d(c, a * (head.classes + 1), k, padding=k // 2)
                                     for c, a in zip(channels, head.anchors, strict=True))  # fmt: skip
        self.boxes = nn.ModuleList(nn.Conv2d(c, a * BOX_CODE, k, padding=k // 2)
                                   for c, a in zip(channels, head.anchors, strict=True))  # fmt: skip

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        maps = self.body(x)
        for extra in self.extras:
            maps.append(extra(maps[-1]))
        return [head(m) for heads in (self.classes, self.boxes) for head, m in zip(heads, maps, strict=True)]


class FasterRCNN(nn.Module):
    """First stage (features + RPN) on the image; second stage and box classifier on one proposal's crop, counted
    once per proposal (``classifier.proposals``, 300).

    ``second_stage`` maps (1, C, crop, crop) crops to (1, D, h, w) or (1, D) features;
    conv features are averaged over space before the class and box layers, as TF's box predictor does.
    """

    def __init__(self, first_stage: nn.Module, channels: int, second_stage: nn.Module, features: int,
                 rpn: RPN = RPN(), classifier: BoxClassifier = BoxClassifier()) -> None:  # fmt: skip
        super().__init__()
        self.first_stage = first_stage
        self.second_stage = repeated(second_stage, classifier.proposals)
        self.rpn = nn.Sequential(nn.Conv2d(channels, rpn.depth, rpn.kernel, padding=rpn.kernel // 2), nn.ReLU())
        self.objectness = nn.Conv2d(rpn.depth, rpn.anchors * 2, 1)  # object / background per anchor
        self.proposal_boxes = nn.Conv2d(rpn.depth, rpn.anchors * BOX_CODE, 1)
        self.crop, self.proposals = classifier.crop, classifier.proposals
        self.class_scores = repeated(nn.Linear(features, classifier.classes + 1), classifier.proposals)
        boxes = nn.Linear(features, classifier.classes * BOX_CODE)  # one box per class
        self.box_refinements = repeated(boxes, classifier.proposals)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        features = self.first_stage(x)
        hidden = self.rpn(features)
        crop = F.adaptive_max_pool2d(features, self.crop)  # one proposal's crop; counted x proposals
        pooled = self.second_stage(crop)
        if pooled.dim() == 4:
            pooled = pooled.mean(dim=(2, 3))
        return (
            self.objectness(hidden),
            self.proposal_boxes(hidden),
            self.class_scores(pooled),
            self.box_refinements(pooled),
        )
