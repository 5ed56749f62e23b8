"""The names every command accepts, as `mnv1-bench models` lists them, and a search across every source.

Listing needs no torch (it answers at once); a search reads torchvision's and timm's names from a cache file,
filled from the libraries (seconds) the first time and after they are upgraded.
"""

from __future__ import annotations

from dataclasses import dataclass

from mnv1_bench.models.archs.mobilenet_range import ALPHA_DECIMALS, MAX_ALPHA, MAX_RESOLUTION, MIN_RESOLUTION
from mnv1_bench.models.registry import APPLICATION_NETS, MOBILENET_NAMES, REFERENCE_NETS
from mnv1_bench.models.sources.library_index import index


@dataclass(frozen=True)
class Entry:
    name: str  # as typed on the command line
    size: str  # the input it is built for: "224x224", "RESxRES", or "own" (each model's own size)
    description: str


def paper_entries() -> list[Entry]:
    """The paper's networks (Tables 1 to 10) and the networks behind Table 13, each by its name."""
    rows = [Entry(name, "224x224", text) for name, text in MOBILENET_NAMES.items()]
    rows += [Entry(n.name, f"{n.input_size}x{n.input_size}", n.description) for n in REFERENCE_NETS.values()]
    rows += [Entry(n.name, f"{n.input_size}x{n.input_size}", n.description) for n in APPLICATION_NETS.values()]
    return rows


def source_entries() -> list[Entry]:
    """The name forms: MobileNet's knobs, the two libraries, a user's own code, another input size."""
    return [
        Entry("mobilenet-ALPHA-RES", "RESxRES",
              f"ALPHA in (0, {MAX_ALPHA:g}], at most {ALPHA_DECIMALS} decimals; RES {MIN_RESOLUTION} to "
              f"{MAX_RESOLUTION}; also the paper's \"0.75 MobileNet-160\""),
        Entry("torchvision:NAME", "own", "any torchvision classifier, untrained, at its weights' input size "
              "(torchvision:resnet50 224, torchvision:efficientnet_b3 300)"),
        Entry("timm:NAME", "own", "any timm model, untrained, at its pretrained config's input size "
              "(timm:resnet18 224)"),
        Entry("FILE.py:FACTORY", "224x224", "your own network: FACTORY() in FILE.py returns a torch nn.Module"),
        Entry("MODULE:FACTORY", "224x224", "the same from an importable module, e.g. mypackage.nets:small"),
        Entry("NAME@RES", "RESxRES", "any name above at another input size (not the paper's fixed-size reference "
              "networks); NAME@CxHxW for C channels, e.g. my_net.py:build@1x28x28"),
    ]  # fmt: skip


def listing() -> list[Entry]:
    return [*paper_entries(), *source_entries()]


def search(term: str) -> list[Entry]:
    """Every name that contains `term` (case ignored), across the paper's networks, torchvision and timm."""
    wanted = term.strip().lower()
    found = [e for e in paper_entries() if wanted in e.name.lower() or wanted in e.description.lower()]
    for prefix, models in index().items():
        library = prefix.rstrip(":")
        found += [Entry(prefix + m, size, f"{library}'s {m}") for m, size in models.items() if wanted in m.lower()]
    return found
