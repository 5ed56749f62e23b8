"""`mnv1-bench pick`: the most accurate network that fits a latency, parameter, mult-add or size budget here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mnv1_bench.choices import Backend, Device, Dtype
from mnv1_bench.cli.common import MAX_BATCH, drop_repeats, output_folder, progress_bar, threads_checked, whole_number
from mnv1_bench.cli.options import Threads
from mnv1_bench.cli.render import (
    Column,
    Format,
    Wide,
    accuracy,
    blank,
    emit,
    millions,
    number,
    records,
    warn,
    word,
    yes_no,
)
from mnv1_bench.errors import UsageProblem

if TYPE_CHECKING:
    from mnv1_bench.choose.pick import PickResult
    from mnv1_bench.models.registry import ModelSpec
    from mnv1_bench.timing.config import TimingConfig

FIGURE_NAME = "figure4_on_this_device.png"  # what --out writes, beside pick.md and pick.json
MAX_RETAKES = 5


def _ci(record: dict) -> str:
    low, high = record.get("ci_low_ms"), record.get("ci_high_ms")
    return "-" if low is None or high is None else f"{low:.2f}-{high:.2f}"


COLUMNS = (
    word("model", "Model"),
    Column("top1", "Top-1 (cited)", accuracy),
    word("top1_source", "Cited from", priority=1),
    Column("median_ms", "Median (ms)", number(2)),
    Column("ci", "95% CI (ms)", value=_ci),
    Column("params", "Params (M)", millions(2)),
    Column("mult_adds", "Mult-adds (M)", millions(1), priority=2),
    Column("size_mb", "Size (MB)", number(1), priority=3),
    word("status", "Fits"),
    Column("pareto", "Pareto", yes_no),
    Column("picked", "Pick", lambda v: "PICK" if v else ""),
    word("flag", "Flag", blank),
    word("measured", "Timed", priority=3),
)


def pick(
    budget_ms: Annotated[float | None, typer.Option("--budget-ms", help="Latency budget: median ms per call.")] = None,
    max_params: Annotated[
        float | None, typer.Option(help="At most this many parameters (every learnable one), e.g. 5e6.")
    ] = None,
    max_mult_adds: Annotated[
        float | None, typer.Option(help="At most this many mult-adds per image, e.g. 3e8.")
    ] = None,
    max_size_mb: Annotated[float | None, typer.Option(help="At most this many MB of parameters at --dtype.")] = None,
    candidates: Annotated[
        str | None, typer.Option(help="Models, comma-separated: NAME narrows the set, +NAME adds to the default one.")
    ] = None,
    device: Annotated[Device, typer.Option(help="Where to run.")] = Device.cpu,
    backend: Annotated[Backend, typer.Option(help="How to run.")] = Backend.eager,
    dtype: Annotated[Dtype, typer.Option(help="Weights and inputs.")] = Dtype.fp32,
    batch: Annotated[int, typer.Option(help="Images per call.", parser=whole_number(MAX_BATCH))] = 1,
    threads: Threads = None,
    rounds: Annotated[int, typer.Option(help="Interleaved rounds per model.")] = 5,
    min_time: Annotated[float, typer.Option(help="Seconds of timed runs per model, after warm-up.")] = 0.5,
    retakes: Annotated[int, typer.Option(help="Times an UNSTABLE, BUSY or SLOW model is timed again at once.")] = 1,
    fresh: Annotated[bool, typer.Option("--fresh", help="Measure every candidate again, reusing nothing.")] = False,
    results: Annotated[Path, typer.Option(help="Where measurements are saved, and reused from.")] = Path("results"),
    figure: Annotated[Path | None, typer.Option(help="Write 'Figure 4 on this device' (PNG) here.")] = None,
    out: Annotated[Path | None, typer.Option(help=f"Write {FIGURE_NAME}, pick.md and pick.json here.")] = None,
    format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    wide: Wide = False,
) -> None:
    """Pick the most accurate network that fits a budget on this device: the paper's Figure 4, measured here.

    Candidates: the paper's 16 MobileNets, Conv and Shallow MobileNet, its reference networks and small torchvision
    classifiers. Top-1 is cited (the paper, TF-Slim's MobileNet checkpoints, torchvision's weights metadata); latency
    is measured here, saved under RESULTS and reused while machine, software and settings match (--fresh: measure
    again). Exit 0 also when nothing fits (the output says so). Example: mnv1-bench pick --budget-ms 10
    """
    from mnv1_bench.choose.pick import Budget, pick_network

    budget = Budget(budget_ms, max_params, max_mult_adds, max_size_mb)
    budget.check()
    config = _config(device, backend, dtype, batch, threads, min_time)
    from mnv1_bench.timing.run import MAX_ROUNDS

    if not 1 <= rounds <= MAX_ROUNDS:
        raise UsageProblem(f"--rounds must be from 1 to {MAX_ROUNDS:,}, got {rounds}")
    if not 0 <= retakes <= MAX_RETAKES:
        raise UsageProblem(f"--retakes must be from 0 to {MAX_RETAKES}, got {retakes}")
    specs = _specs(candidates)
    output_folder("--results", results)
    if figure is not None and figure.is_dir():
        raise UsageProblem(f"--figure {figure} is a folder: give a file name, e.g. {figure / 'pick.png'}")
    for option, folder in (("--figure", figure.parent if figure else None), ("--out", out)):
        if folder is not None:
            output_folder(option, folder)
    with progress_bar() as progress:
        result = pick_network(specs, budget, config, results, fresh=fresh, rounds=rounds, retakes=retakes,
                        progress=progress)  # fmt: skip
    setting = _setting(config)
    _warn_untrusted(result, retakes)
    frame = result.frame.drop(columns=["excess"])
    emit(frame, format, COLUMNS, f"Candidates on {setting}, fastest first", _notes(result, setting), wide)
    if format in (Format.table, Format.md):
        typer.echo("\n".join(summary(result)))
    _write(result, setting, figure, out)


def _config(device, backend, dtype, batch: int, threads: int | None, min_time: float) -> TimingConfig:
    from mnv1_bench.timing.config import TimingConfig
    from mnv1_bench.timing.run import validate

    config = TimingConfig(device, batch, dtype, backend, threads=threads_checked(threads), min_time_s=min_time)
    validate(config)
    return config


def _specs(candidates: str | None) -> list[ModelSpec]:
    """Every candidate resolved before anything is built (an unknown name is one line, exit 2), each once."""
    from mnv1_bench.choose.candidates import candidate_names
    from mnv1_bench.models.registry import resolve

    specs = [resolve(name) for name in candidate_names(candidates)]
    return drop_repeats("--candidates", specs, name=lambda spec: spec.name)


def _setting(config: TimingConfig) -> str:
    from mnv1_bench.tables.timed import device_label

    return f"{device_label(config)}, {config.backend}, {config.dtype}, batch {config.batch}"


def summary(result: PickResult) -> list[str]:
    """The rationale, the runner-up on each side of the budget and the headroom, one line each."""
    from mnv1_bench.choose.pick import describe, rationale

    lines = [rationale(result)]
    p = result.picked
    if p is None:
        return lines
    if result.headroom_ms is not None:
        lines.append(f"Headroom: {result.headroom_ms:.2f} ms ({result.headroom_ms / result.budget.ms:.0%} of the "
                     "budget) left by the pick's median.")  # fmt: skip
    lines.append(f"Runner-up within the budget: {describe(result.within)}." if result.within is not None
                 else "Runner-up within the budget: none (no other candidate with a cited accuracy fits).")  # fmt: skip
    if result.beyond is not None:
        b = result.beyond
        lines.append(f"Next past the budget: {describe(b)} ({b['top1'] - p['top1']:+.1f} points of top-1 for "
                     f"{b['median_ms'] - p['median_ms']:+.2f} ms).")  # fmt: skip
    else:
        lines.append("Next past the budget: none (nothing more accurate was measured).")
    return lines


def _notes(result: PickResult, setting: str) -> list[str]:
    frame = result.frame
    reused = int((frame["measured"] == "reused").sum())
    notes = [
        f"Median latency per call measured by mnv1-bench on {setting}, in interleaved rounds, with a 95% CI "
        f"(Student's t over windows of consecutive rounds); {reused} of {frame['median_ms'].notna().sum()} reused "
        "from earlier runs saved here (Timed: reused: same machine, software and settings, and a CI within ±5% of "
        "its median, busy or not), the rest measured now (no such row). Fits: within every limit given, the "
        "latency's whole 95% CI included; borderline: its CI straddles the latency budget (a more accurate "
        "borderline candidate is re-timed for longer, and one still borderline is named beside the pick); Pareto: "
        "no candidate is both as fast and as accurate; UNSTABLE: CV over 10% and a median less precise than ±5% "
        "(95% CI), or too few samples; BUSY: other processes used the CPU while it was timed and the median is less "
        "precise than ±5%; SLOW: the machine itself ran under 80% of its fastest.",
        "Params = every learnable parameter (Size: those at the timed dtype, MB = 10^6 bytes); mult-adds = conv + "
        "FC multiply-accumulates per image (the paper's convention; FLOPs = 2 x mult-adds); counted by mnv1-bench.",
    ]
    citations = frame.dropna(subset=["top1_citation"]).groupby("top1_source", sort=True)["top1_citation"]
    notes += [f"Top-1 cited from {source}: {'; '.join(dict.fromkeys(c))}." for source, c in citations]
    uncited = frame[frame["top1"].isna()]
    if not uncited.empty:
        why = [f"{r['model']} ({r['top1_note']})" if r["top1_note"] else r["model"] for r in records(uncited)]
        notes.append(f"No cited ImageNet top-1, so timed and listed but never picked: {', '.join(why)}.")
    return notes


def _warn_untrusted(result: PickResult, retakes: int) -> None:
    flagged = result.frame[result.frame["flag"] != ""]
    if not flagged.empty:
        warn(f"{len(flagged)} candidates stayed UNSTABLE, BUSY or SLOW after {retakes} re-take(s): "
             f"{', '.join(flagged['model'])}; their times are shown flagged, and the next pick measures them "
             "again (a quieter machine or a longer --min-time helps)")  # fmt: skip


def _write(result: PickResult, setting: str, figure: Path | None, out: Path | None) -> None:
    """The figure (and, with --out, the table as Markdown and JSON), each written atomically."""
    from mnv1_bench.files import write_atomic
    from mnv1_bench.formatting import markdown_table
    from mnv1_bench.tables.figures import pick_figure

    written = []
    for path in [p for p in (figure, out / FIGURE_NAME if out else None) if p is not None]:
        written.append(pick_figure(result.frame, result.budget.ms, setting, path))
    if out is not None:
        rows = records(result.frame.drop(columns=["excess"]))
        text = "\n\n".join([markdown_table(rows, COLUMNS), *summary(result), *_notes(result, setting)])
        written.append(write_atomic(out / "pick.md", text + "\n"))
        written.append(write_atomic(out / "pick.json", json.dumps(rows, indent=2) + "\n"))
    if written:
        typer.echo(f"wrote {', '.join(str(p) for p in written)}", err=True)
