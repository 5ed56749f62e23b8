"""MobileNet v1 (Howard et al. 2017, arXiv 1704.04861), built from the rows of the paper's Table 1.

Two errata of Table 1 are applied (see the project's notes on the paper):
- the "5x" brace covers both the depthwise and the pointwise row at 14x14x512;
- the depthwise layer on 7x7x1024 has stride 1, not the printed s2.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal

from torch import nn

from mnv1_bench.models.archs.mobilenet_range import format_alpha

Block = Literal["separable", "standard"]


@dataclass(frozen=True)
class SeparableRow:
    """One "Conv dw / s + Conv 1x1" pair of Table 1."""

    stride: int  # stride of the 3x3 depthwise conv (the 1x1 conv always has stride 1)
    out_channels: int  # output channels of the 1x1 conv at width multiplier 1.0
    repeat: int = 1  # the paper's "5x"
    shallow_removes: bool = False  # Table 5: the shallow variant drops these rows


# Table 1, rows 1-21. The first conv is "Conv / s2, 3x3x3x32"; the avg pool and FC close the network.
FIRST_CONV_CHANNELS = 32
FIRST_CONV_STRIDE = 2
BODY: tuple[SeparableRow, ...] = (
    SeparableRow(1, 64),  # rows 2-3:   112x112x32  -> 112x112x64
    SeparableRow(2, 128),  # rows 4-5:   112x112x64  -> 56x56x128
    SeparableRow(1, 128),  # rows 6-7:   56x56x128   -> 56x56x128
    SeparableRow(2, 256),  # rows 8-9:   56x56x128   -> 28x28x256
    SeparableRow(1, 256),  # rows 10-11: 28x28x256   -> 28x28x256
    SeparableRow(2, 512),  # rows 12-13: 28x28x256   -> 14x14x512
    SeparableRow(1, 512, repeat=5, shallow_removes=True),  # rows 14-15: 5x at 14x14x512
    SeparableRow(2, 1024),  # rows 16-17: 14x14x512   -> 7x7x1024
    SeparableRow(1, 1024),  # rows 18-19: 7x7x1024 (stride 1: erratum of the printed s2)
)
FEATURES = 1024  # channels into the average pool and the FC layer at alpha 1.0


@dataclass(frozen=True)
class MobileNetConfig:
    """One MobileNet v1 variant: the knobs the paper varies in Tables 4 to 10."""

    alpha: float = 1.0  # width multiplier: every layer has max(int(c * alpha), 8) channels
    resolution: int = 224  # input is resolution x resolution x 3 (the paper's rho)
    block: Block = "separable"  # "standard": one full 3x3 conv per block (Table 4's Conv MobileNet)
    shallow: bool = False  # Table 5: drop the five 14x14x512 separable blocks
    num_classes: int = 1000

    @property
    def label(self) -> str:
        """The model's name as the paper writes it, e.g. "0.75 MobileNet-160"."""
        prefix = {"standard": "Conv ", "separable": ""}[self.block] + ("Shallow " if self.shallow else "")
        return f"{prefix}{format_alpha(self.alpha)} MobileNet-{self.resolution}"


def width(channels: int, alpha: float) -> int:
    """Channels of a layer under width multiplier alpha, with TF-Slim's floor of 8."""
    return max(int(channels * alpha), 8)


def conv_bn_relu(cin: int, cout: int, kernel: int, stride: int, groups: int = 1) -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            conv=nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2, groups=groups, bias=False),
            bn=nn.BatchNorm2d(cout),
            relu=nn.ReLU(inplace=True),
        )
    )


def block_rows(config: MobileNetConfig) -> list[SeparableRow]:
    """Table 1's separable rows, repeats expanded, for this config."""
    rows = [r for r in BODY if not (config.shallow and r.shallow_removes)]
    return [SeparableRow(r.stride, r.out_channels) for r in rows for _ in range(r.repeat)]


def build_mobilenet(config: MobileNetConfig) -> nn.Module:
    """Turn Table 1 into an nn.Module: features (stem + blocks), pool, then the FC classifier.

    Layer names follow the table: ``features.stem.conv``, ``features.block3.dw.conv``,
    ``features.block3.pw.conv`` (or ``features.block3.conv`` for standard blocks), ``fc``.
    """
    cin = width(FIRST_CONV_CHANNELS, config.alpha)
    layers: dict[str, nn.Module] = {"stem": conv_bn_relu(3, cin, 3, FIRST_CONV_STRIDE)}
    for i, row in enumerate(block_rows(config), start=1):
        cout = width(row.out_channels, config.alpha)
        if config.block == "separable":
            block = nn.Sequential(
                OrderedDict(
                    dw=conv_bn_relu(cin, cin, 3, row.stride, groups=cin),  # Conv dw 3x3
                    pw=conv_bn_relu(cin, cout, 1, 1),  # Conv 1x1 (pointwise)
                )
            )
        else:
            block = conv_bn_relu(cin, cout, 3, row.stride)
        layers[f"block{i}"] = block
        cin = cout
    return nn.Sequential(
        OrderedDict(
            features=nn.Sequential(OrderedDict(layers)),
            pool=nn.AdaptiveAvgPool2d(1),  # Table 1's "Avg Pool 7x7" at 224, any size otherwise
            flatten=nn.Flatten(1),
            fc=nn.Linear(cin, config.num_classes),
        )
    )
