"""`mnv1-bench time`: measured latency and throughput, beside the mult-adds that predicted them."""

from __future__ import annotations

from typing import Annotated

import typer

from mnv1_bench.cli.options import Device
from mnv1_bench.cli.render import (
    Column,
    Format,
    Wide,
    blank,
    emit,
    fraction_pct,
    millions,
    number,
    ratio,
    stderr_console,
    warn,
    word,
)
from mnv1_bench.errors import UsageProblem
from mnv1_bench.timing import BACKENDS, DTYPES  # stdlib-only module: cheap at start-up

COLUMNS = (
    word("model", "Model"),
    word("backend", "Backend"),
    word("dtype", "Dtype"),
    word("batch", "Batch"),
    Column("median_ms", "Median (ms)", number(3)),
    Column("iqr_ms", "IQR (ms)", number(3)),
    Column("p90_ms", "p90 (ms)", number(3), priority=3),
    word("runs", "Runs"),
    Column("cv", "CV", fraction_pct, priority=2),
    Column("throughput_per_s", "Images/s", number(1), priority=1),
    Column("mult_adds", "Mult-adds (M)", millions(1)),
    Column("mult_adds_vs_first", "Mult-adds ÷ #1", ratio()),
    Column("time_vs_first", "Time ÷ #1", ratio()),
    Column("roofline_fraction", "Roofline", fraction_pct, priority=2),
    word("bound", "Bound", priority=3),
    word("flag", "Flag", blank),
)


def parse_list(option: str, value: str, choices: tuple[str, ...]) -> list[str]:
    """ "a,b" -> ["a", "b"], each checked against `choices`; duplicates dropped, order kept."""
    items = [v.strip().lower() for v in value.split(",") if v.strip()]
    if not items:
        raise UsageProblem(f"{option} needs at least one of {', '.join(choices)}")
    for item in items:
        if item not in choices:
            raise UsageProblem(f"{option}: unknown value {item!r}; choose from {', '.join(choices)}")
    return list(dict.fromkeys(items))


def parse_batches(value: str) -> list[int]:
    """ "1,32" -> [1, 32]; each a positive integer."""
    batches = []
    for item in (v.strip() for v in value.split(",")):
        if not item.isdigit() or int(item) < 1:
            raise UsageProblem(f"--batch takes positive integers separated by commas, got {item or value!r}")
        batches.append(int(item))
    return list(dict.fromkeys(batches))


def time_models(
    models: Annotated[list[str], typer.Argument(help="Models to time (see `mnv1-bench models`).", show_default=False)],
    device: Annotated[Device, typer.Option(help="Where to run.")] = Device.cpu,
    batch: Annotated[str, typer.Option(help="Batch sizes, comma-separated, e.g. 1,32.")] = "1",
    dtype: Annotated[str, typer.Option(help="fp32, fp16, bf16; comma-separated.")] = "fp32",
    backend: Annotated[
        str, typer.Option(help="eager, compile (torch.compile), cudagraph (CUDA only), onnxruntime; comma-separated.")
    ] = "eager",
    channels_last: Annotated[bool, typer.Option(help="NHWC memory format (PyTorch backends).")] = False,
    fold_bn: Annotated[bool, typer.Option(help="Fold batch norm into the conv before it (PyTorch backends).")] = True,
    threads: Annotated[int | None, typer.Option(help="CPU threads [default: every core].")] = None,
    min_time: Annotated[float, typer.Option(help="Seconds of timed runs per row, after warm-up.")] = 1.0,
    format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    save: Annotated[bool, typer.Option(help="Save rows with provenance to results/time-<UTC>-<host>.jsonl.")] = True,
    wide: Wide = False,
) -> None:
    """Time models: median, IQR, p90 and runs per row, throughput, and roofline floors.

    Times are measured by mnv1-bench per call of BATCH images, in eval and inference mode, after warm-up, with
    device sync around each sample. Mult-adds are the paper's convention (conv + FC multiply-accumulates).
    Example: mnv1-bench time mobilenet conv-mobilenet --backend eager,onnxruntime
    """
    from mnv1_bench.timing import TimingConfig, validate

    if not min_time > 0 or min_time == float("inf"):
        raise UsageProblem(f"--min-time must be a positive number of seconds, got {min_time:g}")
    if threads is not None and threads < 1:
        raise UsageProblem(f"--threads must be at least 1, got {threads}")
    configs = [
        TimingConfig(
            device=device.value,
            batch=b,
            dtype=d,
            backend=k,
            channels_last=channels_last,
            threads=threads,
            min_time_s=min_time,
            fold_bn=fold_bn,
        )  # fmt: skip
        for k in parse_list("--backend", backend, BACKENDS)
        for d in parse_list("--dtype", dtype, DTYPES)
        for b in parse_batches(batch)
    ]
    for config in configs:
        validate(config)
    from mnv1_bench import backends

    for config in configs:  # every combination is checked before the first (possibly long) run
        backends.check_supported(config)
    from mnv1_bench.registry import resolve

    specs = list({spec.name: spec for spec in (resolve(name) for name in models)}.values())
    rows, interrupted = _run(specs, configs, save)
    frame = compare_frame(rows)
    for row in rows:
        if row.unstable:
            warn(f"{_label(row)}: unstable ({row.unstable_reason}); rerun with a longer --min-time or on a "
                 "quieter machine")  # fmt: skip
    columns = COLUMNS if len(specs) > 1 else [c for c in COLUMNS if not c.key.endswith("_vs_first")]
    emit(frame, format, columns, "Latency per call (measured by mnv1-bench)", _notes(rows, specs), wide)
    if interrupted:
        warn(f"interrupted: the table shows the {len(rows)} rows finished before Ctrl-C")
        raise typer.Exit(130)


