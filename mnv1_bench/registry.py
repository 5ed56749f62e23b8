"""Model names users type, parsed into specs that build the network and find its row in the paper.

Names: ``mobilenet`` (1.0 MobileNet-224), ``mobilenet-0.75-160``, the paper's spelling ``"0.75 MobileNet-160"``,
``conv-mobilenet``, ``shallow-mobilenet`` (each may carry ``-ALPHA-RES``), ``vgg16``, ``googlenet``,
``alexnet``, ``squeezenet``, ``inception-v3``, and ``torchvision:NAME`` for any torchvision classifier.
Table 13's networks: ``inception-v2`` and the detectors ``ssd300-mobilenet``, ``faster-rcnn600-vgg16``, ...
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from torch import nn

from mnv1_bench import paper
from mnv1_bench.archs import alexnet, detectors, googlenet, inception, inception_v2, squeezenet, vgg
from mnv1_bench.archs.mobilenet import Block, MobileNetConfig, build_mobilenet
from mnv1_bench.archs.mobilenet_range import alpha_problem, format_alpha, resolution_problem
from mnv1_bench.errors import UsageProblem


class ModelNameError(UsageProblem):
    """A model name or option that cannot be turned into a network; the message is one line for users."""


@dataclass(frozen=True)
class ReferenceNet:
    name: str
    label: str  # as the paper names it
    description: str
    input_size: int
    build: Callable[[int], nn.Module]  # num_classes -> module


REFERENCE_NETS: dict[str, ReferenceNet] = {
    net.name: net
    for net in (
        ReferenceNet("vgg16", "VGG 16", "VGG16, configuration D (Simonyan & Zisserman 2014)",
                     vgg.INPUT_SIZE, vgg.build_vgg16),
        ReferenceNet("googlenet", "GoogleNet", "GoogLeNet as its paper's Table 1 (5x5 branches, biases, no BN)",
                     googlenet.INPUT_SIZE, googlenet.build_googlenet),
        ReferenceNet("alexnet", "AlexNet", "AlexNet with its two towers (Krizhevsky et al. 2012)",
                     alexnet.INPUT_SIZE, alexnet.build_alexnet),
        ReferenceNet("squeezenet", "Squeezenet", "SqueezeNet 1.0 (Iandola et al. 2016)",
                     squeezenet.INPUT_SIZE, squeezenet.build_squeezenet),
        ReferenceNet("inception-v3", "Inception V3", "Inception V3 at 299x299, no auxiliary head",
                     inception.INPUT_SIZE, inception.build_inception_v3),
    )
}  # fmt: skip

# Table 13's networks (Tables 11, 12 and 14 are MobileNet and Inception V3 with other --classes). Their printed
# cost figures are in paper_applications.py, each naming its network; a detector's head is fixed (no --classes).
APPLICATION_NETS: dict[str, ReferenceNet] = {
    "inception-v2": ReferenceNet("inception-v2", "Inception V2", "Inception V2 (BN-Inception) as TF-Slim builds it",
                                 inception_v2.INPUT_SIZE, inception_v2.build_inception_v2),
    **{d.name: ReferenceNet(d.name, f"{d.framework} / {d.extractor}", detectors.description(d),
                            d.resolution, lambda _classes, d=d: detectors.builder(d)())
       for d in detectors.DETECTORS},
}  # fmt: skip

MOBILENET_NAMES = {
    "mobilenet": "1.0 MobileNet-224 (depthwise separable), Table 1; add -ALPHA-RES, e.g. mobilenet-0.75-160",
    "conv-mobilenet": "MobileNet with a full 3x3 conv per block (Table 4's Conv MobileNet)",
    "shallow-mobilenet": "MobileNet without the five 14x14x512 separable blocks (Table 5)",
}
TORCHVISION_PREFIX = "torchvision:"

_NUMBER = r"\d*\.?\d+"
# "mobilenet-0.75-160" (our spelling) or "0.75-mobilenet-160" (the paper's "0.75 MobileNet-160", normalised).
_MOBILENET = re.compile(
    rf"^(?:(?P<kind>conv|shallow)-)?(?:(?P<alpha1>{_NUMBER})-mobilenet(?:-(?P<res1>\d+))?"
    rf"|mobilenet(?:-(?P<alpha2>{_NUMBER})(?:-(?P<res2>\d+))?)?)$",
    re.ASCII,  # digits are 0-9 only: "mobilenet-1.0-١٦٠" is not a name the tool prints
)


@dataclass(frozen=True)
class ModelSpec:
    """A network the tool can build, count and time. Two specs are equal when they name the same network."""

    name: str  # canonical name, e.g. "mobilenet-0.75-160"; resolve(name, num_classes) gives this spec back
    label: str  # as the paper writes it, e.g. "0.75 MobileNet-160"
    description: str
    input_size: int  # the input is input_size x input_size x 3
    num_classes: int
    build: Callable[[], nn.Module] = field(compare=False, repr=False)  # a fresh module with random weights
    mobilenet: MobileNetConfig | None = None  # MobileNet's knobs (alpha, resolution, ...); None for other nets

    @property
    def input_shape(self) -> tuple[int, int, int, int]:
        return (1, 3, self.input_size, self.input_size)

    def paper_row(self) -> paper.PaperRow | None:
        """The paper's row for this exact network (same name and resolution, same classes), or None."""
        return paper.row_for(self.name, self.num_classes)

    def paper_rows(self) -> list[paper.PaperRow]:
        """Every printed row about this architecture and resolution, whatever classifier each describes."""
        return paper.rows_for(self.name)


