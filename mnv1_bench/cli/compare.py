"""`mnv1-bench compare`: Table 8's question for any models. Cost beside the paper, and ratios to a baseline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mnv1_bench.cli.common import output_folder, unique_specs, with_input_column, with_progress
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
from mnv1_bench.cli.render import (
    CONVENTION,
    DELTA_TEXT,
    Column,
    Format,
    Wide,
    accuracy,
    delta,
    emit,
    millions,
    number,
    printed,
    ratio,
    word,
)
from mnv1_bench.cli.timed import check_calibration, timed_keys, timing_config, with_numerics

BASELINE = "mobilenet"  # 1.0 MobileNet-224, the paper's Table 8 baseline


COLUMNS = (
    word("model", "Model"),
    Column("paper_top1", "Top-1 (paper)", accuracy, priority=1),
    Column("paper_mult_adds_m", "Mult-adds paper (M)", printed),
    Column("mult_adds", "measured (M)", millions(1)),
    Column("mult_adds_delta", "Δ (M)", value=delta("mult_adds", "paper_mult_adds_m")),
    Column("paper_params_m", "Params paper (M)", printed),
    Column("weights", "Weights (M)", millions(3)),
    Column("weights_delta", "Δ (M)", value=delta("weights", "paper_params_m")),
    Column("mult_adds_ratio", "Mult-adds ÷ base", ratio()),
    Column("paper_mult_adds_ratio", "Mult-adds ÷ base (paper)", ratio(), priority=2),
    Column("weights_ratio", "Weights ÷ base", ratio()),
    Column("paper_params_ratio", "Params ÷ base (paper)", ratio(), priority=2),
)
TIMED_COLUMNS = (
    Column("median_ms", "Median (ms)", number(2)),
    Column("iqr_ms", "IQR (ms)", number(2), priority=1),
    Column("throughput_per_s", "Images/s", number(1), priority=3),
    Column("time_ratio", "Time ÷ base", ratio()),
    word("time_ratio_ci", "Time ÷ base (95% CI)", priority=1),
    word("verdict", "Verdict", priority=1),
)


def compare(
    models: Annotated[
        list[str],
        typer.Argument(help="Models to compare with the baseline (see `mnv1-bench models`).", show_default=False),
    ],
    baseline: Annotated[
        str, typer.Option(help="The model every ratio divides by (Table 9 uses mobilenet-0.5-160).")
    ] = BASELINE,
    time: Annotated[
        bool, typer.Option("--time", help="Also measure latency and throughput (batch 1; fp32 eager by default).")
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
    """Compare models with 1.0 MobileNet-224 as the paper's Table 8 does, and check its ratios.

    Rows: the baseline first, then each model. Accuracy is cited from the paper (it cannot be measured here);
    mult-adds (conv, FC and attention multiply-accumulates; FLOPs = 2 x mult-adds) and weights (the weight
    tensors of those layers, which the paper's parameter figures count) are measured, beside the paper's
    figures; ratios are model / baseline, measured and from the paper's own figures.
    Example: mnv1-bench compare vgg16 googlenet
    """
    from mnv1_bench.counting.frames import printed_values
    from mnv1_bench.tables.compare import compare_frame
    from mnv1_bench.tables.costs import count_all

    config = timing_config(device, min_time, threads, backend, dtype, calibration) if time else None
    if time and save:
        output_folder("--results", results)
    specs = unique_specs("MODEL", [baseline, *models])  # all checked before counting
    if config is not None:
        check_calibration(config, [spec.input_size for spec in specs])
    names = [spec.name for spec in specs]
    keys = [(name, 1000) for name in names]
    counted = with_progress(keys, count_all, "counting")
    measured = [counted[key] for key in keys]
    frame = compare_frame(measured)
    columns = list(with_input_column(COLUMNS, [spec for spec, _ in measured]))
    timing_notes: list[str] = []
    if config is not None:
        from mnv1_bench.tables.timed import TIMING_FIELDS, device_label
        from mnv1_bench.timing import report

        timed = timed_keys(keys, config, results if save else None)
        for field in TIMING_FIELDS:
            frame[field] = [getattr(timed[key], field) for key in keys]
        frame["time_ratio"] = [1.0 if key == keys[0] else timed[key].as_dict()["ratio_to_first"] for key in keys]
        frame["time_ratio_ci"] = [report.ratio_text(timed[key]) for key in keys]
        frame["verdict"] = [timed[key].verdict for key in keys]
        frame["device"], frame["backend"], frame["dtype"] = device_label(config), config.backend, config.dtype
        columns += [*TIMED_COLUMNS, *with_numerics(frame, [timed[key] for key in keys])]
        timing_notes = [
            f"Latency measured by mnv1-bench on {device_label(config)}: median and IQR per image, batch 1, "
            f"{config.dtype}, {config.backend}; the models are timed in interleaved rounds. Time ÷ base (95% CI): "
            "each model's median over the base's, with a 95% interval over 5 windows of consecutive rounds (drift "
            "within this run, not what changes between runs: `mnv1-bench time --repeats 3` covers that); faster or "
            "slower when the whole interval is below or above 1.",
            *report.how_produced(list(timed.values())),
        ]
    shown = printed_values(frame) if format in (Format.json, Format.csv) else frame
    emit(shown, format, columns, _title(measured[0][0]),
         _notes(frame, measured, timing_notes), wide)  # fmt: skip


def _title(base) -> str:
    """Names the baseline every ratio divides by, and the paper's table that uses the same one, if any."""
    shape = {"mobilenet-1.0-224": ", as in Table 8", "mobilenet-0.5-160": ", as in Table 9"}.get(base.name, "")
    return f"Cost beside the paper, and each model ÷ {base.name} ({base.label}), the baseline{shape}"


def _notes(frame, measured, timing_notes: list[str]) -> list[str]:
    from mnv1_bench import paper
    from mnv1_bench.tables.compare import claim_notes

    notes = [
        f"Top-1 and paper figures cited from {paper.CITATION} (accuracy cannot be measured here). Measured by "
        f"mnv1-bench: {CONVENTION}. {DELTA_TEXT}; ratios = model / base, to three significant figures.",
    ]
    notes += timing_notes
    for record in frame.to_dict("records"):
        if record["note"]:
            notes.append(f"{record['model']}: {record['note']}")
    return notes + claim_notes(frame, measured)
