"""torchvision's classifiers: their names, each one's own input size, and an untrained instance.

A model's own size is the crop of its default weights' evaluation transform (224 for resnet50, 300 for
efficientnet_b3, 384 for efficientnet_v2_s): the weights enums are metadata, nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from mnv1_bench.models.sources import TORCHVISION_PREFIX

if TYPE_CHECKING:
    from torch import nn

PREFIX = TORCHVISION_PREFIX
DEFAULT_SIZE = 224  # torchvision's builders' own default where a model has no weights to say otherwise

# Builders whose input size is a constructor argument, fixed at 224 unless given (their position embeddings or
# attention grids are sized for it): they are built for the size asked.
SIZE_ARGUMENTS: dict[str, Callable[[int], dict]] = {
    "vit_": lambda size: {"image_size": size},
    "maxvit_": lambda size: {"input_size": (size, size)},
}


@cache
def names() -> tuple[str, ...]:
    """Every classification model torchvision ships, sorted."""
    import torchvision.models as tvm

    return tuple(sorted(tvm.list_models(module=tvm)))


@cache
def native_size(model: str) -> int:
    """The crop size of the model's default weights' evaluation transform."""
    import torchvision.models as tvm

    try:
        weights = tvm.get_model_weights(model).DEFAULT
    except (ValueError, AttributeError):
        return DEFAULT_SIZE
    return int(weights.transforms().crop_size[0])


def build(model: str, num_classes: int, size: int) -> nn.Module:
    """The model with random weights (no download), a `num_classes` head and built for size x size inputs."""
    import torchvision.models as tvm

    extra = {"aux_logits": False, "init_weights": False} if model in ("googlenet", "inception_v3") else {}
    for prefix, argument in SIZE_ARGUMENTS.items():
        if model.startswith(prefix):
            extra |= argument(size)
    return tvm.get_model(model, weights=None, num_classes=num_classes, **extra)