def mobilenet(
    alpha: float = 1.0,
    resolution: int = 224,
    *,
    block: Block = "separable",
    shallow: bool = False,
    num_classes: int = 1000,
) -> ModelSpec:
    """MobileNet v1 from its knobs as numbers; raises ModelNameError (one line) for values out of range."""
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
        build=partial(build_mobilenet, config),
        mobilenet=config,
    )


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


def resolve(name: str, num_classes: int = 1000) -> ModelSpec:
    """Parse a model name into a spec; raises ModelNameError with the closest names on a miss."""
    validate_classes(num_classes)
    text = name.strip()
    if text.lower().startswith(TORCHVISION_PREFIX):
        return _torchvision_spec(text[len(TORCHVISION_PREFIX) :], num_classes)
    key = re.sub(r"[\s_]+", "-", text.lower())
    key = {"vgg-16": "vgg16", "inception-v3": "inception-v3", "inceptionv3": "inception-v3",
           "squeezenet-1.0": "squeezenet", "squeezenet1.0": "squeezenet"}.get(key, key)  # fmt: skip
    if key in REFERENCE_NETS:
        net = REFERENCE_NETS[key]
        return ModelSpec(net.name, net.label, net.description, net.input_size, num_classes,
                         partial(net.build, num_classes))  # fmt: skip
    if key in APPLICATION_NETS:
        return _application_spec(APPLICATION_NETS[key], num_classes)
    match = _MOBILENET.match(key)
    if match is None:
        raise ModelNameError(f"unknown model {name!r}{_suggest(key)}")
    return mobilenet(
        float(match["alpha1"] or match["alpha2"] or 1.0),
        int(match["res1"] or match["res2"] or 224),
        block="standard" if match["kind"] == "conv" else "separable",
        shallow=match["kind"] == "shallow",
        num_classes=num_classes,
    )


def known_names() -> list[str]:
    return [*MOBILENET_NAMES, *REFERENCE_NETS, *APPLICATION_NETS, "mobilenet-0.75-160", "torchvision:NAME"]


def _application_spec(net: ReferenceNet, num_classes: int) -> ModelSpec:
    if net.name in detectors.NAMES:
        if num_classes != 1000:  # 1000: the option's default, i.e. not given
            raise ModelNameError(f"{net.name} has a fixed COCO head; --classes does not apply to it")
        num_classes = detectors.COCO_CLASSES
    return ModelSpec(net.name, net.label, net.description, net.input_size, num_classes,
                     partial(net.build, num_classes))  # fmt: skip


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key, known_names(), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"{hint} (see `mnv1-bench models`)"


def _torchvision_spec(model: str, num_classes: int) -> ModelSpec:
    names = torchvision_classifiers()
    if model not in names:
        close = difflib.get_close_matches(model, names, n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(TORCHVISION_PREFIX + c for c in close)}?" if close else ""
        raise ModelNameError(f"torchvision has no classification model {model!r}{hint}")
    size = 299 if model == "inception_v3" else 224
    return ModelSpec(f"{TORCHVISION_PREFIX}{model}", model, f"torchvision's {model}", size, num_classes,
                     partial(_build_torchvision, model, num_classes))  # fmt: skip


def torchvision_classifiers() -> list[str]:
    import torchvision.models as tvm

    return sorted(tvm.list_models(module=tvm))


def _build_torchvision(model: str, num_classes: int) -> nn.Module:
    import torchvision.models as tvm

    extra = {"aux_logits": False, "init_weights": False} if model in ("googlenet", "inception_v3") else {}
    return tvm.get_model(model, weights=None, num_classes=num_classes, **extra)


# Figures 4 and 5 of the paper: every width multiplier at every resolution (Tables 6 and 7 are slices).
PAPER_ALPHAS: tuple[float, ...] = (1.0, 0.75, 0.5, 0.25)
PAPER_RESOLUTIONS: tuple[int, ...] = (224, 192, 160, 128)


def grid(alphas: tuple[float, ...] = PAPER_ALPHAS, resolutions: tuple[int, ...] = PAPER_RESOLUTIONS) -> list[ModelSpec]:
    """The width x resolution grid of 1000-class MobileNets, widest and largest first."""
    return [mobilenet(alpha, resolution) for alpha in alphas for resolution in resolutions]


def grid_names(alphas: tuple[float, ...] = PAPER_ALPHAS, resolutions: tuple[int, ...] = PAPER_RESOLUTIONS) -> list[str]:
    """Registry names of the width x resolution grid, e.g. "mobilenet-0.75-160", widest and largest first."""
    return [spec.name for spec in grid(alphas, resolutions)]
