"""`mnv1-bench layers`: where the time goes, layer by layer, beside mult-adds, params and bytes moved."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import typer

from mnv1_bench.cli.options import Device, Dtype
from mnv1_bench.cli.render import Column, Format, Wide, emit, millions, number, records, warn, word

if TYPE_CHECKING:
    from mnv1_bench.layer_timing import LayerTiming
    from mnv1_bench.timing import Stats


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
    model: Annotated[str, typer.Argument(help="Model to time, e.g. mobilenet, mobilenet-0.5-160, vgg16.")],
    device: Annotated[Device, typer.Option(help="Where to run.")] = Device.cpu,
    batch: Annotated[int, typer.Option(help="Images per forward pass.")] = 1,
    dtype: Annotated[Dtype, typer.Option(help="Weights and inputs.")] = Dtype.fp32,
    runs: Annotated[int, typer.Option(help="Timed passes with per-layer stamps; times are their medians.")] = 30,
    threads: Annotated[
        int | None,
        typer.Option(help="CPU intra-op threads [default: every core this process may use].", show_default=False),
    ] = None,
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
    wide: Wide = False,
) -> None:
    """Measured time of every conv and FC layer beside its mult-adds, params and bytes moved, and by type.

    Each layer's time runs from its start to the start of the next conv/FC layer, so batch norm, activation
    and pooling count with the layer they follow. The by-type summary is the paper's Table 2 with measured
    time added. Example: mnv1-bench layers mobilenet --device cpu
    """
    from mnv1_bench import layer_timing
    from mnv1_bench.counting import count
    from mnv1_bench.errors import UsageProblem
    from mnv1_bench.registry import resolve
    from mnv1_bench.timing import TimingConfig, instability, summarize, time_spec, validate

    if runs < 1:
        raise UsageProblem(f"--runs must be at least 1, got {runs}")
    spec = resolve(model)
    config = TimingConfig(device=device.value, batch=batch, dtype=dtype.value, backend="eager",
                          threads=threads, min_time_s=min_time, fold_bn=fold_bn)  # fmt: skip
    validate(config)
    from mnv1_bench import backends

    backends.check_supported(config)  # before the model is built: bad settings fail at once
    cost = count(spec.build(), spec.input_shape)
    # The whole network is timed half before and half after the hooked passes, and the samples pooled, so
    # that a shared machine's drift between the two measurements weighs on both alike.
    half = replace(config, min_time_s=min_time / 2)
    with _status(format, f"timing {spec.name} whole (no hooks)"):
        before = time_spec(spec, half, cost=cost)
    with _status(format, f"timing {spec.name}'s layers"):
        timing = layer_timing.time_layers(spec, config, cost, runs=runs)
    with _status(format, f"timing {spec.name} whole again"):
        after = time_spec(spec, half, cost=cost)
    whole = summarize(before.samples_ms + after.samples_ms)
    unstable = instability(whole, max(before.calls_per_sample, after.calls_per_sample))

    per_layer = layer_timing.layers_frame(timing)
    with_paper = layer_timing.is_table2_model(spec.name, spec.num_classes)
    by_type = layer_timing.by_type_frame(timing, with_paper=with_paper)
    agreement = layer_timing.agreement_pct(timing.sum_ms, whole.median_ms)
    if abs(agreement) > layer_timing.AGREEMENT_TOLERANCE_PCT:
        warn(f"per-layer times add up to {agreement:+.1f}% of the whole-network time, beyond "
             f"±{layer_timing.AGREEMENT_TOLERANCE_PCT:g}%: the machine may be busy (whole-network CV "
             f"{whole.cv:.0%}); rerun when it is quiet")  # fmt: skip
    if unstable:
        warn(f"whole-network time unstable: {unstable}")

    if format is Format.json:
        typer.echo(json.dumps(summary(timing, whole) | {"layers": records(per_layer),
                                                          "by_type": records(by_type)}, indent=2))  # fmt: skip
    elif format is Format.csv:
        emit(per_layer, format, LAYER_COLUMNS)
    else:
        title = f"{spec.name}: measured time per conv/FC layer, in execution order ({_setting(timing)})"
        lines = totals_lines(timing, whole)
        notes = notes_for(timing, with_paper)
        emit(per_layer, format, LAYER_COLUMNS, title, (), wide)
        emit(by_type, format, BY_TYPE_COLUMNS, f"{spec.name}: by layer type (the paper's Table 2, measured)",
             [*lines, *notes], wide)  # fmt: skip


def summary(timing: LayerTiming, whole: Stats) -> dict:
    """The run's setting and the whole-network comparison, for JSON output."""
    from mnv1_bench import layer_timing

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
    from mnv1_bench import layer_timing

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
    from mnv1_bench import layer_timing

    notes = [
        f"Measured by mnv1-bench: {timing.settings}; {threads_text(timing.threads)}; torch {timing.torch_version}.",
        f"Attribution: {layer_timing.ATTRIBUTION}.",
        "Mult-adds per image (paper convention: conv + FC multiply-accumulates; FLOPs = 2 x mult-adds); "
        f"bytes per pass at batch {timing.batch} = weights + biases + input + output at the dtype's size; "
        "FLOPs/byte and GFLOP/s are for the whole batch.",
    ]
    if with_paper:
        notes.append(layer_timing.TABLE2_SOURCE)
    return notes


def _setting(timing: LayerTiming) -> str:
    return f"{timing.device}, batch {timing.batch}, {timing.dtype}, {threads_text(timing.threads)}"


def threads_text(threads: int) -> str:
    return f"{threads} thread" + ("" if threads == 1 else "s")


def _status(fmt: Format, message: str):
    """A spinner on stderr while timing (only for the interactive table output)."""
    from contextlib import nullcontext

    from mnv1_bench.cli.render import stderr_console

    return stderr_console().status(message) if fmt is Format.table else nullcontext()
