"""`pick`'s candidates: the default set, `--candidates` parsed, and each network's ImageNet top-1 with its source.

Every accuracy is cited, never measured (no ImageNet, no trained weights here), from the first of:
1. the MobileNet paper's tables, where it prints an ImageNet top-1 for exactly this network (1000 classes);
2. TF-Slim's table of released MobileNet v1 checkpoints, for the grid points the paper prints no accuracy for;
3. torchvision's own weight metadata (``acc@1`` on ImageNet-1K), for ``torchvision:NAME`` timed at the input size
   those weights were evaluated at.
A candidate with none of these is timed and listed, but never picked.
"""

from __future__ import annotations

from dataclasses import dataclass

from mnv1_bench import paper
from mnv1_bench.errors import UsageProblem
from mnv1_bench.models.registry import TORCHVISION_PREFIX, ModelSpec, grid_names
from mnv1_bench.paper import slim_checkpoints

# The paper's other networks: Conv and Shallow MobileNet (Tables 4, 5) and the reference networks (Tables 8, 9;
# inception-v3's only printed accuracy is Stanford Dogs', so it is timed and listed without one).
PAPER_NETWORKS = ("conv-mobilenet", "shallow-mobilenet", "vgg16", "googlenet", "alexnet", "squeezenet", "inception-v3")
# torchvision classifiers small enough that a cold pick on a 2-core CPU stays within minutes (each evaluated at
# 224x224; the largest, resnet50, is 4.1G mult-adds). The huge ones (ViT-H, RegNet-Y-128GF, ...) are left out:
# add them with --candidates +torchvision:NAME.
TORCHVISION_NETWORKS = tuple(
    TORCHVISION_PREFIX + name
    for name in (
        "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "shufflenet_v2_x0_5", "shufflenet_v2_x1_0",
        "shufflenet_v2_x1_5", "mnasnet0_5", "mnasnet1_0", "efficientnet_b0", "regnet_x_400mf", "regnet_y_400mf",
        "squeezenet1_1", "resnet18", "resnet50",
    )
)  # fmt: skip
TORCHVISION_SOURCE = "torchvision weights metadata"


def default_candidates() -> list[str]:
    """The paper's 16-model width x resolution grid, its other networks, then small torchvision classifiers."""
    return [*grid_names(), *PAPER_NETWORKS, *TORCHVISION_NETWORKS]


def candidate_names(text: str | None) -> list[str]:
    """--candidates: None -> the default set; "a,b" -> exactly a and b; "+a,+b" -> the default set and a, b
    ("a,+b" -> a and b). Names are checked later, by the registry."""
    if text is None:
        return default_candidates()
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise UsageProblem.about("{candidates} needs at least one model name (NAME narrows the set, +NAME adds to it)")
    added = [item[1:].strip() for item in items if item.startswith("+")]
    if any(not name for name in added):
        raise UsageProblem.about("{candidates}: '+' must be followed by a model name, e.g. +torchvision:resnet34")
    listed = [item for item in items if not item.startswith("+")]
    return [*(listed or default_candidates()), *added]


@dataclass(frozen=True)
class Cited:
    """A published ImageNet top-1 and where it is from; top1 None: nothing published for this exact network."""

    top1: float | None  # percent, as published
    source: str = ""  # short label, e.g. "MobileNet paper, Table 6"
    citation: str = ""  # the full reference: paper, table or page and URL, version
    note: str = ""  # why there is no accuracy, where there is a reason worth saying


def cited_top1(spec: ModelSpec) -> Cited:
    """This network's ImageNet top-1 from the first source that publishes one (see the module's docstring)."""
    if spec.num_classes != paper.IMAGENET_CLASSES:
        return Cited(None, note="ImageNet accuracies describe 1000-class networks")
    row = paper.row_for(spec.name, paper.IMAGENET_CLASSES)
    if row is not None and row.accuracy is not None:
        return Cited(row.accuracy, f"MobileNet paper, Table {row.table}", f"{paper.CITATION}, Table {row.table}")
    if spec.name in slim_checkpoints.TOP1:
        return Cited(slim_checkpoints.TOP1[spec.name], slim_checkpoints.SOURCE, slim_checkpoints.CITATION)
    if spec.name.startswith(TORCHVISION_PREFIX):
        return _torchvision_top1(spec)
    return Cited(None)


def _torchvision_top1(spec: ModelSpec) -> Cited:
    """torchvision's DEFAULT weights' acc@1, if they were evaluated at the input size this network is timed at."""
    import torchvision
    import torchvision.models as tvm

    name = spec.name[len(TORCHVISION_PREFIX) :]
    try:
        weights = tvm.get_model_weights(name).DEFAULT
    except (ValueError, KeyError, AttributeError):
        return Cited(None, note="torchvision publishes no ImageNet weights for it")
    top1 = weights.meta.get("_metrics", {}).get("ImageNet-1K", {}).get("acc@1")
    crop = weights.transforms().crop_size[0]
    if top1 is None:
        return Cited(None, note=f"{weights} has no ImageNet-1K acc@1")
    if crop != spec.input_size:
        return Cited(None, note=f"{weights}'s acc@1 is at {crop}x{crop}; it is timed at {spec.input_size}x"
                     f"{spec.input_size}")  # fmt: skip
    citation = f"torchvision {torchvision.__version__} weights metadata: {weights}, acc@1 at {crop}x{crop}"
    return Cited(float(top1), TORCHVISION_SOURCE, citation)
