"""Timing for `compare`, `sweep` and `tables --time`: each model timed once, each row saved with provenance.

Times come from :func:`mnv1_bench.timing.run.time_runs` (median and IQR per call, after warm-up, device synced);
rows are saved under ``results/`` as the `time` command saves them, so figures can be drawn from them later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from mnv1_bench.environment import device_name, set_threads
from mnv1_bench.formatting import threads_text
from mnv1_bench.tables import published
from mnv1_bench.tables.base import Column, PaperTable, fixed
from mnv1_bench.tables.costs import ModelKey, spec_and_cost
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.rows import TimingRow
from mnv1_bench.timing.run import time_runs

TIMING_FIELDS = ("median_ms", "iqr_ms", "throughput_per_s", "runs", "unstable", "busy")


def time_models(
    keys: Iterable[ModelKey],
    config: TimingConfig,
    results_dir: Path | None,
    on_each: Callable[[ModelKey], None] | None = None,
) -> dict[ModelKey, TimingRow]:
    """Time each (model, classes) once with ``config``, which has passed ``mnv1_bench.timing.run.validate``; save
    every finished row under ``results_dir`` (None: do not save). Returns TimingRows by key; Ctrl-C propagates
    (the rows finished are saved)."""
    keys = list(dict.fromkeys(keys))
    counted = [spec_and_cost(*key) for key in keys]

    def progress(done: int, total: int, doing: str) -> None:
        if done and on_each is not None:  # the models are timed in interleaved rounds: the bar goes round too
            on_each(keys[(done - 1) % len(keys)])

    specs, costs = [spec for spec, _ in counted], [cost for _, cost in counted]
    run = time_runs(specs, [config], results_dir, progress, costs, checked=True)
    if run.interrupted:
        raise KeyboardInterrupt
    return dict(zip(keys, run.rows, strict=True))


def device_label(config: TimingConfig) -> str:
    """ "cpu (AMD EPYC ..., 2 threads)" or "cuda (NVIDIA H100 ...)", for titles and notes."""
    if config.device == "cuda":
        return f"cuda ({device_name('cuda')})"
    return f"cpu ({device_name('cpu')}, {threads_text(set_threads(config.threads))})"


def timed_table(table: PaperTable, timings: dict[ModelKey, TimingRow], device: str) -> PaperTable:
    """A comparison table (4 to 10) with measured latency added; machine-dependent, so written as *_timed."""
    frame = table.frame.copy()
    rows = [timings.get((m, c)) for m, c in zip(frame["model"], frame["classes"], strict=True)]
    for field in TIMING_FIELDS:
        frame[field] = [getattr(r, field) if r is not None else None for r in rows]
    columns = tuple(c for c in table.columns if c.key != "agrees") + (
        Column("median_ms", f"Median latency (ms, measured, {device})", fixed(2)),
        Column("iqr_ms", "IQR (ms)", fixed(2)),
        Column("throughput_per_s", "Images/s", fixed(1)),
    )
    timed = [r for r in rows if r is not None]
    unstable = [f"{m}" for m, r in zip(frame["model"], rows, strict=True) if r is not None and r.unstable]
    notes = (
        f"Latency measured by mnv1-bench on {device}: median and inter-quartile range per image (batch 1, fp32, "
        "eager PyTorch, batch norm folded), after warm-up. It depends on the machine; the count table "
        f"{table.stem}.md does not.",
        # published.of_section reads these counts back: a later run replaces this table only if as stable
        "Stability: " + published.Stability(len(timed), len(unstable), sum(r.busy for r in timed)).stated(),
    ) + ((f"Unstable timings (rerun on a quieter machine): {', '.join(unstable)}.",) if unstable else ())
    return replace(table, frame=frame, columns=columns, notes=table.notes + notes)


def timed_frame(frame: pd.DataFrame, keys: list[ModelKey], timings: dict[ModelKey, TimingRow]) -> pd.DataFrame:
    """Add the timing fields to a frame whose rows follow ``keys``."""
    out = frame.copy()
    for field in TIMING_FIELDS:
        out[field] = [getattr(timings[k], field) if k in timings else None for k in keys]
    return out
