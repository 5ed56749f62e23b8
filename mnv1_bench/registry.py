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
from dataclasses import dataclass, replace

from torch import nn

from mnv1_bench import paper
from mnv1_bench.archs import alexnet, detectors, googlenet, inception, inception_v2, squeezenet, vgg
from mnv1_bench.archs.mobilenet import MobileNetConfig, build_mobilenet, format_alpha
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
    paper_row: tuple[int, str]  # (table, label)
    paper_classes: tuple[int, ...] = (1000,)  # classifier sizes at which the paper's row applies


REFERENCE_NETS: dict[str, ReferenceNet] = {
    net.name: net
    for net in (
        ReferenceNet("vgg16", "VGG 16", "VGG16, configuration D (Simonyan & Zisserman 2014)",
                     vgg.INPUT_SIZE, vgg.build_vgg16, (8, "VGG 16")),
        ReferenceNet("googlenet", "GoogleNet", "GoogLeNet as its paper's Table 1 (5x5 branches, biases, no BN)",
                     googlenet.INPUT_SIZE, googlenet.build_googlenet, (8, "GoogleNet")),
        ReferenceNet("alexnet", "AlexNet", "AlexNet with its two towers (Krizhevsky et al. 2012)",
                     alexnet.INPUT_SIZE, alexnet.build_alexnet, (9, "AlexNet")),
        ReferenceNet("squeezenet", "Squeezenet", "SqueezeNet 1.0 (Iandola et al. 2016)",
                     squeezenet.INPUT_SIZE, squeezenet.build_squeezenet, (9, "Squeezenet")),
        ReferenceNet("inception-v3", "Inception V3", "Inception V3 at 299x299, no auxiliary head",
                     inception.INPUT_SIZE, inception.build_inception_v3, (10, "Inception V3"), (1000, 120)),
    )
}  # fmt: skip

# Table 13's networks (Tables 11, 12 and 14 are MobileNet and Inception V3 with other --classes). The paper has
# no row for them in Tables 4 to 10 (paper_classes=()); a detector's head is fixed, so it takes no --classes.
APPLICATION_NETS: dict[str, ReferenceNet] = {
    "inception-v2": ReferenceNet("inception-v2", "Inception V2", "Inception V2 (BN-Inception) as TF-Slim builds it",
                                 inception_v2.INPUT_SIZE, inception_v2.build_inception_v2, (13, "Inception V2"), ()),
    **{d.name: ReferenceNet(d.name, f"{d.framework} / {d.extractor}",
                            f"{d.framework} detector on {d.extractor} (Table 13), COCO's 90 classes",
                            d.resolution, lambda _classes, d=d: detectors.builder(d)(), (13, d.framework), ())
       for d in detectors.DETECTORS},
}  # fmt: skip

MOBILENET_NAMES = {
    "mobilenet": "1.0 MobileNet-224 (depthwise separable), Table 1; add -ALPHA-RES, e.g. mobilenet-0.75-160",
    "conv-mobilenet": "MobileNet with a full 3x3 conv per block (Table 4's Conv MobileNet)",
    "shallow-mobilenet": "MobileNet without the five 14x14x512 separable blocks (Table 5)",
}
TORCHVISION_PREFIX = "torchvision:"
MIN_RESOLUTION = 32
MAX_ALPHA = 4.0

_NUMBER = r"\d*\.?\d+"
# "mobilenet-0.75-160" (our spelling) or "0.75-mobilenet-160" (the paper's "0.75 MobileNet-160", normalised).
_MOBILENET = re.compile(
    rf"^(?:(?P<kind>conv|shallow)-)?(?:(?P<alpha1>{_NUMBER})-mobilenet(?:-(?P<res1>\d+))?"
    rf"|mobilenet(?:-(?P<alpha2>{_NUMBER})(?:-(?P<res2>\d+))?)?)$"
)


@dataclass(frozen=True)
class ModelSpec:
    """A network the tool can build, count and time."""

    name: str  # canonical name, e.g. "mobilenet-0.75-160"
    label: str  # as the paper writes it, e.g. "0.75 MobileNet-160"
    description: str
    input_size: int
    num_classes: int
    mobilenet: MobileNetConfig | None = None
    reference: ReferenceNet | None = None
    torchvision_name: str | None = None

    @property
    def input_shape(self) -> tuple[int, int, int, int]:
        return (1, 3, self.input_size, self.input_size)

    def build(self) -> nn.Module:
        if self.mobilenet is not None:
            return build_mobilenet(self.mobilenet)
        if self.reference is not None:
            return self.reference.build(self.num_classes)
        return _build_torchvision(self.torchvision_name or "", self.num_classes)

    def paper_row(self) -> paper.PaperRow | None:
        """The paper's row for this exact network, or None where the paper has none."""
        if self.reference is not None:
            if self.num_classes not in self.reference.paper_classes:
                return None
            return paper.find(*self.reference.paper_row)
        if self.mobilenet is None:
            return None
        return _mobilenet_paper_row(self.mobilenet)


