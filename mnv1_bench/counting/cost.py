"""The dataclasses a count returns: a network's cost, and each layer's."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn


@dataclass(frozen=True)
class LayerCost:
    """One convolution, fully connected or attention layer, in execution order."""

    index: int  # 1-based position in execution order
    name: str  # module path, e.g. "features.block3.dw.conv"
    type: str  # as the paper names it: "Conv 3x3", "Conv dw 3x3", "Conv 1x1", "FC"; "Attention"
    stride: int
    in_shape: tuple[int, ...]  # (C, H, W) or (features,), batch left out
    out_shape: tuple[int, ...]
    mult_adds: int
    params: int  # every learnable parameter of this layer: its weights and biases
    weights: int  # its weight tensors only (the paper's Table 2 counts these)
    repeats: int = 1  # times the layer runs per image (Faster R-CNN's box classifier: once per proposal)


@dataclass(frozen=True)
class Cost:
    """A network's cost at one input shape. Counts are exact integers; shares are left to the renderers."""

    mult_adds: int  # paper convention (conv + FC + attention-matmul multiply-accumulates)
    fvcore_total: int  # fvcore's default total: also batch norm, adaptive pooling, upsampling
    params: int  # every learnable parameter (torchvision's convention: BN scale/shift and biases too)
    weights: int  # every weight tensor of a mult-add layer: conv, FC, attention projections
    layers: tuple[LayerCost, ...]
    fvcore_extra: dict[str, int]  # what fvcore's total adds to ours, by op
    excluded_ops: dict[str, int]  # ops left out by the paper's convention -> number of calls
    unknown_ops: dict[str, int]  # ops that are neither priced nor free -> number of calls

    @property
    def flops(self) -> int:
        return 2 * self.mult_adds


def layer_type(module: nn.Module) -> str:
    """The paper's name for a layer type (Table 1 and 2)."""
    if isinstance(module, nn.Linear):
        return "FC"
    if isinstance(module, nn.MultiheadAttention):
        return "Attention"
    k = "x".join(str(s) for s in module.kernel_size)
    if module.groups > 1 and module.groups == module.in_channels:
        return f"Conv dw {k}"
    if module.groups > 1:
        return f"Conv {k} ({module.groups} groups)"
    return f"Conv {k}"


def layer_weights(module: nn.Module) -> list[nn.Parameter]:
    """A layer's weight tensors: conv and FC ``weight``; attention's input and output projections."""
    if isinstance(module, nn.MultiheadAttention):
        names = ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight")
        return [p for p in (*(getattr(module, n) for n in names), module.out_proj.weight) if p is not None]
    return [module.weight]
