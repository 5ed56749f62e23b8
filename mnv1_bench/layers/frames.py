"""Where a network's time goes, as frames: per layer and per layer type (the paper's Table 2 with measured time).

Units: time in milliseconds (median over runs); mult-adds per image, paper convention (conv + FC
multiply-accumulates; FLOPs = 2 x mult-adds); bytes per forward pass at the run's batch (see
:mod:`mnv1_bench.layers.timing`); GFLOP/s and FLOPs/byte for the whole batch.
"""

from __future__ import annotations

import math

import pandas as pd

from mnv1_bench.counting import frames as cost_frames
from mnv1_bench.layers.timing import LayerTiming


def _gflops_per_s(mult_adds: float, batch: int, time_ms: float) -> float:
    return 2.0 * mult_adds * batch / (time_ms * 1e6) if time_ms > 0 else math.nan


def layers_frame(timing: LayerTiming) -> pd.DataFrame:
    """One row per conv/FC layer: cost, bytes, FLOPs per byte, measured time, each as a share of the total."""
    total_ma = sum(layer.mult_adds for layer in timing.layers)
    total_bytes = sum(layer.bytes for layer in timing.layers)
    total_params = sum(layer.params for layer in timing.layers)
    total_ms = timing.sum_ms
    return pd.DataFrame(
        {
            "index": layer.index,
            "name": layer.name,
            "type": layer.type,
            "in_shape": "x".join(map(str, layer.in_shape)),
            "out_shape": "x".join(map(str, layer.out_shape)),
            "mult_adds": layer.mult_adds,
            "params": layer.params,
            "bytes": layer.bytes,
            "flops_per_byte": 2.0 * layer.mult_adds * timing.batch / layer.bytes,
            "time_ms": layer.time_ms,
            "gflops_per_s": _gflops_per_s(layer.mult_adds, timing.batch, layer.time_ms),
            "mult_adds_pct": 100.0 * layer.mult_adds / total_ma,
            "params_pct": 100.0 * layer.params / total_params,
            "bytes_pct": 100.0 * layer.bytes / total_bytes,
            "time_pct": 100.0 * layer.time_ms / total_ms if total_ms > 0 else math.nan,
        }
        for layer in timing.layers
    )


def by_type_frame(timing: LayerTiming, with_paper: bool = False) -> pd.DataFrame:
    """The paper's Table 2 (shares of mult-adds and weights per layer type) with bytes and measured time.

    ``with_paper`` adds the published shares (they apply to 1.0 MobileNet-224 with 1000 classes only).
    """
    table = cost_frames.by_type_frame(timing.cost, with_paper=with_paper)
    per_layer = layers_frame(timing)
    extra = per_layer.groupby("type", sort=False).agg(
        layers=("index", "size"), bytes=("bytes", "sum"), time_ms=("time_ms", "sum")
    )
    table = table.merge(extra, left_on="type", right_index=True, how="left")
    table["bytes_pct"] = 100.0 * table["bytes"] / per_layer["bytes"].sum()
    table["time_pct"] = 100.0 * table["time_ms"] / timing.sum_ms if timing.sum_ms > 0 else math.nan
    pairs = zip(table["mult_adds"], table["time_ms"], strict=True)
    table["gflops_per_s"] = [_gflops_per_s(ma, timing.batch, ms) for ma, ms in pairs]
    return table
