"""The timed path that compare, sweep, tables and proxy share: one batch-1 configuration from the --time
options, validated before anything is built; --calibration read early; models timed with a progress bar and
the unstable, busy and slow warnings; the numerics columns of rows other than fp32 eager."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from mnv1_bench.choices import Backend, Device, Dtype
from mnv1_bench.cli.common import threads_checked, with_progress
from mnv1_bench.cli.render import Column, fraction_pct, missing, number, warn

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from mnv1_bench.tables.costs import ModelKey
    from mnv1_bench.timing.config import TimingConfig
    from mnv1_bench.timing.rows import TimingRow

# How closely a row's logits agree with fp32 eager, and its exported size: rows other than fp32 eager have them.
NUMERICS_COLUMNS = (
    Column("numerics_cosine", "Cosine vs fp32 eager", number(5), priority=1),
    Column("numerics_max_abs", "Max |Δ| logit", lambda v: "-" if missing(v) else f"{float(v):.3g}", priority=1),
    Column("top1_agreement", "Top-1 agree", fraction_pct, priority=1),
    Column("size_mb", "Size (MB)", number(2), priority=2),
)


def timing_config(
    device: Device,
    min_time: float,
    threads: int | None,
    backend: Backend = Backend.eager,
    dtype: Dtype = Dtype.fp32,
    calibration: Path | None = None,
) -> TimingConfig:
    """The --time options' batch-1 configuration, validated (one line, exit 2) before anything is built or timed:
    a backend and dtype that cannot run together here are refused, not skipped, since they are all that was
    asked for. --calibration is read here too, so that a folder without images fails before any counting."""
    from mnv1_bench.timing.config import TimingConfig
    from mnv1_bench.timing.run import validate

    folder = str(calibration) if calibration is not None else None
    config = TimingConfig(device=device, batch=1, dtype=dtype, backend=backend, min_time_s=min_time,
                          threads=threads_checked(threads), calibration=folder)  # fmt: skip
    validate(config)
    if folder is not None and dtype != Dtype.int8:
        warn("--calibration is used by int8 only, and --dtype is " + dtype)
    return config


def with_numerics(frame: pd.DataFrame, rows: Sequence[TimingRow]) -> list[Column]:
    """Add the timed rows' numerics fields to `frame` (one row each, in order); the columns of those any row has."""
    shown = []
    for column in NUMERICS_COLUMNS:
        values = [getattr(row, column.key) for row in rows]
        if any(value is not None for value in values):
            frame[column.key] = values
            shown.append(column)
    return shown


def check_calibration(config: TimingConfig, sizes: Iterable[int]) -> None:
    """int8 with --calibration: the folder's images read at every input size (one line, exit 2 if they cannot be)."""
    if config.dtype == Dtype.int8:
        read_calibration(config.calibration, sizes)


def read_calibration(folder: str | None, sizes: Iterable[int]) -> None:
    """--calibration's images read at every input size, before anything is built: a folder without images or an
    image that cannot be read is one line and exit 2. Nothing to read when `folder` is None."""
    from mnv1_bench.timing.calibration import calibration_set

    if folder is not None:
        for size in sorted(set(sizes)):
            calibration_set(folder, size)


def timed_keys(keys: list[ModelKey], config: TimingConfig, results_dir: Path | None) -> dict[ModelKey, TimingRow]:
    """Each (model, classes) timed once with `config` (a progress bar on stderr, rows saved under `results_dir`
    unless None), then one warning per unstable model and the busy and slow lines."""
    from mnv1_bench.tables.timed import time_models

    timed = with_progress(keys, lambda ks, each: time_models(ks, config, results_dir, each), "timing")
    warn_about(list(timed.values()))
    return timed


def warn_about(rows: Sequence[TimingRow]) -> None:
    """One warning per unstable row, naming its setting, why and what to do, then the busy and slow lines."""
    from mnv1_bench.timing import report
    from mnv1_bench.timing.flags import texts

    for row in rows:
        if row.unstable:
            warn(f"{report.row_label(row)}: unstable ({texts(row.flags, 'UNSTABLE')}); rerun with a longer "
                 "--min-time or on a quieter machine")  # fmt: skip
    for line in report.machine_warnings(rows):
        warn(line)
