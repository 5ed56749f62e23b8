"""SqueezeNet 1.0 (Iandola et al. 2016), from its Table 1: conv1, eight fire modules, conv10."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

INPUT_SIZE = 224


@dataclass(frozen=True)
class FireRow:
    name: str
    squeeze: int  # s1x1
    expand1x1: int  # e1x1
    expand3x3: int  # e3x3
    pool_before: bool = False  # 3x3 max pool with stride 2 in front of the module


# Table 1 (conv1 96x7x7/2 and its max pool come first; conv10 1x1x1000 and a global pool close it).
FIRE_ROWS: tuple[FireRow, ...] = (
    FireRow("fire2", 16, 64, 64),
    FireRow("fire3", 16, 64, 64),
    FireRow("fire4", 32, 128, 128),
    FireRow("fire5", 32, 128, 128, pool_before=True),
    FireRow("fire6", 48, 192, 192),
    FireRow("fire7", 48, 192, 192),
    FireRow("fire8", 64, 256, 256),
    FireRow("fire9", 64, 256, 256, pool_before=True),
)


class Fire(nn.Module):
    def __init__(self, cin: int, row: FireRow) -> None:
        super().__init__()
        self.squeeze = nn.Conv2d(cin, row.squeeze, 1)
        self.expand1x1 = nn.Conv2d(row.squeeze, row.expand1x1, 1)
        self.expand3x3 = nn.Conv2d(row.squeeze, row.expand3x3, 3, padding=1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.squeeze(x))
        return torch.cat([self.relu(self.expand1x1(x)), self.relu(self.expand3x3(x))], dim=1)


def build_squeezenet(num_classes: int = 1000) -> nn.Module:
    layers: dict[str, nn.Module] = {
        "conv1": nn.Conv2d(3, 96, 7, stride=2),
        "relu1": nn.ReLU(inplace=True),
        "pool1": nn.MaxPool2d(3, 2, ceil_mode=True),
    }
    cin = 96
    for row in FIRE_ROWS:
        if row.pool_before:
            layers[f"pool_{row.name}"] = nn.MaxPool2d(3, 2, ceil_mode=True)
        layers[row.name] = Fire(cin, row)
        cin = row.expand1x1 + row.expand3x3
    return nn.Sequential(
        OrderedDict(
            features=nn.Sequential(OrderedDict(layers)),
            dropout=nn.Dropout(0.5),
            conv10=nn.Conv2d(cin, num_classes, 1),
            relu10=nn.ReLU(inplace=True),
            pool=nn.AdaptiveAvgPool2d(1),
            flatten=nn.Flatten(1),
        )
    )
