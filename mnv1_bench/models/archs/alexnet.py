"""AlexNet as Krizhevsky et al. 2012 built it: two towers (grouped conv2, conv4, conv5), LRN, biases.

The paper states a 224x224x3 input and 55x55 maps after conv1, which needs 227 pixels or padding:
we pad conv1 by 2 (as torchvision does), which gives the same 55x55 maps and the same cost.
torchvision's ``alexnet`` is the later single-tower variant (64-192-384-256-256 channels).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from torch import nn

INPUT_SIZE = 224


@dataclass(frozen=True)
class ConvRow:
    out_channels: int  # over both towers
    kernel: int
    stride: int
    padding: int
    groups: int  # 2: each tower sees only its own half of the input (the paper's Figure 2)
    lrn: bool  # local response normalisation after the ReLU
    pool: bool  # 3x3 max pool with stride 2 (overlapping pooling) at the end


# Section 3.5 and Figure 2 of the paper.
CONV_ROWS: tuple[ConvRow, ...] = (
    ConvRow(96, 11, 4, 2, groups=1, lrn=True, pool=True),  # conv1: 55x55x96
    ConvRow(256, 5, 1, 2, groups=2, lrn=True, pool=True),  # conv2: 27x27x256, towers apart
    ConvRow(384, 3, 1, 1, groups=1, lrn=False, pool=False),  # conv3: 13x13x384, towers talk
    ConvRow(384, 3, 1, 1, groups=2, lrn=False, pool=False),  # conv4
    ConvRow(256, 3, 1, 1, groups=2, lrn=False, pool=True),  # conv5 -> 6x6x256
)
FC_WIDTH = 4096


def build_alexnet(num_classes: int = 1000) -> nn.Module:
    layers: dict[str, nn.Module] = {}
    cin = 3
    for i, row in enumerate(CONV_ROWS, start=1):
        layers[f"conv{i}"] = nn.Conv2d(cin, row.out_channels, row.kernel, row.stride, row.padding, groups=row.groups)
        layers[f"relu{i}"] = nn.ReLU(inplace=True)
        if row.lrn:  # size 5, alpha 1e-4, beta 0.75, k 2 (Section 3.3)
            layers[f"norm{i}"] = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)
        if row.pool:
            layers[f"pool{i}"] = nn.MaxPool2d(3, 2)
        cin = row.out_channels
    return nn.Sequential(
        OrderedDict(
            features=nn.Sequential(OrderedDict(layers)),
            flatten=nn.Flatten(1),
            drop6=nn.Dropout(),
            fc6=nn.Linear(cin * 6 * 6, FC_WIDTH),
            relu6=nn.ReLU(inplace=True),
            drop7=nn.Dropout(),
            fc7=nn.Linear(FC_WIDTH, FC_WIDTH),
            relu7=nn.ReLU(inplace=True),
            fc8=nn.Linear(FC_WIDTH, num_classes),
        )
    )
