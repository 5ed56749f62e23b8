"""`mnv1-bench tables` (and `make tables`): the paper's Tables 1 to 14, Figures 4 and 5 and an index, on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mnv1_bench.cli.common import key_name, output_folder, with_progress
from mnv1_bench.cli.options import Device, TimeDevice, TimeMinTime, TimeThreads
from mnv1_bench.cli.render import Format, emit, warn, word
from mnv1_bench.cli.timed import timing_config
from mnv1_bench.errors import UsageProblem
from mnv1_bench.store.runs import RESULTS_DIR

SUMMARY_COLUMNS = (
    word("table", "Table"),
    word("title", "Caption"),
    word("agreement", "Rows that agree with the paper"),
    word("files", "Files"),
)


def tables(
    out: Annotated[Path, typer.Option(help="Folder to write the tables, figures and README.md index into.")] = (
        Path("tables")
    ),
    results: Annotated[
        Path,
        typer.Option(
            help="Published timing results to draw the latency figure from (only the files in this "
            "folder: a run under results/ is published by moving its file here)."
        ),
    ] = Path("results/published"),
    time: Annotated[bool, typer.Option("--time", help="Also time every model and write tableN_timed.md/csv.")] = False,
    device: TimeDevice = Device.cpu,
    min_time: TimeMinTime = 0.5,
    threads: TimeThreads = None,
    force: Annotated[
        bool, typer.Option("--force", help="With --time: replace *_timed tables even by a less stable run.")
    ] = False,
) -> None:
    """Write the paper's Tables 1-14 (Markdown + CSV), Figures 4 and 5 and an index into OUT.

    Each table shows the paper's printed figures beside the measured ones, the difference and whether they agree
    at the paper's printed precision, with a note giving the reason for every difference. Accuracy is cited
    from the paper. Mult-adds = conv + FC multiply-accumulates (FLOPs = 2 x mult-adds). The count tables are a
    pure function of the code; --time adds machine-dependent *_timed tables (one already in OUT is replaced only
    by a run at least as stable: no busy row, no more unstable rows; --force overrides) and saves its timing rows
    under results/, like every other command. The latency figure is drawn from the published results in RESULTS only.
    Example: mnv1-bench tables --out tables
    """
    from mnv1_bench.tables.costs import count_all
    from mnv1_bench.tables.generate import generate, required_keys

    output_folder("--out", out)
    if not results.is_dir():  # a typo must not be read as "nothing published" and remove the latency figure
        raise UsageProblem(f"--results {results} is not a folder: give the folder of published timing results "
                           "(results/published in the repository)")  # fmt: skip
    config = timing_config(device, min_time, threads) if time else None
    if time:
        output_folder("--results", results)
    keys = required_keys()
    with_progress(keys, count_all, "counting")
    timings, label = None, ""
    if config is not None:
        from mnv1_bench.tables.timed import device_label, time_models

        label = device_label(config)
        timings = with_progress(keys, lambda ks, each: time_models(ks, config, RESULTS_DIR, each), "timing")
        unstable = [key_name(key) for key, row in timings.items() if row.unstable]
        if unstable:
            warn(f"{len(unstable)} of {len(timings)} timings are unstable (CV over 10%): {', '.join(unstable)}; "
                 "rerun with a longer --min-time or on a quieter machine")  # fmt: skip
        from mnv1_bench.timing import report

        for line in report.machine_warnings(list(timings.values())):
            warn(line)
    generated = generate(out, results, timings, label, force)
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
        *generated.decisions,
        f"Wrote {len(generated.files)} files to {out}/: the tables, {', '.join(figures)} and README.md (the index).",
        "Agreement: measured within one unit of the paper's last printed digit; every difference has its reason "
        "in the table's notes.",
    ]
    if not generated.latency_points:
        notes.append(
            "No published timing results for the latency figure: time the models (`mnv1-bench time` or "
            "--time), then move the run's file from results/ into results/published/."
        )
    if not generated.deployment_rows:
        notes.append("No published deployment results (runs with numerics: `mnv1-bench time ... --backend "
                     "onnxruntime,openvino --dtype fp32,int8`), so deployment.md was not written.")  # fmt: skip
    emit(pd.DataFrame(rows), Format.table, SUMMARY_COLUMNS, "The paper's tables, reproduced", notes)
