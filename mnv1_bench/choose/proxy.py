"""How well mult-adds (and parameters) predict measured latency, fitted over many networks on one machine.

Models: the paper's 16-model width x resolution grid (Figures 4 and 5), Conv MobileNet (Table 4) and the
reference networks (VGG 16, GoogLeNet, AlexNet, SqueezeNet, Inception V3).

Fit: log(latency) = intercept + slope * log(x), ordinary least squares (numpy.polyfit), for x = mult-adds per
image (paper convention: conv + FC multiply-accumulates) and x = parameters. A slope of 1 means latency grows in
proportion to x. Pearson's r is computed on the logs (how straight the log-log cloud is); Spearman's rho on the
values' ranks (whether more x means slower at all). A model's residual is log(measured / predicted); the models
with the largest |residual| are the ones the proxy gets most wrong.

The latency measurement is injected (`Measure`): the CLI passes `mnv1_bench.timing.run`'s rows, tests pass
synthetic latencies. Nothing here prints.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mnv1_bench.counting import Cost
from mnv1_bench.files import write_atomic
from mnv1_bench.models import registry
from mnv1_bench.models.registry import ModelSpec

GRID = "MobileNet grid"
CONV_MOBILENET = "Conv MobileNet"
REFERENCE = "reference"
AGAINST = {"mult_adds": "mult-adds", "params": "parameters"}  # what latency is fitted against -> its name
MIN_MODELS = 3  # a line through two points has no residuals to judge it by


def proxy_models() -> list[str]:
    """Registry names: the 16-model grid, Conv MobileNet, then the reference networks."""
    return [*registry.grid_names(), "conv-mobilenet-1.0-224", *registry.REFERENCE_NETS]


def family(name: str) -> str:
    if name.startswith("conv-mobilenet"):
        return CONV_MOBILENET
    return GRID if name.startswith("mobilenet") else REFERENCE


def short_label(name: str) -> str:
    """ "mobilenet-0.75-160" -> "0.75-160" (grid points crowd a figure); other names stay as they are."""
    return name.removeprefix("mobilenet-") if family(name) == GRID else name


@dataclass(frozen=True)
class Timed:
    """One model's measured latency per call of a batch, in milliseconds."""

    median_ms: float
    iqr_ms: float = math.nan
    runs: int = 0
    cv: float = math.nan  # standard deviation / mean of the samples
    unstable: bool = False


def model_row(spec: ModelSpec, cost: Cost, latency: Timed) -> dict:
    """One model's row of the fit: its counts (per image) and its measured latency (per call)."""
    return {
        "model": spec.name,
        "label": spec.label,
        "family": family(spec.name),
        "mult_adds": cost.mult_adds,
        "params": cost.params,
        "latency_ms": latency.median_ms,
        "iqr_ms": latency.iqr_ms,
        "runs": latency.runs,
        "cv": latency.cv,
        "unstable": latency.unstable,
    }


@dataclass(frozen=True)
class Fit:
    """log(latency_ms) = intercept + slope * log(x), least squares over n models."""

    against: str  # "mult_adds" or "params"
    n: int
    slope: float
    intercept: float  # natural log of milliseconds at x = 1
    r2: float  # of the log-log fit
    pearson: float  # on log x and log latency
    spearman: float  # on ranks (the same for values and logs)

    def predict_ms(self, x: float | np.ndarray) -> float | np.ndarray:
        return np.exp(self.intercept + self.slope * np.log(x))


def fit_loglog(frame: pd.DataFrame, against: str, y: str = "latency_ms") -> Fit:
    """Fit log(frame[y]) against log(frame[against]); every value must be positive."""
    if against not in AGAINST:
        raise ValueError(f"can fit against {', '.join(AGAINST)}, not {against!r}")
    if len(frame) < MIN_MODELS:
        raise ValueError(f"a fit needs at least {MIN_MODELS} models, got {len(frame)}")
    data = frame[[against, y]].astype(float)
    if not (data > 0).all().all():
        raise ValueError(f"log-log fit needs positive {against} and {y}")
    logs = np.log(data)
    if logs[against].nunique() < 2:
        raise ValueError(f"every model has the same {AGAINST[against]}: no slope to fit")
    slope, intercept = np.polyfit(logs[against], logs[y], 1)
    residuals = logs[y] - (intercept + slope * logs[against])
    spread = ((logs[y] - logs[y].mean()) ** 2).sum()
    return Fit(
        against=against,
        n=len(frame),
        slope=float(slope),
        intercept=float(intercept),
        r2=float(1.0 - (residuals**2).sum() / spread) if spread > 0 else math.nan,
        pearson=float(logs.corr(method="pearson").iloc[0, 1]),
        spearman=float(data.corr(method="spearman").iloc[0, 1]),
    )


@dataclass(frozen=True)
class ProxyResult:
    """Measured rows with each fit's prediction and ratio added, and the fits themselves."""

    frame: pd.DataFrame  # one row per model: predicted_ms_<x>, ratio_<x> = measured / predicted
    fits: dict[str, Fit]  # by what latency was fitted against


