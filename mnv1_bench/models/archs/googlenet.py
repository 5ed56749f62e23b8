"""GoogLeNet as Szegedy et al. 2014 ("Going deeper with convolutions") built it, from its Table 1.

Real 5x5 branches, conv biases, local response normalisation, no batch norm and no auxiliary heads
(those only train). torchvision's ``googlenet`` differs: its "5x5" branch is a 3x3 conv and it adds
batch norm, so it is cheaper; build it as ``torchvision:googlenet`` to compare.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

INPUT_SIZE = 224


@dataclass(frozen=True)
class InceptionRow:
    """One inception row of Table 1; the four branches are concatenated."""

    name: str
    n1x1: int  # "#1x1"
    n3x3_reduce: int  # "#3x3 reduce"
    n3x3: int  # "#3x3"
    n5x5_reduce: int  # "#5x5 reduce"
    n5x5: int  # "#5x5"
    pool_proj: int  # "pool proj": 1x1 conv after a 3x3 max pool with stride 1
    pool_after: bool = False  # a 3x3 max pool with stride 2 follows the row

    @property
    def out_channels(self) -> int:
        return self.n1x1 + self.n3x3 + self.n5x5 + self.pool_proj


# Table 1 (the stem rows conv1, conv2 and their pools are written out in build_googlenet).
INCEPTION_ROWS: tuple[InceptionRow, ...] = (
    InceptionRow("3a", 64, 96, 128, 16, 32, 32),  # 28x28x256
    InceptionRow("3b", 128, 128, 192, 32, 96, 64, pool_after=True),  # 28x28x480
    InceptionRow("4a", 192, 96, 208, 16, 48, 64),  # 14x14x512
    InceptionRow("4b", 160, 112, 224, 24, 64, 64),  # 14x14x512
    InceptionRow("4c", 128, 128, 256, 24, 64, 64),  # 14x14x512
    InceptionRow("4d", 112, 144, 288, 32, 64, 64),  # 14x14x528
    InceptionRow("4e", 256, 160, 320, 32, 128, 128, pool_after=True),  # 14x14x832
    InceptionRow("5a", 256, 160, 320, 32, 128, 128),  # 7x7x832
    InceptionRow("5b", 384, 192, 384, 48, 128, 128),  # 7x7x1024
)


def conv_relu(cin: int, cout: int, kernel: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(conv=nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2), relu=nn.ReLU(inplace=True))
    )


class Inception(nn.Module):
    def __init__(self, cin: int, row: InceptionRow) -> None:
        super().__init__()
        self.b1 = conv_relu(cin, row.n1x1, 1)
        self.b3 = nn.Sequential(conv_relu(cin, row.n3x3_reduce, 1), conv_relu(row.n3x3_reduce, row.n3x3, 3))
        self.b5 = nn.Sequential(conv_relu(cin, row.n5x5_reduce, 1), conv_relu(row.n5x5_reduce, row.n5x5, 5))
        self.pool = nn.Sequential(nn.MaxPool2d(3, 1, padding=1), conv_relu(cin, row.pool_proj, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.b1(x), self.b3(x), self.b5(x), self.pool(x)], dim=1)


def max_pool() -> nn.MaxPool2d:
    return nn.MaxPool2d(3, 2, ceil_mode=True)  # 112 -> 56 -> 28 -> 14 -> 7, as in Table 1


def lrn() -> nn.LocalResponseNorm:
    return nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)


def build_googlenet(num_classes: int = 1000) -> nn.Module:
    layers: dict[str, nn.Module] = {
        "conv1": conv_relu(3, 64, 7, stride=2),  # 7x7/2: 112x112x64
        "pool1": max_pool(),
        "norm1": lrn(),
        "conv2_reduce": conv_relu(64, 64, 1),  # 3x3 reduce
        "conv2": conv_relu(64, 192, 3),  # 3x3/1: 56x56x192
        "norm2": lrn(),
        "pool2": max_pool(),
    }
    cin = 192
    for row in INCEPTION_ROWS:
        layers[f"inception{row.name}"] = Inception(cin, row)
        cin = row.out_channels
        if row.pool_after:
            layers[f"pool{row.name}"] = max_pool()
    return nn.Sequential(
        OrderedDict(
            features=nn.Sequential(OrderedDict(layers)),
            pool=nn.AdaptiveAvgPool2d(1),  # avg pool 7x7/1
            flatten=nn.Flatten(1),
            dropout=nn.Dropout(0.4),
            fc=nn.Linear(cin, num_classes),
        )
    )
