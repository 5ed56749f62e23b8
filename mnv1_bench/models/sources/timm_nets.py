"""timm's models by name (`timm:resnet18`, `timm:resnet50.a1_in1k`), untrained: no weights are needed to count
or time them. A model's own input size comes from its pretrained config, read without building the model."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from mnv1_bench.models.sources import TIMM_PREFIX

if TYPE_CHECKING:
    from torch import nn

PREFIX = TIMM_PREFIX
DEFAULT_SHAPE = (3, 224, 224)


@cache
def names() -> tuple[str, ...]:
    """Every architecture timm can build, sorted (pretrained tags such as `.a1_in1k` are accepted too)."""
    import timm

    return tuple(timm.list_models())


def is_model(name: str) -> bool:
    import timm

    return bool(timm.is_model(name))


def _config(name: str):
    from timm.models import get_pretrained_cfg

    return get_pretrained_cfg(name)


@cache
def native_shape(name: str) -> tuple[int, int, int]:
    """(channels, height, width) of the input its pretrained config names (timm's `input_size`)."""
    config = _config(name)
    shape = getattr(config, "input_size", None) if config is not None else None
    return tuple(int(n) for n in shape) if shape else DEFAULT_SHAPE  # type: ignore[return-value]


def build(name: str, num_classes: int, shape: tuple[int, int, int]) -> nn.Module:
    """The model with random weights and a `num_classes` head; a model with a fixed input size (ViT, Swin) is
    built for `shape`'s height and width."""
    import timm

    extra: dict = {}
    if tuple(shape) != native_shape(name):
        config = _config(name)
        if config is not None and getattr(config, "fixed_input_size", False):
            extra["img_size"] = tuple(shape[1:])
        if shape[0] != native_shape(name)[0]:
            extra["in_chans"] = shape[0]
    return timm.create_model(name, pretrained=False, num_classes=num_classes, **extra)
