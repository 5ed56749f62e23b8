"""Model names users type, parsed into specs that build the network and find its row in the paper.

Names: ``mobilenet`` (1.0 MobileNet-224), ``mobilenet-0.75-160``, the paper's spelling ``"0.75 MobileNet-160"``,
``conv-mobilenet``, ``shallow-mobilenet`` (each may carry ``-ALPHA-RES``), ``vgg16``, ``googlenet``,
``alexnet``, ``squeezenet``, ``inception-v3``; Table 13's ``inception-v2`` and detectors (``ssd300-mobilenet``,
``faster-rcnn600-vgg16``, ...); ``torchvision:NAME`` and ``timm:NAME`` for any model of those libraries, and a
user's own ``FILE.py:FACTORY`` or ``MODULE:FACTORY``. ``NAME@RES`` (or ``NAME@CxHxW``) sets the input size.

Importing this module does not import torch: the networks' modules are imported when one is built.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib import import_module
from typing import TYPE_CHECKING

from mnv1_bench.errors import ModelNameError as ModelNameError
from mnv1_bench.models.archs import detector_table as detectors
from mnv1_bench.models.archs.mobilenet_range import alpha_problem, format_alpha, resolution_problem
from mnv1_bench.models.sources import TIMM_PREFIX, TORCHVISION_PREFIX
from mnv1_bench.models.sources.spec import ModelSpec as ModelSpec, Shape, shape_text, split_suffix, square

if TYPE_CHECKING:
    from torch import nn

    from mnv1_bench.models.archs.mobilenet import Block, MobileNetConfig


def _arch(module: str, builder: str) -> Callable[[int], nn.Module]:
    """A builder of one of the paper's networks, imported (with torch) only when a network is built."""

    def build(num_classes: int) -> nn.Module:
        return getattr(import_module(f"mnv1_bench.models.archs.{module}"), builder)(num_classes)

    return build


def _detector(detector: detectors.Detector) -> Callable[[int], nn.Module]:
    return lambda _classes: import_module("mnv1_bench.models.archs.detectors").builder(detector)()


@dataclass(frozen=True)
class ReferenceNet:
    name: str
    label: str  # as the paper names it
    description: str
    input_size: int  # typed here so that listing names needs no torch; tests check it against the arch module
    build: Callable[[int], nn.Module]  # num_classes -> module


REFERENCE_NETS: dict[str, ReferenceNet] = {
    net.name: net
    for net in (
        ReferenceNet("vgg16", "VGG 16", "VGG16, configuration D (Simonyan & Zisserman 2014)",
                     224, _arch("vgg", "build_vgg16")),
        ReferenceNet("googlenet", "GoogleNet", "GoogLeNet as its paper's Table 1 (5x5 branches, biases, no BN)",
                     224, _arch("googlenet", "build_googlenet")),
        ReferenceNet("alexnet", "AlexNet", "AlexNet with its two towers (Krizhevsky et al. 2012)",
                     224, _arch("alexnet", "build_alexnet")),
        ReferenceNet("squeezenet", "Squeezenet", "SqueezeNet 1.0 (Iandola et al. 2016)",
                     224, _arch("squeezenet", "build_squeezenet")),
        ReferenceNet("inception-v3", "Inception V3", "Inception V3 at 299x299, no auxiliary head",
                     299, _arch("inception", "build_inception_v3")),
    )
}  # fmt: skip

# Table 13's networks (Tables 11, 12 and 14 are MobileNet and Inception V3 with other --classes). Their printed
# cost figures are in paper_applications.py, each naming its network; a detector's head is fixed (no --classes).
APPLICATION_NETS: dict[str, ReferenceNet] = {
    "inception-v2": ReferenceNet("inception-v2", "Inception V2", "Inception V2 (BN-Inception) as TF-Slim builds it",
                                 224, _arch("inception_v2", "build_inception_v2")),
    **{d.name: ReferenceNet(d.name, f"{d.framework} / {d.extractor}", detectors.description(d),
                            d.resolution, _detector(d))
       for d in detectors.DETECTORS},
}  # fmt: skip

MOBILENET_NAMES = {
    "mobilenet": "1.0 MobileNet-224 (depthwise separable), Table 1; add -ALPHA-RES, e.g. mobilenet-0.75-160",
    "conv-mobilenet": "MobileNet with a full 3x3 conv per block (Table 4's Conv MobileNet)",
    "shallow-mobilenet": "MobileNet without the five 14x14x512 separable blocks (Table 5)",
}

