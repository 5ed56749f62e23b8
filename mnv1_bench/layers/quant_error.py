"""Where int8 loses precision, layer by layer: the signal-to-quantization-noise ratio of every conv and FC layer.

The int8 model is simulated in PyTorch the way the exported backends quantize it (:mod:`.timing.exports`):
batch norm folded into the conv before it; weights fake-quantized to int8, symmetric, one scale per output
channel; every conv/FC input fake-quantized to uint8, one scale and zero point per tensor, with the min/max
range seen on the calibration set (:mod:`.timing.calibration`). Both networks then run on the numerics inputs
(:mod:`.timing.numerics`: seeded, not the calibration set), and each layer's output is compared with fp32:

- ``sqnr_db``: 10 log10(sum of fp32 output^2 / sum of (fp32 - int8 output)^2), with every layer up to and
  including this one quantized, so the noise accumulates as it does in the deployed model;
- ``weight_sqnr_db``: the layer's weights alone, per-channel int8 (what is deployed) and ``weight_sqnr_tensor_db``
  with one scale for the whole tensor (what per-channel quantization avoids: after folding, depthwise filters
  with small batch-norm scales share a range with large ones).

Higher is better; each 6 dB is about one bit. Random weights show how the noise builds up through the depth,
not what trained weights lose: ``--weights`` loads those.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mnv1_bench.timing.calibration import calibration_set
from mnv1_bench.timing.numerics import numerics_inputs
from mnv1_bench.timing.pytorch import fold_batch_norm

if TYPE_CHECKING:
    import pandas as pd
    import torch
    from torch import nn

    from mnv1_bench.models.registry import ModelSpec


@dataclass(frozen=True)
class QuantError:
    frame: pd.DataFrame  # one row per conv/FC layer: index, name, type, sqnr_db, weight_sqnr_db, ...
    calibration: str  # which calibration set ("calibration: synthetic seed 0, 16 inputs")
    output_sqnr_db: float  # the logits' SQNR


def sqnr_db(reference: torch.Tensor, approximate: torch.Tensor) -> float:
    """10 log10(signal power / noise power); inf when they are equal."""
    reference, approximate = reference.detach().double(), approximate.detach().double()
    signal = float(reference.pow(2).sum())
    noise = float((reference - approximate).pow(2).sum())
    return math.inf if noise == 0 else 10 * math.log10(signal / noise) if signal > 0 else -math.inf


def fake_quant_weight(weight: torch.Tensor, per_channel: bool = True) -> torch.Tensor:
    """Symmetric int8 (-127..127), one scale per output channel or one for the whole tensor."""
    import torch

    dims = tuple(range(1, weight.dim()))
    peak = weight.abs().amax(dim=dims, keepdim=True) if per_channel else weight.abs().max()
    scale = torch.clamp(peak, min=1e-12) / 127
    return torch.clamp(torch.round(weight / scale), -127, 127) * scale


def fake_quant_activation(x: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Asymmetric uint8 over [low, high] (widened to include 0, as ONNX's quantizer does)."""
    import torch

    low, high = min(low, 0.0), max(high, 0.0)
    scale = max(high - low, 1e-12) / 255
    zero = round(-low / scale)
    return (torch.clamp(torch.round(x / scale) + zero, 0, 255) - zero) * scale


def _layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    from torch import nn

    return [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Conv2d | nn.Linear)]


def _kind(module: nn.Module) -> str:
    from torch import nn

    if isinstance(module, nn.Linear):
        return "FC"
    if module.groups > 1 and module.groups == module.in_channels:
        return "Conv dw"
    return f"Conv {module.kernel_size[0]}x{module.kernel_size[1]}"


def _outputs(model: nn.Module, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Every conv/FC output of one forward pass, in order, and the logits."""
    import torch

    seen: list[torch.Tensor] = []
    hooks = [m.register_forward_hook(lambda m, i, o: seen.append(o.detach())) for _, m in _layers(model)]
    try:
        with torch.inference_mode():
            logits = model(x)
    finally:
        for hook in hooks:
            hook.remove()
    return seen, logits


def _input_ranges(model: nn.Module, x: torch.Tensor) -> list[tuple[float, float]]:
    import torch

    ranges: list[tuple[float, float]] = []
    hooks = [m.register_forward_pre_hook(lambda m, i: ranges.append((float(i[0].min()), float(i[0].max()))))
             for _, m in _layers(model)]  # fmt: skip
    try:
        with torch.inference_mode():
            model(x)
    finally:
        for hook in hooks:
            hook.remove()
    return ranges


def quant_error(spec: ModelSpec, calibration: str | None = None) -> QuantError:
    """Per-layer SQNR of the simulated int8 model against fp32 (`spec` built with the weights to judge)."""
    import pandas as pd
    import torch

    model, _ = fold_batch_norm(spec.build().eval().float())
    calib = calibration_set(calibration, spec.input_size)
    ranges = _input_ranges(model, calib.inputs)
    quantized = copy.deepcopy(model)
    rows = []
    for index, ((name, layer), (_, twin), (low, high)) in enumerate(
        zip(_layers(model), _layers(quantized), ranges, strict=True), start=1
    ):
        twin.weight.data = fake_quant_weight(layer.weight.data)
        twin.register_forward_pre_hook(lambda m, i, low=low, high=high: (fake_quant_activation(i[0], low, high),))
        per_tensor = fake_quant_weight(layer.weight, per_channel=False)
        rows.append({"index": index, "name": name, "type": _kind(layer),
                     "weight_sqnr_db": sqnr_db(layer.weight, twin.weight),
                     "weight_sqnr_tensor_db": sqnr_db(layer.weight, per_tensor)})  # fmt: skip

    x = torch.from_numpy(numerics_inputs(spec.input_size))
    (reference, logits), (approximate, q_logits) = _outputs(model, x), _outputs(quantized, x)
    for row, ref, out in zip(rows, reference, approximate, strict=True):
        row["sqnr_db"] = sqnr_db(ref, out)
    columns = ["index", "name", "type", "sqnr_db", "weight_sqnr_db", "weight_sqnr_tensor_db"]
    return QuantError(pd.DataFrame(rows, columns=columns), calib.description, sqnr_db(logits, q_logits))


def by_type(frame: pd.DataFrame) -> pd.DataFrame:
    """Each layer type's count and its lowest and median accumulated SQNR (dB)."""
    grouped = frame.groupby("type", sort=False)["sqnr_db"]
    return grouped.agg(layers="count", min_sqnr_db="min", median_sqnr_db="median").reset_index()