def _mobilenet_paper_row(config: MobileNetConfig) -> paper.PaperRow | None:
    base = MobileNetConfig(config.alpha, config.resolution)
    if config.num_classes == 120 and config == replace(base, num_classes=120):
        label = f"{format_alpha(config.alpha)} MobileNet-{config.resolution}"
        return next((r for r in paper.rows_of(10) if r.label == label), None)
    if config.num_classes != 1000:
        return None
    if config == replace(MobileNetConfig(), block="standard"):
        return paper.find(4, "Conv MobileNet")
    if config == replace(MobileNetConfig(), shallow=True):
        return paper.find(5, "Shallow MobileNet")
    if config != base:
        return None
    if config == MobileNetConfig(0.5, 160):
        return paper.find(9, "0.50 MobileNet-160")
    for table in (6, 7):
        for row in paper.rows_of(table):
            if row.label == config.label:
                return row
    return None


def mobilenet_spec(config: MobileNetConfig) -> ModelSpec:
    validate_mobilenet(config)
    prefix = {"standard": "conv-", "separable": ""}[config.block] + ("shallow-" if config.shallow else "")
    name = f"{prefix}mobilenet-{format_alpha(config.alpha)}-{config.resolution}"
    kind = "standard 3x3 convs" if config.block == "standard" else "depthwise separable"
    depth = ", shallow (Table 5)" if config.shallow else ""
    return ModelSpec(
        name=name,
        label=config.label,
        description=f"MobileNet v1, alpha {format_alpha(config.alpha)}, {config.resolution}x{config.resolution}, "
        f"{kind}{depth}",
        input_size=config.resolution,
        num_classes=config.num_classes,
        mobilenet=config,
    )


def validate_mobilenet(config: MobileNetConfig) -> None:
    if not 0 < config.alpha <= MAX_ALPHA:
        raise ModelNameError(f"alpha must be in (0, {MAX_ALPHA:g}], got {config.alpha:g}")
    if config.resolution < MIN_RESOLUTION:
        raise ModelNameError(f"resolution must be an integer of at least {MIN_RESOLUTION}, got {config.resolution}")
    validate_classes(config.num_classes)
    if config.block not in ("separable", "standard"):
        raise ModelNameError(f"block must be 'separable' or 'standard', got {config.block!r}")


def validate_classes(num_classes: int) -> None:
    if num_classes < 1:
        raise ModelNameError(f"the number of classes must be at least 1, got {num_classes}")


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
        return ModelSpec(net.name, net.label, net.description, net.input_size, num_classes, reference=net)
    if key in APPLICATION_NETS:
        return _application_spec(APPLICATION_NETS[key], num_classes)
    match = _MOBILENET.match(key)
    if match is None:
        raise ModelNameError(f"unknown model {name!r}{_suggest(key)}")
    alpha = float(match["alpha1"] or match["alpha2"] or 1.0)
    resolution = int(match["res1"] or match["res2"] or 224)
    block = "standard" if match["kind"] == "conv" else "separable"
    config = MobileNetConfig(alpha, resolution, block, match["kind"] == "shallow", num_classes)
    return mobilenet_spec(config)


def known_names() -> list[str]:
    return [*MOBILENET_NAMES, *REFERENCE_NETS, *APPLICATION_NETS, "mobilenet-0.75-160", "torchvision:NAME"]


def _application_spec(net: ReferenceNet, num_classes: int) -> ModelSpec:
    if net.name in detectors.NAMES:
        if num_classes != 1000:  # 1000: the option's default, i.e. not given
            raise ModelNameError(f"{net.name} has a fixed COCO head; --classes does not apply to it")
        num_classes = detectors.COCO_CLASSES
    return ModelSpec(net.name, net.label, net.description, net.input_size, num_classes, reference=net)


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
                     torchvision_name=model)  # fmt: skip


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


def grid_names(alphas: tuple[float, ...] = PAPER_ALPHAS, resolutions: tuple[int, ...] = PAPER_RESOLUTIONS) -> list[str]:
    """Registry names of the width x resolution grid, e.g. "mobilenet-0.75-160", widest and largest first."""
    return [f"mobilenet-{format_alpha(a)}-{r}" for a in alphas for r in resolutions]
