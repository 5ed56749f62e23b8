"""`mnv1-bench tables` (and `make tables`): the paper's Tables 1 to 14, Figures 4 and 5 and an index, on disk."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mnv1_bench.cli.options import Device, TimeDevice, TimeMinTime, TimeThreads
from mnv1_bench.cli.render import Column, Format, emit, stderr_console, text, warn
from mnv1_bench.errors import UsageProblem

if TYPE_CHECKING:
    from mnv1_bench.timing import TimingConfig

SUMMARY_COLUMNS = (
    Column("table", "Table", text),
    Column("title", "Caption", text),
    Column("agreement", "Rows that agree with the paper", text),
    Column("files", "Files", text),
)


def with_progress(keys: Iterable, work: Callable, verb: str) -> dict:
    """Run ``work(keys, on_each)`` with a rich progress bar on stderr ("counting mobilenet-1.0-224 3/28")."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    keys = list(dict.fromkeys(keys))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr_console(), transient=True) as progress:
        task = progress.add_task(f"{verb} {_name(keys[0])}" if keys else verb, total=len(keys))

        def on_each(key) -> None:
            done = keys.index(key) + 1
            following = f" {_name(keys[done])}" if done < len(keys) else ""
            progress.update(task, completed=done, description=f"{verb}{following}")

        return work(keys, on_each)


def _name(key) -> str:
    name, classes = key
    return name if classes == 1000 else f"{name} ({classes} classes)"


def timing_config(device: Device, min_time: float, threads: int | None) -> TimingConfig:
    """A batch-1 fp32 eager configuration, validated before anything is built or timed."""
    from mnv1_bench import backends
    from mnv1_bench.timing import TimingConfig, validate

    config = TimingConfig(device=device.value, batch=1, min_time_s=min_time, threads=threads)
    validate(config)
    backends.check_supported(config)
    return config


def tables(
    out: Annotated[Path, typer.Option(help="Folder to write the tables, figures and README.md index into.")] = (
        Path("tables")
    ),
    results: Annotated[Path, typer.Option(help="Saved timing results to draw the latency figure from.")] = (
        Path("results")
    ),
    time: Annotated[bool, typer.Option("--time", help="Also time every model and write tableN_timed.md/csv.")] = False,
    device: TimeDevice = Device.cpu,
    min_time: TimeMinTime = 0.5,
    threads: TimeThreads = None,
) -> None:
    """Write the paper's Tables 1-14 (Markdown + CSV), Figures 4 and 5 and an index into OUT.

    Each table shows the paper's printed figures beside the measured ones, the difference and whether they agree
    at the paper's printed precision, with a note giving the reason for every difference. Accuracy is cited
    from the paper. Mult-adds = conv + FC multiply-accumulates (FLOPs = 2 x mult-adds). The count tables are a
    pure function of the code; --time adds machine-dependent *_timed tables and saves timing rows under RESULTS,
    from which the latency figure is drawn. Example: mnv1-bench tables --out tables
    """
    from mnv1_bench.tables.generate import generate, required_keys
    from mnv1_bench.tables.measure import measure_all

    if out.exists() and not out.is_dir():
        raise UsageProblem(f"--out {out} exists and is not a folder")
    config = timing_config(device, min_time, threads) if time else None
    keys = required_keys()
    with_progress(keys, measure_all, "counting")
    timings, label = None, ""
    if config is not None:
        from mnv1_bench.tables.timed import device_label, time_models

        label = device_label(config)
        timings = with_progress(keys, lambda ks, each: time_models(ks, config, results, each), "timing")
        unstable = [_name(key) for key, row in timings.items() if row.unstable]
        if unstable:
            warn(f"{len(unstable)} of {len(timings)} timings are unstable (CV over 10%): {', '.join(unstable)}; "
                 "rerun with a longer --min-time or on a quieter machine")  # fmt: skip
    generated = generate(out, results, timings, label)
    _summary(generated, out)


def _summary(generated, out: Path) -> None:
    import pandas as pd

    rows = []
    for table in generated.tables:
        agree = "-" if table.compared is None else f"{table.compared - len(table.misses)} of {table.compared}"
        rows.append({"table": table.number, "title": table.title, "agreement": agree,
                     "files": f"{table.stem}.md, {table.stem}.csv"})  # fmt: skip
    figures = [p.name for p in generated.files if p.suffix == ".png"]
    notes = [
        f"Wrote {len(generated.files)} files to {out}/: the tables, {', '.join(figures)} and README.md (the index).",
        "Agreement: measured within one unit of the paper's last printed digit; every difference has its reason "
        "in the table's notes.",
    ]
    if not generated.latency_points:
        notes.append("No timing results for the latency figure yet: run with --time, or `mnv1-bench time` first.")
    emit(pd.DataFrame(rows), Format.table, SUMMARY_COLUMNS, "The paper's tables, reproduced", notes)
