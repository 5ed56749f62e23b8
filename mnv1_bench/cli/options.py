"""Choices and options that several commands share, declared once so their names and help agree."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mnv1_bench.choices import Backend, Device, Dtype
from mnv1_bench.cli.common import MAX_THREADS, whole_number
from mnv1_bench.errors import UsageProblem
from mnv1_bench.models.archs.mobilenet_range import MAX_RESOLUTION, MIN_RESOLUTION

__all__ = [
    "FLAGS", "Backend", "Calibration", "Device", "Dtype", "InputShape", "ModelRes", "Threads", "TimeBackend",
    "TimeDevice", "TimeDtype", "TimeMinTime", "TimeResults", "TimeSave", "TimeThreads", "flagged",
]  # fmt: skip

# The library's parameters as the options that give them, for the library's errors (UsageProblem.about).
FLAGS = {
    "alphas": "--alphas",
    "backend": "--backend",
    "batch": "--batch",
    "calibration": "--calibration",
    "candidates": "--candidates",
    "device": "--device",
    "dtype": "--dtype",
    "input_shape": "--input-shape",
    "min_time_s": "--min-time",
    "num_classes": "--classes",
    "resolution": "--res",
    "resolutions": "--resolutions",
    "shape": "--res or --input-shape",
    "threads": "--threads",
    "weights": "--weights",
    # pick's Budget
    "ms": "--budget-ms",
    "params": "--max-params",
    "mult_adds": "--max-mult-adds",
    "size_mb": "--max-size-mb",
}


def flagged(problem: UsageProblem) -> str:
    """The problem's message, naming the options a user gave rather than the library's parameters."""
    return problem.naming(FLAGS)


# The --time options of compare, sweep and tables (batch 1; fp32 eager PyTorch unless --backend / --dtype say).
TimeDevice = Annotated[Device, typer.Option(help="Where --time runs.")]
TimeBackend = Annotated[
    Backend,
    typer.Option(help="The engine --time runs (one per run; `mnv1-bench time` compares several side by side)."),
]
TimeDtype = Annotated[
    Dtype, typer.Option(help="Weights and inputs for --time (int8: static post-training quantization).")
]
TimeMinTime = Annotated[float, typer.Option("--min-time", help="Seconds of timed runs per model (--time).")]
TimeThreads = Annotated[
    int | None,
    typer.Option(help="CPU threads for --time [default: every core but one].", parser=whole_number(MAX_THREADS)),
]
TimeResults = Annotated[Path, typer.Option(help="Where --time saves its rows, with provenance.")]
TimeSave = Annotated[bool, typer.Option(help="Save --time rows under RESULTS.")]

# --calibration of the commands that can time int8.
Calibration = Annotated[
    Path | None,
    typer.Option(
        help="int8: a folder of images to calibrate on [default: 16 seeded synthetic inputs].", show_default=False
    ),
]

# --threads of the commands that always time (time, layers, proxy).
Threads = Annotated[
    int | None,
    typer.Option(
        help="CPU intra-op threads [default: every core this process may use but one, at least one].",
        show_default=False,
        parser=whole_number(MAX_THREADS),
    ),  # fmt: skip
]

# The input size of named models (flops, time, layers): like NAME@RES and NAME@CxHxW, for every model named.
ModelRes = Annotated[
    int | None,
    typer.Option(
        "--res",
        help=f"Input resolution, {MIN_RESOLUTION} to {MAX_RESOLUTION}, for every model named (as NAME@RES does) "
        "[default: each model's own: its weights' or pretrained config's size for torchvision and timm].",
        show_default=False,
        parser=whole_number(MAX_RESOLUTION),
    ),  # fmt: skip
]
InputShape = Annotated[
    str | None,
    typer.Option(
        "--input-shape",
        metavar="C,H,W",
        help="One image's input as channels,height,width (e.g. 1,28,28), for a network that does not take "
        "3 x RES x RES images (as NAME@CxHxW does).",
        show_default=False,
    ),
]
