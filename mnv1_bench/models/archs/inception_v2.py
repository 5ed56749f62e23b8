"""Inception V2 (Ioffe & Szegedy 2015, "Batch Normalization"; the BN-Inception network), as TF-Slim builds it.

Rows mirror TF-Slim's ``inception_v2_base`` (``research/slim/nets/inception_v2.py``), the feature extractor of
the TensorFlow Object Detection API's ``ssd_inception_v2`` and ``faster_rcnn_inception_v2`` that the MobileNet
paper's Table 13 uses: a separable 7x7 stem (depthwise multiplier 8), then ten mixed blocks. Every conv is
conv + batch norm + ReLU without a bias, with TF's 'SAME' padding (so a 3x3 stride-2 layer halves a size,
rounding up).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

INPUT_SIZE = 224
STEM_DEPTHWISE_MULTIPLIER = 8  # TF-Slim: min(int(64 / 3), 8)
FEATURES = 1024  # channels of Mixed_5c


@dataclass(frozen=True)
class Conv:
    """One conv + BN + ReLU: output channels, square kernel, stride ('SAME' padding)."""

    out: int
    kernel: int = 1
    stride: int = 1


def k3(out: int, stride: int = 1) -> Conv:
    return Conv(out, 3, stride)


@dataclass(frozen=True)
class Mixed:
    """One mixed block: conv branches, then a pool branch, all concatenated."""

    name: str  # TF-Slim's end point
    branches: tuple[tuple[Conv, ...], ...]
    pool: str  # "avg" / "max": 3x3 stride-1 pool then a 1x1 conv of pool_proj; "reduce": a bare 3x3/2 max pool
    pool_proj: int = 0


# TF-Slim's inception_v2_base after the stem (224x224 input: 28x28x192 -> 7x7x1024).
BLOCKS: tuple[Mixed, ...] = (
    Mixed("mixed_3b", ((Conv(64),), (Conv(64), k3(64)), (Conv(64), k3(96), k3(96))), "avg", 32),  # 28x28x256
    Mixed("mixed_3c", ((Conv(64),), (Conv(64), k3(96)), (Conv(64), k3(96), k3(96))), "avg", 64),  # 28x28x320
    Mixed("mixed_4a", ((Conv(128), k3(160, 2)), (Conv(64), k3(96), k3(96, 2))), "reduce"),  # 14x14x576
    Mixed("mixed_4b", ((Conv(224),), (Conv(64), k3(96)), (Conv(96), k3(128), k3(128))), "avg", 128),
    Mixed("mixed_4c", ((Conv(192),), (Conv(96), k3(128)), (Conv(96), k3(128), k3(128))), "avg", 128),
    Mixed("mixed_4d", ((Conv(160),), (Conv(128), k3(160)), (Conv(128), k3(160), k3(160))), "avg", 96),
    Mixed("mixed_4e", ((Conv(96),), (Conv(128), k3(192)), (Conv(160), k3(192), k3(192))), "avg", 96),
    Mixed("mixed_5a", ((Conv(128), k3(192, 2)), (Conv(192), k3(256), k3(256, 2))), "reduce"),  # 7x7x1024
    Mixed("mixed_5b", ((Conv(352),), (Conv(192), k3(320)), (Conv(160), k3(224), k3(224))), "avg", 128),
    Mixed("mixed_5c", ((Conv(352),), (Conv(192), k3(320)), (Conv(192), k3(224), k3(224))), "max", 128),
)


def conv_bn_relu(cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            conv=nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False),
            bn=nn.BatchNorm2d(cout, eps=0.001),
            relu=nn.ReLU(inplace=True),
        )
    )


class MixedBlock(nn.Module):
    def __init__(self, cin: int, row: Mixed) -> None:
        super().__init__()
        branches, self.out_channels = [], 0
        for convs in row.branches:
            layers, c = [], cin
            for conv in convs:
                layers.append(conv_bn_relu(c, conv.out, conv.kernel, conv.stride))
                c = conv.out
            branches.append(nn.Sequential(*layers))
            self.out_channels += c
        if row.pool == "reduce":
            branches.append(nn.MaxPool2d(3, 2, padding=1))
            self.out_channels += cin
        else:
            pool = nn.AvgPool2d(3, 1, padding=1) if row.pool == "avg" else nn.MaxPool2d(3, 1, padding=1)
            branches.append(nn.Sequential(pool, conv_bn_relu(cin, row.pool_proj, 1)))
            self.out_channels += row.pool_proj
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([b(x) for b in self.branches], dim=1)


def stem() -> nn.Sequential:
    """Conv2d_1a_7x7 (separable: 7x7 depthwise x8, then 1x1 to 64), pool, 1x1 64, 3x3 192, pool: /8 overall."""
    mid = 3 * STEM_DEPTHWISE_MULTIPLIER
    return nn.Sequential(
        OrderedDict(
            conv1_dw=nn.Conv2d(3, mid, 7, 2, 3, groups=3, bias=False),
            conv1_pw=conv_bn_relu(mid, 64, 1),
            pool2=nn.MaxPool2d(3, 2, padding=1),
            conv2b=conv_bn_relu(64, 64, 1),
            conv2c=conv_bn_relu(64, 192, 3),
            pool3=nn.MaxPool2d(3, 2, padding=1),
        )
    )


def blocks(first: str, last: str, cin: int) -> tuple[nn.Sequential, int]:
    """The mixed blocks from ``first`` to ``last`` (TF-Slim's end points, lower case), and their output channels."""
    names = [row.name for row in BLOCKS]
    layers: dict[str, nn.Module] = {}
    for row in BLOCKS[names.index(first) : names.index(last) + 1]:
        block = MixedBlock(cin, row)
        layers[row.name] = block
        cin = block.out_channels
    return nn.Sequential(OrderedDict(layers)), cin


def build_inception_v2(num_classes: int = 1000) -> nn.Module:
    """The classifier: stem, Mixed_3b to Mixed_5c, average pool, FC."""
    body, cin = blocks("mixed_3b", "mixed_5c", 192)
    return nn.Sequential(
        OrderedDict(stem=stem(), blocks=body, pool=nn.AdaptiveAvgPool2d(1), flatten=nn.Flatten(1),
                    fc=nn.Linear(cin, num_classes))
    )  # fmt: skip