def analyse(frame: pd.DataFrame) -> ProxyResult:
    """Fit latency against mult-adds and against parameters; add each model's prediction and ratio."""
    out = frame.copy()
    fits = {}
    for against in AGAINST:
        fit = fit_loglog(frame, against)
        fits[against] = fit
        out[f"predicted_ms_{against}"] = fit.predict_ms(out[against].astype(float).to_numpy())
        out[f"ratio_{against}"] = out["latency_ms"] / out[f"predicted_ms_{against}"]
    return ProxyResult(out, fits)


def outliers(result: ProxyResult, against: str = "mult_adds", k: int = 3) -> pd.DataFrame:
    """The k models furthest from the fit (largest |log(measured / predicted)|), furthest first."""
    frame = result.frame.assign(distance=np.log(result.frame[f"ratio_{against}"]).abs())
    return frame.nlargest(k, "distance").drop(columns="distance").reset_index(drop=True)


def fits_frame(result: ProxyResult) -> pd.DataFrame:
    """One row per fit: what was fitted against, n, slope, correlations, R^2."""
    return pd.DataFrame(
        {
            "against": AGAINST[fit.against],
            "n": fit.n,
            "slope": fit.slope,
            "pearson_log": fit.pearson,
            "spearman": fit.spearman,
            "r2_log": fit.r2,
            "furthest": ", ".join(
                f"{row.model} ({row[f'ratio_{fit.against}']:.2f}x)"
                for _, row in outliers(result, fit.against).iterrows()
            ),
        }
        for fit in result.fits.values()
    )


def save_figure(result: ProxyResult, path: Path, title: str) -> None:
    """Latency against mult-adds and against parameters, log-log, every point labelled, with each fit line.

    Written atomically (:func:`mnv1_bench.files.write_atomic`).
    """
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter

    plain = FuncFormatter(lambda v, _: f"{v:g}")  # "30", not "3 x 10^1"

    colours = {GRID: "tab:blue", CONV_MOBILENET: "tab:orange", REFERENCE: "tab:red"}
    frame = result.frame
    fig, axes = plt.subplots(1, 2, figsize=(14, 6.5), constrained_layout=True)
    units = {"mult_adds": "mult-adds per image (millions)", "params": "parameters (millions)"}
    for ax, (against, fit) in zip(axes, result.fits.items(), strict=True):
        x = frame[against].astype(float) / 1e6
        for fam, colour in colours.items():
            part = frame["family"] == fam
            if part.any():
                ax.scatter(x[part], frame.loc[part, "latency_ms"], color=colour, label=fam, zorder=3)
        line = np.geomspace(x.min() / 1.5, x.max() * 1.5, 50)
        ax.plot(line, fit.predict_ms(line * 1e6), color="grey", linestyle="--", zorder=2,
                label=f"fit: slope {fit.slope:.2f}, Pearson r (log) {fit.pearson:.2f}, "
                f"Spearman {fit.spearman:.2f}")  # fmt: skip
        ax.set_xscale("log")
        ax.set_yscale("log")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}" if str(f"{v:g}")[0] in "25" else ""))
        ax.set_xlabel(f"{units[against]}, log scale")
        ax.set_ylabel("measured latency per batch, median (ms), log scale")
        ax.set_title(f"latency vs {AGAINST[against]}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle(title, fontsize=10)
    fig.canvas.draw()  # settle the layout and limits: labels are placed in pixels
    for ax, against in zip(axes, result.fits, strict=True):
        _label_points(ax, frame[against].astype(float) / 1e6, frame["latency_ms"], frame["model"].map(short_label))
    image = io.BytesIO()
    fig.savefig(image, format=path.suffix.lstrip(".") or "png", dpi=120)
    plt.close(fig)
    write_atomic(path, image.getvalue())


# Offsets in points, tried in turn for each label: beside its point, then below and above, further out.
_LABEL_OFFSETS = [(dx, dy) for dy in (2, -9, 9, -16, 16, -23, 23) for dx in (5, -5)]


def _label_points(ax, xs: pd.Series, ys: pd.Series, labels: pd.Series, fontsize: float = 7) -> None:
    """Label every point where its text overlaps no label placed before (greedy, lowest points first)."""
    scale = ax.figure.dpi / 72  # points -> pixels
    pixels = ax.transData.transform(np.column_stack([xs, ys]))
    placed: list[tuple[float, float, float, float]] = []
    for i in sorted(range(len(labels)), key=lambda k: (pixels[k][1], pixels[k][0])):
        px, py = pixels[i]
        width, height = 0.6 * fontsize * len(labels.iloc[i]) * scale, fontsize * scale  # rough text extent
        for dx, dy in _LABEL_OFFSETS:
            x0 = px + dx * scale - (width if dx < 0 else 0)
            box = (x0, py + dy * scale, x0 + width, py + dy * scale + height)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                break
        placed.append(box)
        ax.annotate(labels.iloc[i], (xs.iloc[i], ys.iloc[i]), textcoords="offset points", xytext=(dx, dy),
                    ha="left" if dx > 0 else "right", va="bottom", fontsize=fontsize)  # fmt: skip
