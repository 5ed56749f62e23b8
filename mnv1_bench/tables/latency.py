"""Measured latency for the figure the paper does not have: latency vs mult-adds, per device.

The rows come from published timing results (``results/published/time-*.jsonl``: a run's file saved under
``results/`` is published by moving it there; see :mod:`mnv1_bench.store.runs`): batch 1,
fp32, eager PyTorch, one row per model and device (the most recent). Which models: the width x resolution
grid, the standard-conv MobileNet and the reference networks.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mnv1_bench.models.registry import REFERENCE_NETS, grid_names
from mnv1_bench.timing.stats import quantile

FIGURE = "latency_vs_mult_adds.png"
SETTING = {"batch": 1, "dtype": "fp32", "backend": "eager"}
FAMILIES = {
    **{name: "MobileNet grid" for name in grid_names()},
    "conv-mobilenet-1.0-224": "Conv MobileNet",
    **{name: "reference networks" for name in REFERENCE_NETS},
}


def latency_frame(results: pd.DataFrame) -> pd.DataFrame:
    """The figure's points: model, family, device, device_name, mult_adds, median_ms, iqr_ms, the 25th and 75th
    percentiles p25_ms and p75_ms (from the saved samples), unstable, utc, source."""
    columns = ["model", "family", "device", "device_name", "mult_adds", "median_ms", "iqr_ms", "p25_ms", "p75_ms",
               "unstable", "utc", "source"]  # fmt: skip
    if results.empty or not {"model", "device", "median_ms", "mult_adds"} <= set(results.columns):
        return pd.DataFrame(columns=columns)
    rows = results
    for key, value in SETTING.items():
        if key in rows:
            rows = rows[rows[key] == value]
    if "channels_last" in rows:
        rows = rows[~rows["channels_last"].fillna(False).astype(bool)]
    if "classes" in rows:  # `compare`, `sweep` and `tables --time` record it; `time` always uses 1000 classes
        rows = rows[rows["classes"].fillna(1000) == 1000]
    rows = rows[rows["model"].isin(FAMILIES)].copy()
    if rows.empty:
        return pd.DataFrame(columns=columns)
    rows["family"] = rows["model"].map(FAMILIES)
    rows["device_name"] = [_device_name(r) for r in rows.to_dict("records")]
    for key in ("iqr_ms", "unstable", "utc", "source"):
        if key not in rows:
            rows[key] = None
    latest = most_trusted(rows, ["model", "device", "device_name"])
    quartiles = [_quartiles(r) for r in latest.to_dict("records")]
    latest["p25_ms"], latest["p75_ms"] = [q[0] for q in quartiles], [q[1] for q in quartiles]
    return latest[columns].sort_values(["device", "device_name", "mult_adds", "model"]).reset_index(drop=True)


def most_trusted(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per `keys`: the newest stable one; where every row is flagged unstable, the one with the lowest
    CV. A newer run replaces an older one only when it is stable, so a noisy run published later never hides a
    steadier one."""
    rows = rows.copy()
    rows["_stable"] = ~rows["unstable"].fillna(False).astype(bool) if "unstable" in rows else True
    rows["_cv"] = rows["cv"].astype(float).fillna(float("inf")) if "cv" in rows else float("inf")
    rows = rows.sort_values(["utc", "source"], na_position="first", kind="stable")
    stable = rows[rows["_stable"]].groupby(keys, sort=True).tail(1)
    rest = rows[~rows.set_index(keys).index.isin(stable.set_index(keys).index)]
    steadiest = rest.sort_values("_cv", kind="stable").groupby(keys, sort=True).head(1)
    return pd.concat([stable, steadiest]).drop(columns=["_stable", "_cv"])


def _quartiles(record: dict) -> tuple[float, float]:
    """The 25th and 75th percentiles of the row's saved samples; without samples, median -/+ IQR / 2."""
    samples = record.get("samples_ms")
    if isinstance(samples, list) and samples:
        ordered = sorted(float(s) for s in samples)
        return quantile(ordered, 0.25), quantile(ordered, 0.75)
    half = float(record.get("iqr_ms") or 0.0) / 2
    return record["median_ms"] - half, record["median_ms"] + half


def _device_name(record: dict) -> str:
    """The processor a row ran on, as its provenance records it: the GPU's name on cuda; on cpu, the CPU's
    name and the threads used (a different thread count is a different measurement)."""
    cuda = record.get("device") == "cuda"
    name = record.get("gpu_name" if cuda else "cpu_model")
    if not isinstance(name, str) or not name:
        name = str(record.get("device", "unknown")).upper()
    threads = record.get("threads")
    if cuda or not isinstance(threads, (int, float)) or threads != threads:
        return name
    return f"{name}, {int(threads)} thread{'s' if threads != 1 else ''}"


def index_lines(points: pd.DataFrame, results_dir: Path, drawn: bool) -> list[str]:
    """What the index says about measured latency: the figure and where its numbers came from, or why not."""
    folder = f"{results_dir.parent.name}/{results_dir.name}" if results_dir.parent.name else results_dir.name
    if not drawn:
        return [
            f"No published timing results under `{folder}/` for these models (batch 1, fp32, eager), so the "
            f"latency figure has not been drawn. Run `mnv1-bench tables --time` (or `mnv1-bench time MODEL...`) "
            f"to measure them and move the run's file from `results/` into `{folder}/`; `mnv1-bench tables` then "
            "draws it from there."
        ]
    lines = [
        f"[Latency vs mult-adds]({FIGURE}) (measured; not in the paper): median latency per image at batch 1, "
        f"fp32, eager PyTorch, from the published timing results under `{folder}/`:",
        "",
        "| Device | Processor | Models | Flagged unstable (CV over 10%) | Result files |",
        "|---|---|---|---|---|",
    ]
    for (device, name), group in points.groupby(["device", "device_name"], sort=True):
        files = ", ".join(f"`{s}`" for s in sorted(set(group["source"].dropna())))
        unstable = int(group["unstable"].fillna(False).astype(bool).sum())
        lines.append(f"| {device} | {name} | {len(group)} | {unstable} | {files} |")
    lines += [
        "",
        "`mnv1-bench tables --time` also writes `tableN_timed.md` and `.csv` (Tables 4 to 10 with measured "
        "latency); they depend on the machine, so they are kept apart from the count tables above.",
    ]
    return lines
