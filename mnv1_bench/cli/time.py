"""`mnv1-bench time`: measured latency and throughput, beside the mult-adds that predicted them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mnv1_bench.choices import Backend, Device, Dtype
from mnv1_bench.cli.common import (
    choice_list,
    input_shape_option,
    output_folder,
    positive_int_list,
    progress_bar,
    threads_checked,
    unique_specs,
)
from mnv1_bench.cli.options import InputShape, ModelRes, Threads, flagged
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
    warn,
    word,
)
from mnv1_bench.cli.timed import NUMERICS_COLUMNS, read_calibration, warn_about
from mnv1_bench.errors import UsageProblem

if TYPE_CHECKING:
    from mnv1_bench.counting import Cost
    from mnv1_bench.models.registry import ModelSpec
    from mnv1_bench.timing.config import TimingConfig
    from mnv1_bench.timing.run import Repeats

COLUMNS = (
    word("model", "Model"),
    word("backend", "Backend"),
    word("dtype", "Dtype"),
    word("batch", "Batch"),
    Column("median_ms", "Median (ms)", number(3)),
    Column("iqr_ms", "IQR (ms)", number(3)),
    Column("p90_ms", "p90 (ms)", number(3), priority=3),
    word("runs", "Runs", priority=1),
    Column("cv", "CV", fraction_pct, priority=2),
    Column("throughput_per_s", "Images/s", number(1), priority=1),
    Column("mult_adds", "Mult-adds (M)", millions(1), priority=1),
    Column("mult_adds_vs_first", "Mult-adds ÷ #1", ratio()),
    word("time_vs_first_ci", "Time ÷ #1 (95% CI)"),
    word("verdict", "Verdict", blank),
    Column("roofline_fraction", "Roofline", fraction_pct, priority=2),
    word("bound", "Bound", priority=3),
    *NUMERICS_COLUMNS,
    word("flag", "Flag", blank),
)
NUMERICS_KEYS = frozenset(column.key for column in NUMERICS_COLUMNS)
MAX_REPEATS = 10
MOST_REPEATS = 100  # what --repeats and --max-repeats accept


def time_models(
    models: Annotated[list[str], typer.Argument(help="Models to time (see `mnv1-bench models`).", show_default=False)],
    device: Annotated[Device, typer.Option(help="Where to run.")] = Device.cpu,
    batch: Annotated[str, typer.Option(help="Batch sizes, comma-separated, e.g. 1,32.")] = "1",
    dtype: Annotated[str, typer.Option(help="fp32, fp16, bf16, int8; comma-separated.")] = "fp32",
    backend: Annotated[
        str,
        typer.Option(
            help="eager, compile (torch.compile), cudagraph (CUDA only), onnxruntime, openvino (CPU only); "
            "comma-separated. Combinations a backend cannot run are skipped with a warning."
        ),
    ] = "eager",
    res: ModelRes = None,
    input_shape: InputShape = None,
    channels_last: Annotated[bool, typer.Option(help="NHWC memory format (PyTorch backends).")] = False,
    fold_bn: Annotated[bool, typer.Option(help="Fold batch norm into the conv before it (PyTorch backends).")] = True,
    threads: Threads = None,
    min_time: Annotated[float, typer.Option(help="Seconds of timed runs per row, after warm-up.")] = 1.0,
    rounds: Annotated[
        int | None,
        typer.Option(
            help="Interleaved rounds: each row gets MIN_TIME / ROUNDS per round [default: slices of 0.1 s, "
            "at least 5 rounds].",
            show_default=False,
        ),
    ] = None,
    repeats: Annotated[
        int | None,
        typer.Option(
            help="Repeats: every configuration prepared anew and timed in rounds of its own, MIN_TIME / REPEATS "
            "each; the ratios' 95% intervals are computed over them [default: 3 when rows are compared, else 1].",
            show_default=False,
        ),
    ] = None,
    precision: Annotated[
        float | None,
        typer.Option(
            help="Keep adding repeats until every ratio's 95% interval lies within ±PRECISION percent of the "
            "ratio, or --max-repeats is reached (the output says which).",
            show_default=False,
        ),
    ] = None,
    max_repeats: Annotated[int, typer.Option(help="The most repeats --precision may take.")] = MAX_REPEATS,
    format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    save: Annotated[bool, typer.Option(help="Save rows with provenance to RESULTS/time-<UTC>-<host>.jsonl.")] = True,
    results: Annotated[Path, typer.Option(help="Where rows are saved, with provenance.")] = Path("results"),
    recalibrate: Annotated[
        bool,
        typer.Option(
            "--recalibrate",
            help="Measure the roofline peaks and the machine's reference speed afresh instead of using the cache.",
        ),
    ] = False,
    calibration: Annotated[
        Path | None,
        typer.Option(
            help="int8: a folder of images to calibrate on [default: 16 seeded synthetic inputs].",
            show_default=False,
        ),
    ] = None,
    weights: Annotated[
        Path | None,
        typer.Option(
            help="A state dict (torch.save of model.state_dict()) loaded into every model [default: "
            "seeded random weights].",
            show_default=False,
        ),
    ] = None,
    wide: Wide = False,
) -> None:
    """Time models: median, IQR, p90 and runs per row, throughput, and roofline floors.

    Times are measured by mnv1-bench per call of BATCH images, in eval and inference mode, after warm-up, with
    device sync around each sample. Mult-adds are the paper's convention (conv + FC multiply-accumulates).
    Every row but fp32 eager also shows how closely its logits agree with fp32 eager (numerics). Example:
    mnv1-bench time mobilenet --backend eager,onnxruntime,openvino --dtype fp32,int8
    """
    from mnv1_bench.timing import machine_speed, report, roofline
    from mnv1_bench.timing.config import TimingConfig
    from mnv1_bench.timing.run import MAX_ROUNDS, supported, time_runs

    threads = threads_checked(threads)
    folder = str(calibration) if calibration is not None else None
    configs = [
        TimingConfig(device, b, d, k, channels_last, threads, min_time, fold_bn, folder if d == Dtype.int8 else None)
        for k in choice_list("--backend", backend, Backend)
        for d in choice_list("--dtype", dtype, Dtype)
        for b in positive_int_list("--batch", batch)
    ]
    specs = unique_specs("MODEL", models, shape=input_shape_option(res, input_shape))
    if rounds is not None and not 1 <= rounds <= MAX_ROUNDS:
        raise UsageProblem(f"--rounds must be from 1 to {MAX_ROUNDS:,}, got {rounds}")
    results_dir = output_folder("--results", results) if save else None
    configs, skipped = supported(configs)
    for problem in skipped:
        warn(flagged(problem))
    plan = repeat_plan(repeats, precision, max_repeats, len(specs) * len(configs) > 1)
    _check_deployment_inputs(specs, configs, folder, weights)
    costs = _costs(specs, configs)
    if recalibrate:
        roofline.recalibrate_default()
        machine_speed.recalibrate_default()
    with progress_bar() as progress:
        run = time_runs(specs, configs, results_dir, progress, costs, checked=True, rounds=rounds, weights=weights,
                        plan=plan)  # fmt: skip
    warn_about(run.rows)
    if plan.precision is not None and not run.interrupted:
        say_precision(run.widest, plan, run.repeats)
    has = {key for row in run.rows for key, value in row.as_dict().items() if value is not None}
    columns = [c for c in _columns(len(specs), len(run.rows)) if c.key not in NUMERICS_KEYS or c.key in has]
    emit(report.compare_frame(run.rows), format, columns, "Latency per call (measured by mnv1-bench)",
         report.notes(run.rows, specs[0].name, len(specs)), wide)  # fmt: skip
    if run.interrupted:  # the table shows the rows finished; the CLI says what was saved and exits 130 / 143
        raise KeyboardInterrupt


def _columns(models: int, rows: int) -> list[Column]:
    """The ratios to the first model and the first row only where there is more than one."""
    columns = [c for c in COLUMNS if models > 1 or c.key != "mult_adds_vs_first"]
    return [c for c in columns if rows > 1 or c.key not in ("time_vs_first_ci", "verdict")]


def _check_deployment_inputs(specs: list[ModelSpec], configs: list[TimingConfig], calibration: str | None,
                             weights: Path | None) -> None:  # fmt: skip
    """--weights read and fitted to every model, --calibration's images read at each resolution: a bad file is
    one line and exit 2 before anything is built or timed."""
    from mnv1_bench.timing.weights import pinned

    for spec in specs:
        pinned(spec, weights)
    if calibration is not None and not any(config.dtype == Dtype.int8 for config in configs):
        warn("--calibration is used by int8 rows only, and none is timed")
        return
    read_calibration(calibration, [spec.input_size for spec in specs])


def _costs(specs: list[ModelSpec], configs: list[TimingConfig]) -> list[Cost]:
    """Each network counted once, and refused (one line, exit 2) where a setting's batch cannot fit in memory."""
    from mnv1_bench.counting import count
    from mnv1_bench.timing.memory import check_fits

    costs = [count(spec) for spec in specs]
    for spec, cost in zip(specs, costs, strict=True):
        for config in configs:
            check_fits(spec.name, cost, config.batch, config.dtype, config.device)
    return costs