_NUMBER = r"\d*\.?\d+"
# "mobilenet-0.75-160" (our spelling) or "0.75-mobilenet-160" (the paper's "0.75 MobileNet-160", normalised).
_MOBILENET = re.compile(
    rf"^(?:(?P<kind>conv|shallow)-)?(?:(?P<alpha1>{_NUMBER})-mobilenet(?:-(?P<res1>\d+))?"
    rf"|mobilenet(?:-(?P<alpha2>{_NUMBER})(?:-(?P<res2>\d+))?)?)$",
    re.ASCII,  # digits are 0-9 only: "mobilenet-1.0-١٦٠" is not a name the tool prints
)


def mobilenet(
    alpha: float = 1.0,
    resolution: int = 224,
    *,
    block: Block = "separable",
    shallow: bool = False,
    num_classes: int = 1000,
) -> ModelSpec:
    """MobileNet v1 from its knobs as numbers; raises ModelNameError (one line) for values out of range."""
    from mnv1_bench.models.archs.mobilenet import MobileNetConfig

    return mobilenet_spec(MobileNetConfig(alpha, resolution, block, shallow, num_classes))


def mobilenet_spec(config: MobileNetConfig) -> ModelSpec:
    validate_mobilenet(config)
    prefix = {"standard": "conv-", "separable": ""}[config.block] + ("shallow-" if config.shallow else "")
    alpha = format_alpha(config.alpha)
    kind = "standard 3x3 convs" if config.block == "standard" else "depthwise separable"
    depth = ", shallow (Table 5)" if config.shallow else ""
    return ModelSpec(
        name=f"{prefix}mobilenet-{alpha}-{config.resolution}",
        label=config.label,
        description=f"MobileNet v1, alpha {alpha}, {config.resolution}x{config.resolution}, {kind}{depth}",
        input_size=config.resolution,
        num_classes=config.num_classes,
        build=partial(_build_mobilenet, config),
        mobilenet=config,
    )


def _build_mobilenet(config: MobileNetConfig) -> nn.Module:
    from mnv1_bench.models.archs.mobilenet import build_mobilenet

    return build_mobilenet(config)


def validate_mobilenet(config: MobileNetConfig) -> None:
    problem = alpha_problem(config.alpha) or resolution_problem(config.resolution)
    if problem:
        raise ModelNameError(problem)
    validate_classes(config.num_classes)
    if config.block not in ("separable", "standard"):
        raise ModelNameError(f"block must be 'separable' or 'standard', got {config.block!r}")


MAX_CLASSES = 100_000  # ImageNet-21k has 21,841; a million-class FC layer would be 1e9 weights at 1.0 width


def validate_classes(num_classes: int) -> None:
    if not 1 <= num_classes <= MAX_CLASSES:
        raise ModelNameError(f"the number of classes must be from 1 to {MAX_CLASSES:,}, got {num_classes}")


def resolve(name: str, num_classes: int = 1000, shape: Shape | None = None) -> ModelSpec:
    """Parse a model name into a spec, for `shape` (channels, height, width) where given, else for the network's
    own input (a suffix ``@RES`` or ``@CxHxW`` on the name says it too); raises ModelNameError (one line) with
    the closest names of every source on a miss."""
    validate_classes(num_classes)
    text, named_shape = split_suffix(name.strip())
    if named_shape and shape and named_shape != shape:
        raise ModelNameError.about("{name!r} names its input size, and {shape} another; give one", name=name)
    shape = named_shape or shape
    if ":" in text:  # every outside form has one (torchvision:, timm:, FILE.py:FACTORY, MODULE:FACTORY)
        return _outside_spec(text, num_classes, shape)
    return _paper_spec(text, num_classes, shape)


def _outside_spec(text: str, num_classes: int, shape: Shape | None) -> ModelSpec:
    """A library's network or a user's own; imported only for such a name, so a paper network loads neither."""
    from mnv1_bench.models.sources import outside, user_code

    lowered = text.lower()
    if lowered.startswith(TORCHVISION_PREFIX):
        return outside.torchvision_spec(text[len(TORCHVISION_PREFIX) :], num_classes, shape)
    if lowered.startswith(TIMM_PREFIX):
        return outside.timm_spec(text[len(TIMM_PREFIX) :], num_classes, shape)
    if user_code.is_user_code(text):
        return outside.user_spec(text, num_classes, shape)
    return _paper_spec(text, num_classes, shape)


