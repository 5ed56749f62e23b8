"""VGG16: configuration D of Simonyan & Zisserman 2014 ("Very Deep Convolutional Networks"), Table 1."""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

# Table 1, column D: 3x3 conv output channels, "M" = 2x2 max pool with stride 2.
CONFIG_D: tuple[int | str, ...] = (
    64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M",
)  # fmt: skip
FC_WIDTH = 4096  # FC-4096, FC-4096, FC-1000
INPUT_SIZE = 224


def build_vgg16(num_classes: int = 1000) -> nn.Module:
    """Conv layers with biases and ReLU, no batch norm (the paper predates it); 138,357,544 params."""
    layers: dict[str, nn.Module] = {}
    cin, stage, index = 3, 1, 1
    for item in CONFIG_D:
        if item == "M":
            layers[f"pool{stage}"] = nn.MaxPool2d(2, 2)
            stage, index = stage + 1, 1
            continue
        layers[f"conv{stage}_{index}"] = nn.Conv2d(cin, int(item), 3, padding=1)
        layers[f"relu{stage}_{index}"] = nn.ReLU(inplace=True)
        cin, index = int(item), index + 1
    spatial = INPUT_SIZE // 32
    return nn.Sequential(
        OrderedDict(
            features=nn.Sequential(OrderedDict(layers)),
            flatten=nn.Flatten(1),
            fc6=nn.Linear(cin * spatial * spatial, FC_WIDTH),
            relu6=nn.ReLU(inplace=True),
            drop6=nn.Dropout(),
            fc7=nn.Linear(FC_WIDTH, FC_WIDTH),
            relu7=nn.ReLU(inplace=True),
            drop7=nn.Dropout(),
            fc8=nn.Linear(FC_WIDTH, num_classes),
        )
    )