def repeat_plan(repeats: int | None, precision: float | None, most: int, compared: bool) -> Repeats:
    """--repeats, --precision and --max-repeats checked (one line, exit 2) and turned into the engine's plan."""
    from mnv1_bench.timing.run import Repeats

    count = repeats if repeats is not None else (3 if compared else 1)
    if not 1 <= count <= MOST_REPEATS:
        raise UsageProblem(f"--repeats must be between 1 and {MOST_REPEATS}, got {count}")
    if precision is None:
        return Repeats(count)
    if not (precision == precision and 0 < precision < 100):
        raise UsageProblem(f"--precision is a percentage between 0 and 100, got {precision:g}")
    if not compared:
        raise UsageProblem("--precision narrows the ratios between rows: time two or more configurations")
    count = max(count, 2)  # one repeat has no interval over repeats
    if not count <= most <= MOST_REPEATS:
        raise UsageProblem(f"--max-repeats must be between {count} (the repeats) and {MOST_REPEATS}, got {most}")
    return Repeats(count, precision / 100, most)


def say_precision(widest: float | None, plan: Repeats, taken: int) -> None:
    """One line: whether every ratio's interval reached the precision asked for, and after how many repeats."""
    asked = f"±{plan.precision * 100:g}%"
    if widest is not None and widest <= plan.precision:
        typer.echo(f"precision reached: every ratio's 95% interval within ±{widest * 100:.1f}% of it (asked {asked}) "
                   f"after {taken} repeats", err=True)  # fmt: skip
        return
    shown = f"±{widest * 100:.1f}%" if widest is not None else "unknown"
    warn(
        f"precision not reached: stopped at --max-repeats {plan.most} with the widest ratio interval {shown} "
        f"(asked {asked}); a quieter machine or a larger --max-repeats narrows it"
    )