def _paper_spec(text: str, num_classes: int, shape: Shape | None) -> ModelSpec:
    key = re.sub(r"[\s_]+", "-", text.lower())
    key = {"vgg-16": "vgg16", "inception-v3": "inception-v3", "inceptionv3": "inception-v3",
           "squeezenet-1.0": "squeezenet", "squeezenet1.0": "squeezenet"}.get(key, key)  # fmt: skip
    net = REFERENCE_NETS.get(key) or APPLICATION_NETS.get(key)
    if net is not None:
        if shape and shape != square(net.input_size):
            raise ModelNameError(f"{net.name} is built as its paper describes it, for {net.input_size}x"
                                 f"{net.input_size} only; other input sizes are for MobileNet, torchvision:, "
                                 "timm: and your own networks")  # fmt: skip
        if key in APPLICATION_NETS:
            return _application_spec(net, num_classes)
        return ModelSpec(net.name, net.label, net.description, net.input_size, num_classes,
                         partial(net.build, num_classes))  # fmt: skip
    match = _MOBILENET.match(key)
    if match is None:
        raise ModelNameError(f"unknown model {text!r}{_suggest(text)}")
    named = match["res1"] or match["res2"]
    if shape and (shape[0] != 3 or shape[1] != shape[2]):
        raise ModelNameError.about(
            "MobileNet takes 3 x RES x RES images; give {resolution}, not {given}", given=shape_text(shape)
        )
    if shape and named and int(named) != shape[1]:
        raise ModelNameError.about(
            "{text!r} names resolution {named}; drop {resolution} or name the resolution you want",
            text=text,
            named=named,
        )
    return mobilenet(
        float(match["alpha1"] or match["alpha2"] or 1.0),
        shape[1] if shape else int(named or 224),
        block="standard" if match["kind"] == "conv" else "separable",
        shallow=match["kind"] == "shallow",
        num_classes=num_classes,
    )


def known_names() -> list[str]:
    return [*MOBILENET_NAMES, *REFERENCE_NETS, *APPLICATION_NETS, "mobilenet-0.75-160", "torchvision:NAME",
            "timm:NAME"]  # fmt: skip


def _application_spec(net: ReferenceNet, num_classes: int) -> ModelSpec:
    if net.name in detectors.NAMES:
        if num_classes != 1000:  # 1000: the option's default, i.e. not given
            raise ModelNameError.about(
                "{name} has a fixed COCO head; {num_classes} does not apply to it", name=net.name
            )
        num_classes = detectors.COCO_CLASSES
    return ModelSpec(net.name, net.label, net.description, net.input_size, num_classes,
                     partial(net.build, num_classes))  # fmt: skip


def suggestions(text: str, count: int = 3) -> list[str]:
    """The names closest to `text` across every source, each as it is typed (with its prefix), best first: the
    same name in a library, then the closest; the libraries' thousand-odd names need to be closer to be named."""
    from mnv1_bench.models.sources import library_index

    key = _plain(text)
    scored: dict[str, float] = {}  # typed name -> closeness; the paper's names first among equals
    index = library_index.index(keep=False)
    for typed, cutoff in [
        *((n, 0.5) for n in known_names()),
        *((p + n, 0.6) for p in (TORCHVISION_PREFIX, TIMM_PREFIX) for n in index.get(p, {})),
    ]:
        bare = _plain(typed.split(":", 1)[-1])
        ratio = 2.0 if bare == key else difflib.SequenceMatcher(None, key, bare).ratio()
        if ratio >= cutoff:
            scored.setdefault(typed, ratio)
    return sorted(scored, key=lambda typed: -scored[typed])[:count]


def _plain(name: str) -> str:
    return re.sub(r"[\s_]+", "-", name.lower())


def _suggest(text: str) -> str:
    close = suggestions(text)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"{hint} (see `mnv1-bench models`)"


# Figures 4 and 5 of the paper: every width multiplier at every resolution (Tables 6 and 7 are slices).
PAPER_ALPHAS: tuple[float, ...] = (1.0, 0.75, 0.5, 0.25)
PAPER_RESOLUTIONS: tuple[int, ...] = (224, 192, 160, 128)


def grid(alphas: tuple[float, ...] = PAPER_ALPHAS, resolutions: tuple[int, ...] = PAPER_RESOLUTIONS) -> list[ModelSpec]:
    """The width x resolution grid of 1000-class MobileNets, widest and largest first."""
    return [mobilenet(alpha, resolution) for alpha in alphas for resolution in resolutions]


def grid_names(alphas: tuple[float, ...] = PAPER_ALPHAS, resolutions: tuple[int, ...] = PAPER_RESOLUTIONS) -> list[str]:
    """Registry names of the width x resolution grid, e.g. "mobilenet-0.75-160", widest and largest first."""
    return [spec.name for spec in grid(alphas, resolutions)]
