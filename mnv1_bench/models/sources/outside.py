"""Specs of the networks that come from outside the paper: ``torchvision:NAME``, ``timm:NAME`` and a user's own
``FILE.py:FACTORY`` / ``MODULE:FACTORY``, each at its own input size unless one is asked for."""

from __future__ import annotations

import difflib
from functools import partial

from mnv1_bench.errors import ModelNameError
from mnv1_bench.models.sources import timm_nets, torchvision_nets, user_code
from mnv1_bench.models.sources.spec import ModelSpec, Shape, shape_text, suffix

USER_DEFAULT_SHAPE: Shape = (3, 224, 224)  # what a user's network is fed unless `shape` says otherwise


def _named(base: str, shape: Shape, own: Shape) -> str:
    return base if shape == own else f"{base}@{suffix(shape)}"


def _chw(shape: Shape) -> Shape | None:
    return None if shape[0] == 3 and shape[1] == shape[2] else shape


def torchvision_spec(model: str, num_classes: int, shape: Shape | None) -> ModelSpec:
    names = torchvision_nets.names()
    if model not in names:
        close = difflib.get_close_matches(model, names, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(torchvision_nets.PREFIX + c for c in close)}?" if close else ""
        raise ModelNameError(f"torchvision has no classification model {model!r}{hint}")
    size = torchvision_nets.native_size(model)
    own = (3, size, size)
    shape = shape or own
    if shape[0] != 3 or shape[1] != shape[2]:
        raise ModelNameError.about(
            "torchvision's {model} takes 3 x RES x RES images; give {resolution}, not {given}",
            model=model,
            given=shape_text(shape),
        )
    resolution = shape[1]
    where = "its weights' own size" if shape == own else f"its weights are for {size}x{size}"
    return ModelSpec(_named(torchvision_nets.PREFIX + model, shape, own), model,
                     f"torchvision's {model} at {resolution}x{resolution} ({where})", resolution, num_classes,
                     partial(torchvision_nets.build, model, num_classes, resolution), source="torchvision")  # fmt: skip


def timm_spec(model: str, num_classes: int, shape: Shape | None) -> ModelSpec:
    if not timm_nets.is_model(model):
        close = difflib.get_close_matches(model, timm_nets.names(), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(timm_nets.PREFIX + c for c in close)}?" if close else ""
        raise ModelNameError(f"timm has no model {model!r}{hint}")
    own = timm_nets.native_shape(model)
    shape = shape or own
    where = "its pretrained config's size" if shape == own else f"its pretrained config says {shape_text(own)}"
    return ModelSpec(_named(timm_nets.PREFIX + model, shape, own), model,
                     f"timm's {model} at {shape_text(shape)} ({where}), untrained", shape[1], num_classes,
                     partial(timm_nets.build, model, num_classes, shape), input_chw=_chw(shape),
                     source="timm")  # fmt: skip


def user_spec(text: str, num_classes: int, shape: Shape | None) -> ModelSpec:
    if num_classes != 1000:  # 1000: the option's default, i.e. not given
        raise ModelNameError.about(
            "{text}: {num_classes} does not apply to your own network (its factory sets its head)", text=text
        )
    user_code.factory(text)  # the file or module and the callable are checked now, before anything is built
    shape = shape or USER_DEFAULT_SHAPE
    return ModelSpec(_named(text, shape, USER_DEFAULT_SHAPE), text, f"your network from {text}",
                     shape[1], num_classes, partial(user_code.build, text), input_chw=_chw(shape),
                     source="user")  # fmt: skip
