"""`mnv1-bench proxy`: how well mult-adds (and parameters) predict measured latency on this machine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mnv1_bench.cli.common import (
    MAX_BATCH,
    output_folder,
    progress_bar,
    threads_checked,
    threads_text,
    unique_specs,
    whole_number,
)
from mnv1_bench.cli.options import Backend, Calibration, Device, Dtype, Threads
from mnv1_bench.cli.render import (
    Format,
    Wide,
    emit,
    records,
    stderr_console,
    warn,
)
from mnv1_bench.cli.timed import check_calibration, warn_about
from mnv1_bench.errors import UsageProblem

if TYPE_CHECKING:
    import pandas as pd

    from mnv1_bench.choose.proxy import ProxyResult
    from mnv1_bench.counting import Cost
    from mnv1_bench.layers.timing import LayerTiming
    from mnv1_bench.models.registry import ModelSpec
    from mnv1_bench.timing.config import TimingConfig


def proxy(
    device: Annotated[Device, typer.Option(help="Where to run.")] = Device.cpu,
    batch: Annotated[int, typer.Option(help="Images per call.", parser=whole_number(MAX_BATCH))] = 1,
    dtype: Annotated[Dtype, typer.Option(help="Weights and inputs (int8: static post-training quantization).")] = (
        Dtype.fp32
    ),
    backend: Annotated[
        Backend,
        typer.Option(
            help="The engine timed; the published figure and section are fp32 eager, others get their own figure."
        ),  # fmt: skip
    ] = Backend.eager,
    calibration: Calibration = None,
    threads: Threads = None,
    min_time: Annotated[float, typer.Option("--min-time", help="Seconds of timed runs per model.")] = 1.0,
    out: Annotated[Path, typer.Option(help="Folder for proxy_<device>.png and beyond_the_paper.md.")] = (
        Path("tables")
    ),
    save: Annotated[bool, typer.Option(help="Write the figure and the Markdown section.")] = True,
    force: Annotated[
        bool, typer.Option(help="Replace the published figure and section even with a less stable run.")
    ] = False,
    format: Annotated[Format, typer.Option("--format", help="Output format (csv: the model rows only).")] = (
        Format.table
    ),
    models: Annotated[str | None, typer.Option(hidden=True, help="Comma-separated subset (tests).")] = None,
    wide: Wide = False,
) -> None:
    """Time the paper's 16-model grid, Conv MobileNet and the reference networks; fit latency to mult-adds.

    Fits log(latency) = a + slope x log(mult-adds) by least squares and reports Pearson's r (on the logs),
    Spearman's rho, the slope and the models furthest from the fit; the same against parameters. Latency:
    median per call of BATCH images with BACKEND in DTYPE (fp32 eager PyTorch by default), measured by mnv1-bench
    (`mnv1-bench time`'s engine). fp32 eager runs also time 1.0 MobileNet-224's layers (the measured Table 2) and
    publish to OUT/proxy_DEVICE.png and OUT/beyond_the_paper.md; other settings write
    OUT/proxy_DEVICE_BACKEND_DTYPE.png only. Example: mnv1-bench proxy --device cpu --backend onnxruntime --dtype int8
    """
    from mnv1_bench.choose import proxy as lib
    from mnv1_bench.tables import beyond
    from mnv1_bench.timing.config import TimingConfig
    from mnv1_bench.timing.run import validate

    folder = str(calibration) if calibration is not None else None
    config = TimingConfig(device=device, batch=batch, dtype=dtype, backend=backend, threads=threads_checked(threads),
                          min_time_s=min_time, calibration=folder)  # fmt: skip
    validate(config)
    if save:
        output_folder("--out", out)
    specs = _specs(models)
    check_calibration(config, [spec.input_size for spec in specs])
    # Table 2's per-layer passes run just before the first model, 1.0 MobileNet-224, is timed whole: the two
    # are compared in the Markdown section, and neighbouring windows share the machine's state.
    costs = _count(specs, config)
    table2 = _table2(config) if models is None and (backend, dtype) == beyond.PUBLISHED_SETTING else None
    frame, interrupted = _measure(specs, costs, config)
    env = _environment(config)
    if interrupted:  # what was measured is shown, as `time` does; a partial fit is neither drawn nor saved
        emit(frame, format, beyond.MODEL_COLUMNS, f"Measured latency ({_setting(env)}), interrupted", (), wide)
        warn(f"interrupted: the table shows the {len(frame)} of {len(specs)} models timed before the interrupt; "
             "no fit is drawn and nothing is saved")  # fmt: skip
        raise typer.Exit(130)
    result = lib.analyse(frame)
    _render(result, frame, env, format, wide)
    if save:
        _save(result, table2, env, out, device.value, force)


def _render(result: ProxyResult, frame: pd.DataFrame, env: dict, format: Format, wide: bool) -> None:
    from mnv1_bench.choose import proxy as lib
    from mnv1_bench.tables import beyond

    if format is Format.json:
        fits = records(lib.fits_frame(result))
        typer.echo(json.dumps({"setting": env, "models": records(result.frame), "fits": fits}, indent=2))
    elif format is Format.csv:
        emit(result.frame, format, beyond.MODEL_COLUMNS)
    else:
        title = f"Measured latency and the log-log fits ({_setting(env)})"
        emit(result.frame, format, beyond.MODEL_COLUMNS, title, (), wide)
        emit(lib.fits_frame(result), format, beyond.FIT_COLUMNS, "How well the proxies predict latency",
             [*_notes(env), beyond.spread(frame)], wide)  # fmt: skip


def _specs(models: str | None) -> list[ModelSpec]:
    """The grid, or the --models named: all resolved before any timing, networks named twice dropped and said."""
    from mnv1_bench.choose import proxy as lib
    from mnv1_bench.models.registry import resolve

    names = lib.proxy_models() if models is None else [n.strip() for n in models.split(",") if n.strip()]
    different = list(dict.fromkeys(resolve(name).name for name in names))
    if len(different) < lib.MIN_MODELS:
        raise UsageProblem(f"a fit needs at least {lib.MIN_MODELS} different models, got {len(different)} "
                           f"({', '.join(different)})")  # fmt: skip
    return unique_specs("--models", names)


def _count(specs: list[ModelSpec], config: TimingConfig) -> list[Cost]:
    """Each model's cost, refused (one line, exit 2) where the batch cannot fit in memory."""
    from mnv1_bench.tables.costs import spec_and_cost
    from mnv1_bench.timing.memory import check_fits

    with stderr_console().status("counting"):
        costs = [spec_and_cost(spec.name)[1] for spec in specs]
    for spec, cost in zip(specs, costs, strict=True):
        check_fits(spec.name, cost, config.batch, config.dtype, config.device)
    return costs


def _measure(specs: list[ModelSpec], costs: list[Cost], config: TimingConfig) -> tuple[pd.DataFrame, bool]:
    """Time each model with the timing engine (a progress bar on stderr); one row per model timed, and whether
    Ctrl-C cut the run short (before any model finished, it propagates)."""
    import pandas as pd

    from mnv1_bench.choose import proxy as lib
    from mnv1_bench.timing.run import time_runs

    with progress_bar() as progress:
        run = time_runs(specs, [config], None, progress, costs, checked=True)
    warn_about(run.rows)
    counted = {spec.name: (spec, cost) for spec, cost in zip(specs, run.costs, strict=True)}
    frame = pd.DataFrame([lib.model_row(*counted[r.model], lib.Timed(r.median_ms, r.iqr_ms, r.runs, r.cv, r.unstable))
                          for r in run.rows])  # fmt: skip
    frame["busy"] = [r.busy for r in run.rows]
    return frame, run.interrupted


def _table2(config: TimingConfig) -> LayerTiming:
    """Per-layer times of 1.0 MobileNet-224 in the same setting: the measured Table 2."""
    from mnv1_bench.counting import count
    from mnv1_bench.layers.timing import time_layers
    from mnv1_bench.models.registry import resolve

    spec = resolve("mobilenet")
    with stderr_console().status("timing 1.0 MobileNet-224's layers"):
        return time_layers(spec, config, count(spec))


def _environment(config: TimingConfig) -> dict:
    from mnv1_bench.environment import device_name, set_threads
    from mnv1_bench.store import runs as results

    env = results.environment(set_threads(config.threads))
    return env | {"device": config.device, "device_name": device_name(config.device), "batch": config.batch,
                  "dtype": config.dtype, "backend": config.backend, "min_time_s": config.min_time_s}  # fmt: skip


def _setting(env: dict) -> str:
    return (f"{env['device_name']}, batch {env['batch']}, {env['dtype']}, {_engine(env)}, "
            f"{threads_text(env['env_threads'])}")  # fmt: skip


def _engine(env: dict) -> str:
    return "PyTorch eager (BN folded)" if env["backend"] == Backend.eager else str(env["backend"])


def _figure_title(env: dict) -> str:
    return f"Latency vs cost, measured by mnv1-bench: {_setting(env)}, torch {env['torch']}, {env['utc'][:10]}"


def _notes(env: dict) -> list[str]:
    return [
        f"Measured by mnv1-bench on {_setting(env)}, torch {env['torch']}, {env['utc']}. Latency = median per call.",
        "Fit: log(latency) = a + slope x log(x), least squares; Pearson r on the logs, Spearman rho on ranks. "
        "Measured ÷ fit > 1: slower than the proxy predicts.",
        "Mult-adds per image (paper convention: conv + FC multiply-accumulates); params = all learnable ones.",
    ]


def _save(result: ProxyResult, table2: LayerTiming | None, env: dict, out: Path, device: str, force: bool) -> None:
    """Write the figure and the device's section, unless what is published there is more stable (then say so)."""
    from mnv1_bench.choose import proxy as lib
    from mnv1_bench.tables import beyond

    if (env["backend"], env["dtype"]) != beyond.PUBLISHED_SETTING:
        figure = out / beyond.figure_name(device, env["backend"], env["dtype"])
        lib.save_figure(result, figure, _figure_title(env))
        stderr_console().print(f"saved {figure}", style="dim", highlight=False)
        warn(f"{out / beyond.figure_name(device)} and {out / beyond.SECTIONS_FILE} are for fp32 eager PyTorch only: "
             "this run leaves them as they are")  # fmt: skip
        return
    figure = out / beyond.figure_name(device)
    decision = beyond.publish_decision(out, result, device, table2 is not None, force)
    if not decision.replace:
        warn(decision.message)
        return
    console = stderr_console()
    console.print(decision.message, style="dim", highlight=False)
    lib.save_figure(result, figure, _figure_title(env))
    console.print(f"saved {figure}", style="dim", highlight=False)
    if table2 is None:
        warn(f"a subset of models was timed: {out / beyond.SECTIONS_FILE} is left as it is")
        return
    if invalid := beyond.table2_invalid(result, table2):
        warn(f"INVALID: {invalid}: {out / beyond.SECTIONS_FILE} is left as it is; rerun with --threads 1 or when "
             "the machine is quiet")  # fmt: skip
        return
    path = beyond.write_section(out, result, table2, env, figure.name)
    console.print(f"saved {path}", style="dim", highlight=False)
