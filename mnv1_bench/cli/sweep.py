"""`mnv1-bench sweep`: the width x resolution grid of Figures 4 and 5, counted, with the paper's accuracy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mnv1_bench.cli.common import drop_repeats, output_folder, with_progress
from mnv1_bench.cli.options import (
    Backend,
    Calibration,
    Device,
    Dtype,
    TimeBackend,
    TimeDevice,
    TimeDtype,
    TimeMinTime,
    TimeResults,
    TimeSave,
    TimeThreads,
)
from mnv1_bench.cli.render import CONVENTION, Column, Format, Wide, accuracy, emit, millions, number, word
from mnv1_bench.cli.timed import check_calibration, timed_keys, timing_config, with_numerics
from mnv1_bench.models.archs.mobilenet_range import MAX_ALPHA, MAX_RESOLUTION, MIN_RESOLUTION

DEFAULT_ALPHAS = "1,0.75,0.5,0.25"
DEFAULT_RESOLUTIONS = "224,192,160,128"


COLUMNS = (
    word("model", "Model"),
    word("alpha_label", "α"),
    word("resolution", "Resolution"),
    Column("mult_adds", "Mult-adds (M)", millions(1)),
    Column("weights", "Weights (M)", millions(3)),
    Column("paper_top1", "ImageNet top-1 (paper)", accuracy),
    word("paper_source", "Cited from", priority=3),
)
TIMED_COLUMNS = (
    Column("median_ms", "Median (ms)", number(2)),
    Column("iqr_ms", "IQR (ms)", number(2), priority=1),
    Column("throughput_per_s", "Images/s", number(1), priority=2),
)


def sweep(
    alphas: Annotated[
        str, typer.Option(help=f"Width multipliers, comma-separated, each in (0, {MAX_ALPHA:g}].")
    ] = DEFAULT_ALPHAS,
    resolutions: Annotated[
        str,
        typer.Option(help=f"Input resolutions, comma-separated integers from {MIN_RESOLUTION} to {MAX_RESOLUTION}."),
    ] = DEFAULT_RESOLUTIONS,
    time: Annotated[
        bool, typer.Option("--time", help="Also measure latency (batch 1; fp32 eager by default).")
    ] = False,
    device: TimeDevice = Device.cpu,
    backend: TimeBackend = Backend.eager,
    dtype: TimeDtype = Dtype.fp32,
    calibration: Calibration = None,
    min_time: TimeMinTime = 1.0,
    threads: TimeThreads = None,
    results: TimeResults = Path("results"),
    save: TimeSave = True,
    format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    wide: Wide = False,
) -> None:
    """Count every MobileNet of a width x resolution grid (the paper's Figures 4 and 5).

    Mult-adds (conv + FC multiply-accumulates; FLOPs = 2 x mult-adds) and weights (conv and FC weight tensors,
    what the paper's parameter figures count) are measured; ImageNet top-1 is cited from the paper where it
    prints one (Tables 6, 7 and 9), empty otherwise. Example: mnv1-bench sweep --alphas 1,0.5 --resolutions 224,128
    """
    from mnv1_bench.choose.sweep import grid_frame, grid_keys, parse_alphas, parse_resolutions
    from mnv1_bench.counting import count
    from mnv1_bench.tables.costs import count_all

    alpha_values, resolution_values = parse_alphas(alphas), parse_resolutions(resolutions)
    drop_repeats("--alphas", [float(item) for item in alphas.split(",")], lambda alpha: f"{alpha:g}")
    drop_repeats("--resolutions", [int(item) for item in resolutions.split(",")])
    config = timing_config(device, min_time, threads, backend, dtype, calibration) if time else None
    if time and save:
        output_folder("--results", results)
    if config is not None:
        check_calibration(config, resolution_values)
    keys = grid_keys(alpha_values, resolution_values)
    with_progress(keys, count_all, "counting")
    frame = grid_frame(count, alpha_values, resolution_values)
    columns = list(COLUMNS)
    notes = [
        f"Mult-adds and weights measured by mnv1-bench: {CONVENTION}.",
        "ImageNet top-1 cited from Howard et al. 2017 (arXiv 1704.04861) where it prints one; its Figures 4 and 5 "
        "plot the whole grid, but only printed numbers are cited here.",
    ]
    if config is not None:
        from mnv1_bench.tables.timed import device_label, timed_frame
        from mnv1_bench.timing import report

        label = device_label(config)
        timed = timed_keys(keys, config, results if save else None)
        frame = timed_frame(frame, keys, timed)
        frame["device"], frame["backend"], frame["dtype"] = label, config.backend, config.dtype
        columns += [*TIMED_COLUMNS, *with_numerics(frame, [timed[key] for key in keys])]
        notes.append(f"Latency measured by mnv1-bench on {label}: median and IQR per image, batch 1, {config.dtype}, "
                     f"{config.backend}; the grid is timed in interleaved rounds.")  # fmt: skip
        notes += report.how_produced(list(timed.values()))
    emit(frame, format, columns, "MobileNet width x resolution grid (Figures 4 and 5)", notes, wide)
