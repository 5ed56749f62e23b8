"""The paper's Figures 4 and 5 (accuracy cited, cost measured) and a measured latency-vs-mult-adds figure.

Matplotlib with the Agg backend, PNG at a fixed size and resolution, with no timestamp or software version in
the file's metadata, so a figure changes only when what it shows changes.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd

from mnv1_bench import paper
from mnv1_bench.files import write_atomic

SIZE_IN = (8.0, 5.4)
DPI = 120
METADATA = {"Software": None}  # matplotlib otherwise writes its version into the PNG
ALPHA_COLORS = {"1.0": "tab:blue", "0.75": "tab:orange", "0.5": "tab:green", "0.25": "tab:red"}
DEVICE_MARKERS = {"cpu": "o", "cuda": "^"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display; deterministic raster output
    import matplotlib.pyplot as plt

    return plt


def _log_axis(axis, set_scale) -> None:
    """A log axis with plain tick labels (50, 100, 200) instead of powers of ten."""
    from matplotlib.ticker import FuncFormatter

    set_scale("log")

    def plain(value: float, _position: object) -> str:
        if value <= 0:
            return ""
        leading = value / 10 ** math.floor(math.log10(value) + 1e-9)
        return f"{value:g}" if round(leading, 6) in (1, 2, 5) else ""  # 1-2-5 labels do not collide

    axis.set_major_formatter(FuncFormatter(plain))
    axis.set_minor_formatter(FuncFormatter(plain))


def _finish(fig, path: Path) -> Path:
    """Lay the figure out, write it as a PNG atomically (:func:`mnv1_bench.files.write_atomic`) and close it."""
    fig.tight_layout()
    image = io.BytesIO()
    fig.savefig(image, format="png", dpi=DPI, metadata=METADATA)
    _pyplot().close(fig)
    write_atomic(path, image.getvalue())
    return path


def accuracy_figure(grid: pd.DataFrame, x: str, path: Path) -> Path:
    """Figure 4 (x="mult_adds") or 5 (x="weights"): cited ImageNet top-1 against a measured count, log x.

    ``grid`` is :func:`mnv1_bench.choose.sweep.grid_frame`'s output; models without a printed accuracy are left out.
    """
    plt = _pyplot()
    number, what, unit = (
        (4, "Mult-Adds", "millions") if x == "mult_adds" else (5, "Parameters", "millions of conv and FC weights")
    )
    points = grid.dropna(subset=["paper_top1"])
    fig, ax = plt.subplots(figsize=SIZE_IN)
    for alpha, group in points.groupby("alpha_label", sort=False):
        ax.scatter(group[x] / 1e6, group["paper_top1"], color=ALPHA_COLORS.get(alpha, "tab:gray"),
                   label=f"width multiplier {alpha}", zorder=3)  # fmt: skip
        for row in group.itertuples():
            ax.annotate(row.label, (getattr(row, x) / 1e6, row.paper_top1), textcoords="offset points",
                        xytext=(5, -3), fontsize=7)  # fmt: skip
    _log_axis(ax.xaxis, ax.set_xscale)
    ax.margins(x=0.2, y=0.08)  # room for the point labels
    ax.set_xlabel(f"{what} ({unit}, measured by mnv1-bench; log scale)")
    ax.set_ylabel("ImageNet top-1 accuracy (%, cited from the paper)")
    ax.set_title(f"Figure {number}: ImageNet accuracy vs {what.lower()}\n"
                 f"accuracy cited from {paper.CITATION}\n"
                 f"{len(points)} of the {len(grid)} width x resolution models have a printed accuracy "
                 "(Tables 6, 7, 9)", fontsize=9)  # fmt: skip
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _finish(fig, path)


def latency_figure(timed: pd.DataFrame, path: Path) -> Path:
    """Measured median latency (ms per image, batch 1) against measured mult-adds, log-log, one series per
    device and model family, with error bars from the 25th to the 75th percentile of the samples. ``timed`` has
    model, device, device_name, mult_adds, median_ms, p25_ms, p75_ms, family."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=SIZE_IN)
    for (device_name, device, family), group in timed.groupby(["device_name", "device", "family"], sort=True):
        marker = DEVICE_MARKERS.get(device, "s")
        spread = [group["median_ms"] - group["p25_ms"], group["p75_ms"] - group["median_ms"]]
        ax.errorbar(group["mult_adds"] / 1e6, group["median_ms"], yerr=spread, fmt=marker,
                    markersize=5, capsize=2, label=f"{family}, {device_name}")  # fmt: skip
        if family != "MobileNet grid":
            for i, row in enumerate(group.sort_values("mult_adds").itertuples()):
                # Alternate above and below: neighbours such as AlexNet and SqueezeNet sit close together.
                ax.annotate(row.model, (row.mult_adds / 1e6, row.median_ms), textcoords="offset points",
                            xytext=(5, 4 if i % 2 else -10), fontsize=7)  # fmt: skip
    _log_axis(ax.xaxis, ax.set_xscale)
    _log_axis(ax.yaxis, ax.set_yscale)
    ax.margins(x=0.15)
    ax.set_xlabel("Mult-adds per image (millions, measured; log scale)")
    ax.set_ylabel("Median latency per image (ms, measured; log scale)")
    ax.set_title("Measured latency vs mult-adds (batch 1, fp32, eager; error bars: 25th to 75th percentile)\n"
                 "not in the paper: mult-adds as a proxy for latency", fontsize=9)  # fmt: skip
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    return _finish(fig, path)


