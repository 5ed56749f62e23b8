"""`mnv1-bench layers`: where the time goes, layer by layer, beside mult-adds, params and bytes moved."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mnv1_bench.cli.common import (
    MAX_BATCH,
    input_shape_option,
    threads_checked,
    threads_text,
    unique_specs,
    whole_number,
)
from mnv1_bench.cli.options import Device, Dtype, InputShape, ModelRes, Threads
from mnv1_bench.cli.render import Column, Format, Wide, emit, millions, number, records, stderr_console, warn, word
from mnv1_bench.errors import UsageProblem

if TYPE_CHECKING:
    from mnv1_bench.layers.timing import LayerRun, LayerTiming
    from mnv1_bench.timing.stats import Stats


LAYER_COLUMNS = (
    word("index", "#"),
    word("name", "Layer"),
    word("type", "Type"),
    word("in_shape", "Input", priority=3),
    word("out_shape", "Output", priority=2),
    Column("mult_adds", "Mult-adds (M)", millions(2)),
    Column("params", "Params (K)", lambda v: f"{float(v) / 1e3:,.1f}"),
    Column("bytes", "Bytes (MB)", millions(2), priority=1),
    Column("flops_per_byte", "FLOPs/byte", number(1), priority=2),
    Column("time_ms", "Time (ms)", number(3)),
    Column("gflops_per_s", "GFLOP/s", number(1), priority=1),
    Column("mult_adds_pct", "% mult-adds", number(2)),
    Column("bytes_pct", "% bytes", number(2), priority=1),
    Column("time_pct", "% time", number(2)),
)
SQNR_COLUMNS = (
    word("index", "#"),
    word("name", "Layer"),
    word("type", "Type"),
    Column("sqnr_db", "SQNR (dB), int8 up to here", number(1)),
    Column("weight_sqnr_db", "Weight SQNR (dB), per-channel", number(1)),
    Column("weight_sqnr_tensor_db", "Weight SQNR (dB), per-tensor", number(1), priority=1),
)
SQNR_BY_TYPE_COLUMNS = (
    word("type", "Type"),
    Column("layers", "Layers", number(0)),
    Column("min_sqnr_db", "Lowest SQNR (dB)", number(1)),
    Column("median_sqnr_db", "Median SQNR (dB)", number(1)),
)
BY_TYPE_COLUMNS = (
    word("type", "Type"),
    Column("layers", "Layers", number(0)),
    Column("mult_adds_pct", "% mult-adds", number(2)),
    Column("paper_mult_adds_pct", "Paper %", number(2)),
    Column("weights_pct", "% weights", number(2)),
    Column("paper_weights_pct", "Paper %", number(2)),
    Column("bytes_pct", "% bytes", number(2)),
    Column("time_ms", "Time (ms)", number(3)),
    Column("time_pct", "% time", number(2)),
    Column("gflops_per_s", "GFLOP/s", number(1)),
)


def layers(
    model: Annotated[
        str, typer.Argument(help="Model to time, e.g. mobilenet, mobilenet-0.5-160, vgg16 (see `mnv1-bench models`).")
    ],
    res: ModelRes = None,
    input_shape: InputShape = None,
    device: Annotated[Device, typer.Option(help="Where to run.")] = Device.cpu,
    batch: Annotated[int, typer.Option(help="Images per forward pass.", parser=whole_number(MAX_BATCH))] = 1,
    dtype: Annotated[Dtype, typer.Option(help="Weights and inputs.")] = Dtype.fp32,
    runs: Annotated[
        int,
        typer.Option(help="Timed passes with per-layer stamps; times are their medians.", parser=whole_number(10**5)),
    ] = 30,
    threads: Threads = None,
    min_time: Annotated[
        float,
        typer.Option(
            "--min-time",
            help="Seconds of timed work for the whole network (no hooks): half before, half after the layers.",
        ),
    ] = 1.0,
    fold_bn: Annotated[
        bool, typer.Option(help="Fold batch norm into the conv before it, as `mnv1-bench time` does.")
    ] = True,
    format: Annotated[Format, typer.Option("--format", help="Output format (csv: the layer rows only).")] = (
        Format.table
    ),
    calibration: Annotated[
        Path | None, typer.Option(help="--dtype int8: a folder of images to calibrate on.", show_default=False)
    ] = None,
    weights: Annotated[
        Path | None, typer.Option(help="A state dict loaded into the model (--dtype int8).", show_default=False)
    ] = None,
    wide: Wide = False,
) -> None:
    """Measured time of every conv and FC layer beside its mult-adds, params and bytes moved, and by type.

    Each layer's time runs from its start to the start of the next conv/FC layer, so batch norm, activation
    and pooling count with the layer they follow. The by-type summary is the paper's Table 2 with measured
    time added. Example: mnv1-bench layers mobilenet --device cpu

    --dtype int8 shows each layer's signal-to-quantization-noise ratio against fp32 instead (simulated static
    int8, as the onnxruntime and openvino backends run it): mnv1-bench layers mobilenet --dtype int8
    """
    from mnv1_bench.counting.frames import is_table2_model
    from mnv1_bench.layers.timing import time_layers_and_whole
    from mnv1_bench.timing.config import TimingConfig
    from mnv1_bench.timing.memory import check_fits
    from mnv1_bench.timing.run import validate

    if runs < 1:
        raise UsageProblem(f"--runs must be at least 1, got {runs}")
    if dtype == Dtype.int8:
        return _quantization_noise(model, calibration, weights, format, wide)
    if calibration is not None or weights is not None:
        raise UsageProblem("--calibration and --weights go with --dtype int8 (the quantization-noise view)")
    (spec,) = unique_specs("MODEL", [model], shape=input_shape_option(res, input_shape))
    config = TimingConfig(device=device, batch=batch, dtype=dtype, threads=threads_checked(threads),
                          min_time_s=min_time, fold_bn=fold_bn)  # fmt: skip
    validate(config)  # before the model is built: bad settings fail at once
    from mnv1_bench.counting import count

    cost = count(spec)
    check_fits(spec.name, cost, batch, dtype, device)
    with _status(format) as on_phase:
        run = time_layers_and_whole(spec, config, cost, runs, on_phase)
    if run.invalid:
        warn(f"INVALID: {run.invalid}: the machine may be busy (whole-network CV {run.whole.cv:.0%}); rerun "
             "with --threads 1 or when it is quiet")  # fmt: skip
    if run.unstable:
        warn(f"whole-network time unstable: {'; '.join(flag.text() for flag in run.unstable)}")
    _render(run, spec.input_text, is_table2_model(spec), format, wide)


def _render(run: LayerRun, input_text: str, with_paper: bool, format: Format, wide: bool) -> None:
    """The per-layer table and the by-type table (Table 2 with measured time), in the format asked."""
    from mnv1_bench.layers.frames import by_type_frame, layers_frame

    timing, whole = run.timing, run.whole
    per_layer = layers_frame(timing)
    by_type = by_type_frame(timing, with_paper=with_paper)
    if format is Format.json:
        data = summary(timing, whole) | {"input": input_text, "valid": not run.invalid, "invalid_reason": run.invalid}
        typer.echo(json.dumps(data | {"layers": records(per_layer), "by_type": records(by_type)}, indent=2))
    elif format is Format.csv:
        emit(per_layer, format, LAYER_COLUMNS)
    else:
        mark = "INVALID " if run.invalid else ""  # the layers do not add up to the network: not a result
        title = f"{mark}{timing.model}: measured time per conv/FC layer, in execution order ({_setting(timing)})"
        invalid = [f"INVALID: {run.invalid}; these per-layer times are not the network's."] if run.invalid else []
        emit(per_layer, format, LAYER_COLUMNS, title, invalid, wide)
        emit(by_type, format, BY_TYPE_COLUMNS, f"{mark}{timing.model}: by layer type (the paper's Table 2, measured)",
             [*invalid, *totals_lines(timing, whole), *notes_for(timing, with_paper)], wide)  # fmt: skip


def _quantization_noise(model: str, calibration: Path | None, weights: Path | None, format: Format,
                        wide: bool) -> None:  # fmt: skip
    """Each conv/FC layer's SQNR against fp32 in simulated int8, and the lowest and median per layer type."""
    from mnv1_bench.layers.quant_error import by_type, quant_error
    from mnv1_bench.models.registry import resolve
    from mnv1_bench.timing.calibration import calibration_set
    from mnv1_bench.timing.weights import pinned, weights_text

    spec = pinned(resolve(model), weights)
    folder = str(calibration) if calibration is not None else None
    calibration_set(folder, spec.input_size)  # a bad folder: one line, exit 2, before the model runs
    result = quant_error(spec, folder)
    kinds = by_type(result.frame)
    if format is Format.json:
        data = {
            "model": spec.name,
            "calibration": result.calibration,
            "weights": weights_text(weights),
            "output_sqnr_db": result.output_sqnr_db,
            "layers": records(result.frame),
            "by_type": records(kinds),
        }
        typer.echo(json.dumps(data, indent=2))
        return
    emit(result.frame, format, SQNR_COLUMNS, f"{spec.name}: int8 quantization noise per conv/FC layer (simulated)",
         [], wide)  # fmt: skip
    if format is not Format.csv:
        emit(kinds, format, SQNR_BY_TYPE_COLUMNS, f"{spec.name}: by layer type", [
            f"Logits: {result.output_sqnr_db:.1f} dB. SQNR = 10 log10(fp32 output power / (fp32 - int8 output) "
            "power) on 16 seeded inputs; higher is better, about 6 dB a bit.",
            "Simulated in PyTorch as the exported backends quantize: BN folded; int8 weights, symmetric, one scale "
            "per output channel; uint8 inputs to every conv/FC, one range per tensor (min/max on the "
            f"calibration set). {result.calibration}; {weights_text(weights)}.",
            "With random weights this shows how the noise builds up through the depth, not what trained weights "
            "lose (--weights FILE).",
        ], wide)  # fmt: skip