def _label(row) -> str:
    return f"{row.model} {row.backend} {row.dtype} batch {row.batch} on {row.device}"


def _run(specs, configs, save: bool) -> tuple[list, bool]:
    """Count each model once, time every (model, config), persist each finished row at once.

    Returns the rows and whether Ctrl-C cut the run short (after at least one row: before, it propagates).
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from mnv1_bench import provenance
    from mnv1_bench.counting import count
    from mnv1_bench.timing import set_threads, time_spec

    run_file = None
    rows = []
    interrupted = False
    started = provenance.utc_now()
    console = stderr_console()
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TimeElapsedColumn())  # fmt: skip
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("counting", total=len(specs) * len(configs))
            costs = {}
            for spec in specs:
                progress.update(task, description=f"counting {spec.name}")
                costs[spec.name] = count(spec.build(), spec.input_shape)
            for spec in specs:
                for config in configs:
                    progress.update(task, description=f"{spec.name} {config.backend} {config.dtype} b{config.batch}")
                    row = time_spec(spec, config, costs[spec.name])
                    rows.append(row)
                    if save:
                        if run_file is None:
                            env = provenance.environment(set_threads(config.threads), when=started)
                            run_file = provenance.RunFile(provenance.run_path(when=started), env)
                        run_file.add(provenance.row_record(row))
                    progress.advance(task)
    except KeyboardInterrupt:
        if not rows:
            raise
        interrupted = True
    finally:
        if run_file is not None:
            console.print(f"saved {len(run_file.rows)} rows to {run_file.path}", style="dim", highlight=False)
    return rows, interrupted


def compare_frame(rows):
    """Rows as a DataFrame, with each model's mult-adds and median over the first model's in the same setting."""
    import pandas as pd

    records = []
    first: dict[tuple, object] = {}
    for row in rows:
        key = (row.device, row.backend, row.dtype, row.batch, row.channels_last)
        base = first.setdefault(key, row)
        record = row.as_dict()
        record["mult_adds_vs_first"] = row.mult_adds / base.mult_adds if base.mult_adds else None
        record["time_vs_first"] = row.median_ms / base.median_ms if base.median_ms else None
        record["bound"] = _bound(row)
        record["flag"] = "UNSTABLE" if row.unstable else ""
        del record["extra"]
        records.append(record)
    return pd.DataFrame.from_records(records)


def _bound(row) -> str | None:
    if row.compute_floor_ms is None or row.memory_floor_ms is None:
        return None
    return "compute" if row.compute_floor_ms >= row.memory_floor_ms else "memory"


def _notes(rows, specs) -> list[str]:
    notes = ["Median, IQR (p75 - p25) and p90 of per-call times in ms; Runs = samples; CV = stdev / mean; "
             "Images/s = batch / median. UNSTABLE: CV over 10% or samples under 1 ms.",
             "Roofline = max(compute floor, memory floor) / median; compute floor = 2 x mult-adds x batch / "
             "measured peak matmul rate; memory floor = weights + input + each conv/FC output written and read, "
             "over measured copy bandwidth (peaks cached in results/cache/roofline.json)."]  # fmt: skip
    if len(specs) > 1:
        notes.append(f"Mult-adds ÷ #1 and Time ÷ #1: each model over {specs[0].name} in the same backend, dtype "
                     "and batch; Time ÷ #1 is how many times faster #1 ran (measured), beside how many times "
                     "fewer mult-adds it needs (counted).")  # fmt: skip
        first = {}
        for row in rows:
            key = (row.backend, row.dtype, row.batch)
            base = first.setdefault(key, row)
            if row is not base:
                notes.append(_speedup_note(base, row))
    by_settings: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        models = by_settings.setdefault((row.backend, row.settings), [])
        if row.model not in models:
            models.append(row.model)
    notes += [f"{backend} ({', '.join(models)}): {settings}" for (backend, settings), models in by_settings.items()]
    names = {"compile_s": "compiled", "export_s": "exported to ONNX"}
    one_off = [f"{row.model} {row.backend} {row.dtype} b{row.batch} {names[k]} in {v:.1f} s"
               for row in rows for k, v in row.extra.items() if k in names]  # fmt: skip
    if one_off:
        notes.append(f"One-off costs, not timed: {'; '.join(one_off)}.")
    return notes


def _speedup_note(base, row) -> str:
    """The lighter model's mult-add saving (counted) beside its speed-up (measured), in one setting."""
    light, heavy = (base, row) if base.mult_adds <= row.mult_adds else (row, base)
    saving = heavy.mult_adds / light.mult_adds
    speedup = heavy.median_ms / light.median_ms
    return (
        f"{light.model} needs {saving:.1f}x fewer mult-adds than {heavy.model} (counted) and runs "
        f"{speedup:.2f}x faster ({row.backend}, {row.dtype}, batch {row.batch}; measured speed-up)"
    )
