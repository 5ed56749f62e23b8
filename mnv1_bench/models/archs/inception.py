"""Inception V3 (Szegedy et al. 2015, "Rethinking the Inception Architecture"), 299x299 input, as rows.

The stem and the eleven mixed blocks follow the paper's Table 1 and Figures 5-7, at the channel widths of the
released network (TF-Slim's and torchvision's ``inception_v3``, which refine the paper's coarse table). Every
conv is conv + batch norm + ReLU without a bias, as in the paper's "BN-auxiliary" model; the auxiliary
classifier is left out because it only trains. The tests check every count against torchvision's builder.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

INPUT_SIZE = 299
POOL = "pool"  # 3x3 max pool with stride 2 in the stem


@dataclass(frozen=True)
class Conv:
    """One conv + BN + ReLU: output channels, kernel (height, width), stride, padding (height, width)."""

    out: int
    kernel: tuple[int, int] = (1, 1)
    stride: int = 1
    padding: tuple[int, int] = (0, 0)


def k3(out: int, stride: int = 1, pad: int = 1) -> Conv:
    return Conv(out, (3, 3), stride, (pad, pad))


def k1x7(out: int) -> Conv:
    return Conv(out, (1, 7), 1, (0, 3))


def k7x1(out: int) -> Conv:
    return Conv(out, (7, 1), 1, (3, 0))


# Table 1's stem: 299x299x3 -> 35x35x192.
STEM: tuple[Conv | str, ...] = (k3(32, 2, 0), k3(32, 1, 0), k3(64), POOL, Conv(80), k3(192, 1, 0), POOL)


@dataclass(frozen=True)
class Mixed:
    """One inception block: parallel branches of convs, concatenated. A branch's last entry may be a pair of
    convs applied side by side to the same input and concatenated (Figure 7's expanded filter bank)."""

    name: str
    branches: tuple[tuple[Conv | tuple[Conv, Conv], ...], ...]
    pool: str  # "avg": a 3x3/1 average pool before the pool branch's convs; "max": a bare 3x3/2 max pool


def figure5(name: str, pool_features: int) -> Mixed:  # 35x35
    return Mixed(name, ((Conv(64),), (Conv(48), Conv(64, (5, 5), 1, (2, 2))), (Conv(64), k3(96), k3(96)),
                        (Conv(pool_features),)), "avg")  # fmt: skip


def reduction_35(name: str) -> Mixed:  # 35x35 -> 17x17
    return Mixed(name, ((k3(384, 2, 0),), (Conv(64), k3(96), k3(96, 2, 0)), ()), "max")


def figure6(name: str, c7: int) -> Mixed:  # 17x17, n = 7
    return Mixed(name, ((Conv(192),), (Conv(c7), k1x7(c7), k7x1(192)),
                        (Conv(c7), k7x1(c7), k1x7(c7), k7x1(c7), k1x7(192)), (Conv(192),)), "avg")  # fmt: skip


def reduction_17(name: str) -> Mixed:  # 17x17 -> 8x8
    return Mixed(name, ((Conv(192), k3(320, 2, 0)), (Conv(192), k1x7(192), k7x1(192), k3(192, 2, 0)), ()), "max")


def figure7(name: str) -> Mixed:  # 8x8
    split = (Conv(384, (1, 3), 1, (0, 1)), Conv(384, (3, 1), 1, (1, 0)))
    return Mixed(name, ((Conv(320),), (Conv(384), split), (Conv(448), k3(384), split), (Conv(192),)), "avg")


BLOCKS: tuple[Mixed, ...] = (
    figure5("mixed_5b", 32), figure5("mixed_5c", 64), figure5("mixed_5d", 64),  # 35x35x288
    reduction_35("mixed_6a"),  # 17x17x768
    figure6("mixed_6b", 128), figure6("mixed_6c", 160), figure6("mixed_6d", 160), figure6("mixed_6e", 192),
    reduction_17("mixed_7a"),  # 8x8x1280
    figure7("mixed_7b"), figure7("mixed_7c"),  # 8x8x2048
)  # fmt: skip


def conv_bn_relu(cin: int, conv: Conv) -> nn.Sequential:
    return nn.Sequential(
        OrderedDict(
            conv=nn.Conv2d(cin, conv.out, conv.kernel, conv.stride, conv.padding, bias=False),
            bn=nn.BatchNorm2d(conv.out, eps=0.001),
            relu=nn.ReLU(inplace=True),
        )
    )


class Split(nn.Module):
    """Two convs side by side on the same input, concatenated (Figure 7)."""

    def __init__(self, cin: int, pair: tuple[Conv, Conv]) -> None:
        super().__init__()
        self.a, self.b = conv_bn_relu(cin, pair[0]), conv_bn_relu(cin, pair[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.a(x), self.b(x)], dim=1)


def branch(cin: int, convs: tuple[Conv | tuple[Conv, Conv], ...], pool: nn.Module | None) -> tuple[nn.Module, int]:
    layers: list[nn.Module] = [pool] if pool is not None else []
    for conv in convs:
        if isinstance(conv, tuple):
            layers.append(Split(cin, conv))
            cin = conv[0].out + conv[1].out
        else:
            layers.append(conv_bn_relu(cin, conv))
            cin = conv.out
    return nn.Sequential(*layers), cin


class MixedBlock(nn.Module):
    def __init__(self, cin: int, row: Mixed) -> None:
        super().__init__()
        modules, self.out_channels = [], 0
        for i, convs in enumerate(row.branches):
            is_pool_branch = i == len(row.branches) - 1
            pool = None
            if is_pool_branch:
                pool = nn.AvgPool2d(3, 1, padding=1) if row.pool == "avg" else nn.MaxPool2d(3, 2)
            module, out = branch(cin, convs, pool)
            modules.append(module)
            self.out_channels += out
        self.branches = nn.ModuleList(modules)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([b(x) for b in self.branches], dim=1)


def build_inception_v3(num_classes: int = 1000) -> nn.Module:
    layers: dict[str, nn.Module] = {}
    cin = 3
    for i, row in enumerate(STEM, start=1):
        if row == POOL:
            layers[f"pool{i}"] = nn.MaxPool2d(3, 2)
        else:
            layers[f"conv{i}"] = conv_bn_relu(cin, row)
            cin = row.out
    for row in BLOCKS:
        block = MixedBlock(cin, row)
        layers[row.name] = block
        cin = block.out_channels
    return nn.Sequential(
        OrderedDict(
            features=nn.Sequential(OrderedDict(layers)),
            pool=nn.AdaptiveAvgPool2d(1),  # 8x8 average pool
            flatten=nn.Flatten(1),
            dropout=nn.Dropout(0.5),
            fc=nn.Linear(cin, num_classes),
        )
    )
