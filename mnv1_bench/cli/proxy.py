"""`mnv1-bench proxy`: how well mult-adds (and parameters) predict measured latency on this machine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mnv1_bench.cli.common import (
    MAX_BATCH,
    MAX_THREADS,
    emit_formatted,
    output_folder,
    progress_bar,
    threads_checked,
    threads_text,
    unique_specs,
    whole_number,
)
from mnv1_bench.cli.options import Device, Dtype
from mnv1_bench.cli.render import Column, Format, emit, millions, number, ratio, records, stderr_console, text, warn
from mnv1_bench.errors import UsageProblem

if TYPE_CHECKING:
    import pandas as pd

    from mnv1_bench.counting import Cost
    from mnv1_bench.layer_timing import LayerTiming
    from mnv1_bench.proxy import ProxyResult
    from mnv1_bench.registry import ModelSpec
    from mnv1_bench.timing.config import TimingConfig


MODEL_COLUMNS = (
    Column("model", "Model", text),
    Column("family", "Family", text),
    Column("mult_adds", "Mult-adds (M)", millions(1)),
    Column("params", "Params (M)", millions(2)),
    Column("latency_ms", "Latency (ms)", number(2)),
    Column("iqr_ms", "IQR (ms)", number(2)),
    Column("predicted_ms_mult_adds", "Fit on mult-adds (ms)", number(2)),
    Column("ratio_mult_adds", "Measured ÷ fit", ratio(2)),
    Column("predicted_ms_params", "Fit on params (ms)", number(2)),
    Column("ratio_params", "Measured ÷ fit", ratio(2)),
)
FIT_COLUMNS = (
    Column("against", "Latency fitted against", text),
    Column("n", "Models", number(0)),
    Column("slope", "Slope (log-log)", number(2)),
    Column("pearson_log", "Pearson r (logs)", number(3)),
    Column("spearman", "Spearman rho", number(3)),
    Column("r2_log", "R² (logs)", number(3)),
    Column("furthest", "Furthest from the fit (measured ÷ fit)", text),
)
TABLE2_COLUMNS = (
    Column("type", "Type", text),
    Column("mult_adds_pct", "% mult-adds", number(2)),
    Column("paper_mult_adds_pct", "Paper % mult-adds", number(2)),
    Column("bytes_pct", "% bytes", number(2)),
    Column("time_ms", "Time (ms)", number(2)),
    Column("time_pct", "% time (measured)", number(2)),
    Column("gflops_per_s", "GFLOP/s", number(1)),
)
SECTIONS_FILE = "beyond_the_paper.md"


def proxy(
    device: Annotated[Device, typer.Option(help="Where to run.")] = Device.cpu,
    batch: Annotated[int, typer.Option(help="Images per call.", parser=whole_number(MAX_BATCH))] = 1,
    dtype: Annotated[Dtype, typer.Option(help="Weights and inputs.")] = Dtype.fp32,
    threads: Annotated[
        int | None,
        typer.Option(
            help="CPU intra-op threads [default: every core this process may use].",
            show_default=False,
            parser=whole_number(MAX_THREADS),
        ),  # fmt: skip
    ] = None,
    min_time: Annotated[float, typer.Option("--min-time", help="Seconds of timed runs per model.")] = 1.0,
    out: Annotated[Path, typer.Option(help="Folder for proxy_<device>.png and beyond_the_paper.md.")] = (
        Path("tables")
    ),
    save: Annotated[bool, typer.Option(help="Write the figure and the Markdown section.")] = True,
    format: Annotated[Format, typer.Option("--format", help="Output format (csv: the model rows only).")] = (
        Format.table
    ),
    models: Annotated[str | None, typer.Option(hidden=True, help="Comma-separated subset (tests).")] = None,
) -> None:
    """Time the paper's 16-model grid, Conv MobileNet and the reference networks; fit latency to mult-adds.

    Fits log(latency) = a + slope x log(mult-adds) by least squares and reports Pearson's r (on the logs),
    Spearman's rho, the slope and the models furthest from the fit; the same against parameters. Latency:
    eager PyTorch, median per call of BATCH images, measured by mnv1-bench (`mnv1-bench time`'s engine).
    Example: mnv1-bench proxy --device cpu
    """
    from mnv1_bench import proxy as lib
    from mnv1_bench.registry import resolve
    from mnv1_bench.timing.config import TimingConfig
    from mnv1_bench.timing.memory import check_fits
    from mnv1_bench.timing.run import validate

    config = TimingConfig(device=device, batch=batch, dtype=dtype, threads=threads_checked(threads),
                          min_time_s=min_time)  # fmt: skip
    validate(config)
    if save:
        output_folder("--out", out)
    names = lib.proxy_models() if models is None else [n.strip() for n in models.split(",") if n.strip()]
    different = list(dict.fromkeys(resolve(name).name for name in names))  # all checked before any timing
    if len(different) < lib.MIN_MODELS:
        raise UsageProblem(f"a fit needs at least {lib.MIN_MODELS} different models, got {len(different)} "
                           f"({', '.join(different)})")  # fmt: skip
    specs = unique_specs("--models", names)  # networks named twice are dropped, and said
    # Table 2's per-layer passes run just before the first model, 1.0 MobileNet-224, is timed whole: the two
    # are compared in the Markdown section, and neighbouring windows share the machine's state.
    costs = _count(specs)
    for spec, cost in zip(specs, costs, strict=True):
        check_fits(spec.name, cost, batch, dtype, device)
    table2 = _table2(config) if models is None else None
    frame = _measure(specs, costs, config)
    result = lib.analyse(frame)
    for row in frame.itertuples():
        if row.unstable:
            warn(f"{row.model}: latency unstable (CV over 10%); the machine may be busy")
    env = _environment(config)

    if format is Format.json:
        fits = records(lib.fits_frame(result))
        typer.echo(json.dumps({"setting": env, "models": records(result.frame), "fits": fits}, indent=2))
    elif format is Format.csv:
        emit(result.frame, format, MODEL_COLUMNS)
    else:
        title = f"Measured latency and the log-log fits ({_setting(env)})"
        emit_formatted(result.frame, format, MODEL_COLUMNS, title, [])
        emit_formatted(lib.fits_frame(result), format, FIT_COLUMNS, "How well the proxies predict latency",
                       [*_notes(env), spread(frame)])  # fmt: skip
    if save:
        _save(result, table2, env, out, device.value)


def _count(specs: list[ModelSpec]) -> list[Cost]:
    from mnv1_bench.tables.measure import measure

    with stderr_console().status("counting"):
        return [measure(spec.name)[1] for spec in specs]


def _measure(specs: list[ModelSpec], costs: list[Cost], config: TimingConfig) -> pd.DataFrame:
    """Time each model with the timing engine (a progress bar on stderr); one row per model."""
    import pandas as pd

    from mnv1_bench import proxy as lib
    from mnv1_bench.timing.run import time_runs

    with progress_bar() as progress:
        run = time_runs(specs, [config], None, progress, costs, checked=True)
    if run.interrupted:
        raise KeyboardInterrupt  # a fit over the models finished so far would mislead
    latencies = (lib.Latency(r.median_ms, r.iqr_ms, r.runs, r.cv, r.unstable) for r in run.rows)
    return pd.DataFrame(map(lib.model_row, specs, run.costs, latencies))


def _table2(config: TimingConfig) -> LayerTiming:
    """Per-layer times of 1.0 MobileNet-224 in the same setting: the measured Table 2."""
    from mnv1_bench.counting import count
    from mnv1_bench.layer_timing import time_layers
    from mnv1_bench.registry import resolve

    spec = resolve("mobilenet")
    with stderr_console().status("timing 1.0 MobileNet-224's layers"):
        return time_layers(spec, config, count(spec.build(), spec.input_shape))


def _environment(config: TimingConfig) -> dict:
    from mnv1_bench import results
    from mnv1_bench.environment import device_name, set_threads

    env = results.environment(set_threads(config.threads))
    return env | {"device": config.device, "device_name": device_name(config.device), "batch": config.batch,
                  "dtype": config.dtype, "backend": config.backend, "min_time_s": config.min_time_s}  # fmt: skip


def spread(frame: pd.DataFrame) -> str:
    """How noisy the latencies were: the median CV over the models and how many were flagged unstable."""
    return (f"Spread of the measurements: median CV {frame['cv'].median():.1%} over {len(frame)} models; "
            f"{int(frame['unstable'].sum())} flagged unstable (CV over 10%).")  # fmt: skip


def _setting(env: dict) -> str:
    return f"{env['device_name']}, batch {env['batch']}, {env['dtype']}, {threads_text(env['env_threads'])}"


def _notes(env: dict) -> list[str]:
    return [
        f"Measured by mnv1-bench on {_setting(env)}, PyTorch eager (BN folded), torch {env['torch']}, "
        f"{env['utc']}. Latency = median per call.",
        "Fit: log(latency) = a + slope x log(x), least squares; Pearson r on the logs, Spearman rho on ranks. "
        "Measured ÷ fit > 1: slower than the proxy predicts.",
        "Mult-adds per image (paper convention: conv + FC multiply-accumulates); params = all learnable ones.",
    ]


def _save(result: ProxyResult, table2: LayerTiming | None, env: dict, out: Path, device: str) -> None:
    from mnv1_bench import proxy as lib
    from mnv1_bench.files import write_atomic

    figure = out / f"proxy_{device}.png"
    lib.save_figure(result, figure, f"Latency vs cost, measured by mnv1-bench: {_setting(env)}, PyTorch eager, "
                    f"torch {env['torch']}, {env['utc'][:10]}")  # fmt: skip
    console = stderr_console()
    console.print(f"saved {figure}", style="dim", highlight=False)
    if table2 is None:
        warn(f"a subset of models was timed: {out / SECTIONS_FILE} is left as it is")
        return
    path = out / SECTIONS_FILE
    existing = path.read_text() if path.exists() else ""
    write_atomic(path, lib.merge_sections(existing, device, section(result, table2, env, figure.name)))
    console.print(f"saved {path}", style="dim", highlight=False)


def _whole(result: ProxyResult, table2: LayerTiming) -> str:
    """The whole-network time of the same model from the proxy run, for comparison with the per-layer sum."""
    from mnv1_bench.layer_timing import agreement_pct

    rows = result.frame[result.frame["model"] == table2.model]
    if rows.empty:
        return ""
    whole = float(rows["latency_ms"].iloc[0])
    return (f", against {whole:.2f} ms for the whole network timed without hooks "
            f"({agreement_pct(table2.sum_ms, whole):+.1f}%)")  # fmt: skip


def _md(frame: pd.DataFrame, columns: tuple[Column, ...]) -> str:
    import pandas as pd

    shown = [c for c in columns if c.key in frame]
    rows = [[c.fmt(row.get(c.key)) for c in shown] for row in records(frame)]
    return pd.DataFrame(rows, columns=[c.header for c in shown]).to_markdown(index=False)


def section(result: ProxyResult, table2: LayerTiming, env: dict, figure: str) -> str:
    """One device's part of beyond_the_paper.md: the measured Table 2 and the proxy fits, with provenance."""
    from mnv1_bench import layer_frames, layer_timing, proxy as lib

    by_type = layer_frames.by_type_frame(table2, with_paper=True)
    dw = by_type.set_index("type").loc["Conv dw 3x3"]
    fit = result.fits["mult_adds"]
    worst = lib.outliers(result, "mult_adds", k=3)
    commit = env["git_commit"] or "unknown"
    commit = commit[:12] + ("-dirty" if commit.endswith("-dirty") else "")
    machine = (f"{env['device_name']} ({env['cpu_cores']} cores), {threads_text(env['env_threads'])} (intra-op), batch "
               f"{env['batch']}, {env['dtype']}, PyTorch eager with batch norm folded, torch {env['torch']}, "
               f"mnv1-bench commit {commit}, {env['utc'][:10]}")  # fmt: skip
    where = env["device"].upper()
    return "\n".join([
        f"### Where the time goes on {where}: Table 2 with measured time (1.0 MobileNet-224)",
        "",
        f"Measured by `mnv1-bench proxy --device {env['device']}` on {machine}. "
        f"Per-layer times: {table2.runs} hooked passes, median per layer; {layer_timing.ATTRIBUTION}.",
        "",
        _md(by_type, TABLE2_COLUMNS),
        "",
        f"The depthwise layers hold {dw['mult_adds_pct']:.1f}% of the mult-adds (paper: 3.06%) but "
        f"{dw['bytes_pct']:.1f}% of the bytes moved and {dw['time_pct']:.1f}% of the measured time. "
        f"Per-layer times sum to {table2.sum_ms:.2f} ms{_whole(result, table2)}. {layer_frames.TABLE2_SOURCE}",
        "",
        f"### Mult-adds as a latency proxy on {where} ({fit.n} models)",
        "",
        f"The paper's 16-model grid, Conv MobileNet and the five reference networks, each timed for at least "
        f"{env['min_time_s']:g} s (median per call). Fit: log(latency) = a + slope x log(x), least squares. "
        + spread(result.frame),
        "",
        _md(lib.fits_frame(result), FIT_COLUMNS),
        "",
        f"Against mult-adds the slope is {fit.slope:.2f} (1.0 would mean time in proportion to mult-adds); "
        f"the models furthest from the line: "
        + "; ".join(f"{r.model}, {r.ratio_mult_adds:.2f}x the prediction" for r in worst.itertuples())
        + ".",
        "",
        f"![Latency vs mult-adds and params, log-log, {where}]({figure})",
        "",
        "<details><summary>Per-model latency and fits</summary>",
        "",
        _md(result.frame, MODEL_COLUMNS),
        "",
        "</details>",
    ])  # fmt: skip
