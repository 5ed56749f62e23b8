"""Choices and options that several commands share, declared once so their names and help agree."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer


class Device(str, Enum):
    cpu = "cpu"
    cuda = "cuda"


class Dtype(str, Enum):
    fp32 = "fp32"
    fp16 = "fp16"
    bf16 = "bf16"


# The --time options of compare, sweep and tables (batch 1, fp32, eager PyTorch).
TimeDevice = Annotated[Device, typer.Option(help="Where --time runs.")]
TimeMinTime = Annotated[float, typer.Option("--min-time", help="Seconds of timed runs per model (--time).")]
TimeThreads = Annotated[int | None, typer.Option(help="CPU threads for --time [default: every core].")]
TimeResults = Annotated[Path, typer.Option(help="Where --time saves its rows, with provenance.")]
TimeSave = Annotated[bool, typer.Option(help="Save --time rows under RESULTS.")]