def pick_figure(frame: pd.DataFrame, budget_ms: float | None, setting: str, path: Path) -> Path:
    """ "Figure 4 on this device": cited ImageNet top-1 against measured median latency per call (log x), the
    accuracy-vs-latency Pareto frontier as a line, the budget as a vertical line, the pick circled. ``frame`` is
    :func:`mnv1_bench.choose.pick.candidate_frame`'s (after choosing); candidates without a cited accuracy or a measured
    latency cannot be placed and are counted in the title. ``setting`` names the device and configuration."""
    plt = _pyplot()
    points = frame.dropna(subset=["top1", "median_ms"])
    fig, ax = plt.subplots(figsize=SIZE_IN)
    for source, group in points.groupby("top1_source", sort=True):
        ax.scatter(group["median_ms"], group["top1"], s=18, zorder=3, label=f"top-1 cited from {source}")
    for row in points.itertuples():
        ax.annotate(row.model, (row.median_ms, row.top1), textcoords="offset points", xytext=(4, -3), fontsize=6)
    front = points[points["pareto"]].sort_values("median_ms")
    ax.step(front["median_ms"], front["top1"], where="post", color="black", linewidth=1, label="Pareto frontier")
    picked = points[points["picked"]]
    if not picked.empty:
        ax.scatter(picked["median_ms"], picked["top1"], s=160, facecolors="none", edgecolors="tab:red",
                   linewidths=2, zorder=4, label="the pick")  # fmt: skip
    if budget_ms is not None:
        ax.axvline(budget_ms, color="tab:red", linestyle="--", linewidth=1, label=f"budget {budget_ms:g} ms")
    _log_axis(ax.xaxis, ax.set_xscale)
    ax.margins(x=0.15, y=0.08)
    ax.set_xlabel("Median latency per call (ms, measured by mnv1-bench; log scale)")
    ax.set_ylabel("ImageNet top-1 accuracy (%, cited)")
    left_out = len(frame) - len(points)
    placed = f"{len(points)} candidates placed" + (
        f"; {left_out} without a cited accuracy or a latency left out" if left_out else ""
    )
    ax.set_title(f"Figure 4 on this device: ImageNet accuracy vs measured latency\n{setting}\n{placed}", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    return _finish(fig, path)