def summary(timing: LayerTiming, whole: Stats) -> dict:
    """The run's setting and the whole-network comparison, for JSON output."""
    from mnv1_bench.layers import timing as layer_timing

    return {
        "model": timing.model, "device": timing.device, "dtype": timing.dtype, "batch": timing.batch,
        "threads": timing.threads, "torch": timing.torch_version, "settings": timing.settings,
        "runs": timing.runs, "warmup_runs": timing.warmup, "whole_ms": whole.median_ms,
        "whole_iqr_ms": whole.iqr_ms, "whole_runs": whole.runs, "whole_cv": whole.cv,
        "sum_ms": timing.sum_ms, "instrumented_ms": timing.instrumented_ms,
        "agreement_pct": layer_timing.agreement_pct(timing.sum_ms, whole.median_ms),
        "attribution": layer_timing.ATTRIBUTION,
    }  # fmt: skip


def totals_lines(timing: LayerTiming, whole: Stats) -> list[str]:
    """The whole-network time beside the per-layer sum, so a reader sees that they agree (or not)."""
    from mnv1_bench.layers import timing as layer_timing

    agreement = layer_timing.agreement_pct(timing.sum_ms, whole.median_ms)
    return [
        f"Whole network, measured without hooks (mnv1_bench.timing, {whole.runs} samples taken before and after "
        "the hooked passes): "
        f"{whole.median_ms:.2f} ms median (IQR {whole.iqr_ms:.2f} ms, CV {whole.cv:.0%}).",
        f"Sum of the per-layer medians ({timing.runs} passes with hooks): {timing.sum_ms:.2f} ms, "
        f"{agreement:+.1f}% of the whole; the hooked passes themselves took {timing.instrumented_ms:.2f} ms "
        "median.",
    ]


def notes_for(timing: LayerTiming, with_paper: bool) -> list[str]:
    from mnv1_bench.counting.frames import TABLE2_SOURCE
    from mnv1_bench.layers import timing as layer_timing

    notes = [
        f"Measured by mnv1-bench: {timing.settings}; {threads_text(timing.threads)}; torch {timing.torch_version}.",
        f"Attribution: {layer_timing.ATTRIBUTION}.",
        "Mult-adds per image (paper convention: conv + FC multiply-accumulates; FLOPs = 2 x mult-adds); "
        f"bytes per pass at batch {timing.batch} = weights + biases + input + output at the dtype's size; "
        "FLOPs/byte and GFLOP/s are for the whole batch.",
    ]
    if with_paper:
        notes.append(TABLE2_SOURCE)
    return notes


def _setting(timing: LayerTiming) -> str:
    return f"{timing.device}, batch {timing.batch}, {timing.dtype}, {threads_text(timing.threads)}"


@contextmanager
def _status(fmt: Format) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr while timing (only for the interactive table output); yields its message setter."""
    if fmt is not Format.table:
        yield lambda message: None
        return
    with stderr_console().status("timing") as status:
        yield status.update
