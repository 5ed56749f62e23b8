"""`make tables` end to end: Tables 1 to 14 (Markdown + CSV), Figures 4 and 5, the latency figure when timing
results exist, and the index tables/README.md. Everything but the latency figure is a pure function of the code.

Everything is written into a hidden staging folder inside OUT first and moved into place only once all of it
has been written: a failure part way (a full disk, an exception) leaves OUT as it was, never half a new set.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from mnv1_bench.choose.sweep import grid_frame, grid_keys
from mnv1_bench.counting import count
from mnv1_bench.store.runs import load_results
from mnv1_bench.tables import all_tables, applications, figures, published, required_models
from mnv1_bench.tables.base import PaperTable
from mnv1_bench.tables.comparisons import COMPARED_TABLES
from mnv1_bench.tables.costs import ModelKey
from mnv1_bench.tables.deployment import (
    FILE as DEPLOYMENT_FILE,
    MODELS as DEPLOYMENT_MODELS,
    deployment_frame,
    deployment_markdown,
)
from mnv1_bench.tables.index import BEYOND_FILE, Figure, index_markdown
from mnv1_bench.tables.latency import FIGURE as LATENCY_FIGURE, index_lines, latency_frame
from mnv1_bench.tables.timed import timed_table
from mnv1_bench.tables.writer import write_table, write_text

INDEX = "README.md"
FIGURE4 = Figure("figure4_accuracy_vs_mult_adds.png",
                 "Figure 4: ImageNet accuracy (cited from the paper) vs mult-adds (measured), log scale")  # fmt: skip
FIGURE5 = Figure("figure5_accuracy_vs_params.png",
                 "Figure 5: ImageNet accuracy (cited from the paper) vs parameters (measured), log scale")  # fmt: skip


@dataclass(frozen=True)
class Generated:
    tables: list[PaperTable]
    files: list[Path]
    latency_points: int  # models x devices in the latency figure (0: not drawn)
    decisions: tuple[str, ...] = ()  # one line per *_timed table: written, replaced or kept, and why
    deployment_rows: int = 0  # rows of deployment.md (0: not written, no published deployment results)


def required_keys() -> list[ModelKey]:
    """Every (model, classes) the tables and figures count, each once: Tables 1-14, then the grid."""
    return list(dict.fromkeys(required_models() + applications.required_models() + grid_keys()))


def generate(
    out: Path, results_dir: Path, timings: dict | None = None, device: str = "", force: bool = False
) -> Generated:
    """Write everything under ``out``, all or nothing; ``timings`` (from ``tables --time``) adds *_timed tables,
    each replacing one already in ``out`` only when at least as stable, or with ``force``."""
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out, prefix=".staging-"))
    try:
        made = _generate(staging, out, results_dir, timings, device, force)
        for path in made.files:
            os.replace(path, out / path.name)
        if not made.latency_points:
            (out / LATENCY_FIGURE).unlink(missing_ok=True)  # a figure left from older results would contradict
        if not made.deployment_rows:
            (out / DEPLOYMENT_FILE).unlink(missing_ok=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return replace(made, files=[out / path.name for path in made.files])


def _generate(out: Path, final: Path, results_dir: Path, timings: dict | None, device: str, force: bool) -> Generated:
    """Write every file into ``out`` (the staging folder); ``final`` is where they will be moved."""
    tables = all_tables()
    files: list[Path] = []
    decisions = []
    for table in tables:
        files += write_table(table, out)
        if timings and table.number in COMPARED_TABLES:
            timed = timed_table(table, timings, device)
            decision = _timed_decision(final / f"{timed.stem}_timed.md", timed, force)
            decisions.append(decision.message)
            if decision.replace:
                files += write_table(timed, out, "_timed")
    grid = grid_frame(count)
    files.append(figures.accuracy_figure(grid, "mult_adds", out / FIGURE4.file))
    files.append(figures.accuracy_figure(grid, "weights", out / FIGURE5.file))
    results = load_results(results_dir)
    points = latency_frame(results)
    deployment = deployment_frame(results)
    if len(deployment):
        files.append(write_text(out / DEPLOYMENT_FILE, deployment_markdown(deployment, results_dir)))
    latency_path = out / LATENCY_FIGURE
    shown = [FIGURE4, FIGURE5]
    if len(points):
        files.append(figures.latency_figure(points, latency_path))
        shown.append(Figure(LATENCY_FIGURE, "Latency (measured) vs mult-adds (measured), log-log: not in the paper"))
    beyond_path = final / BEYOND_FILE
    beyond = beyond_path.read_text(encoding="utf-8") if beyond_path.is_file() else None
    latency = index_lines(points, results_dir, bool(len(points)))
    if len(deployment):
        latency += ["", f"[Deployment]({DEPLOYMENT_FILE}) (measured): latency and numerics per backend and dtype "
                    f"for {', '.join(DEPLOYMENT_MODELS.values())}, {len(deployment)} rows."]  # fmt: skip
    index = index_markdown(tables, shown, latency, beyond)
    files.append(write_text(out / INDEX, index))
    return Generated(tables, files, len(points), tuple(decisions), len(deployment))


def _timed_decision(path: Path, timed: PaperTable, force: bool) -> published.Decision:
    """Whether a timed table replaces the one at ``path``: only when at least as stable, or with ``force``."""
    old = published.of_section(path.read_text(encoding="utf-8")) if path.is_file() else None
    rows = timed.frame.dropna(subset=["median_ms"])
    return published.decide(published.of_frame(rows), old, str(path), force)
