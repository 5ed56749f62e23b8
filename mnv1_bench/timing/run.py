"""Time models: the one module that composes the clock, the statistics, a backend, the roofline and the run file.

Eval and inference mode, warm-up, device sync around every sample, min-time filling (:mod:`.clock`); every
configuration of one run timed in interleaved rounds while the machine's load is read (:mod:`.rounds`); median,
IQR, p90, CV, the unstable and busy flags and each row's ratio to the first row with its confidence interval
(:mod:`.stats`); roofline floors (:mod:`.roofline`). Threads are set
explicitly (``torch.set_num_threads``) and recorded: unlike ``torch.utils.benchmark.Timer``, which defaults to
one thread, the default is every core this process may run on. A configuration is validated once, by
:func:`validate` (or by :func:`time_runs`, which validates all of them before timing any).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mnv1_bench import results
from mnv1_bench.choices import Backend, Device, Dtype
from mnv1_bench.counting import Cost, count
from mnv1_bench.environment import cpu_snapshot, load_average, set_threads
from mnv1_bench.errors import UsageProblem
from mnv1_bench.timing import backends, exports, machine_speed, numerics, roofline
from mnv1_bench.timing.clock import Measurement, measure
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.rounds import Interleaved, LoadProbe, Slot, default_rounds, interleave
from mnv1_bench.timing.stats import busy_reason, instability, ratio_ci, summarize, verdict
from mnv1_bench.timing.weights import pinned, weights_text

if TYPE_CHECKING:
    from mnv1_bench.registry import ModelSpec

Progress = Callable[[int, int, str], None]  # (steps done, steps in all, what runs next) -> None


@dataclass(frozen=True)
class TimingRow:
    """One measured row. Times are per call of ``batch`` images, in milliseconds, measured by mnv1-bench."""

    model: str
    device: str
    backend: str
    dtype: str
    batch: int
    threads: int
    samples_ms: tuple[float, ...]  # raw per-call times, in the order taken
    median_ms: float
    iqr_ms: float
    p90_ms: float
    runs: int  # number of samples
    cv: float  # coefficient of variation, stdev / mean
    unstable: bool
    throughput_per_s: float  # images per second: batch / median
    mult_adds: int  # per image, paper convention (conv + FC multiply-accumulates)
    compute_floor_ms: float | None  # 2 x mult-adds x batch / peak matmul rate
    memory_floor_ms: float | None  # bytes that must move / copy bandwidth
    roofline_fraction: float | None  # max(floors) / median: 1.0 means at the roofline
    settings: str  # what produced the row: backend options, BN folding, channels-last, ...
    channels_last: bool = False
    input_size: int = 224
    calls_per_sample: int = 1  # calls timed together in one sample (fast models)
    warmup_runs: int = 0
    unstable_reason: str = ""
    rounds: int = 1  # interleaved rounds the samples were taken in
    round_sizes: tuple[int, ...] = ()  # samples per round, in order (they split samples_ms into rounds)
    load_others_cores: float | None = None  # CPU other processes used while this row was timed, in cores
    load_avg_1m: float | None = None  # the 1-minute load average just before the run's timing began
    busy: bool = False  # other processes used at least stats.BUSY_CORES while this row was timed
    busy_reason: str = ""
    machine_speed: float | None = None  # fastest reference matmul this host has shown / this run's (machine_speed)
    machine_drift: float | None = None  # how much that reference moved between rounds: (p90 - p10) / median
    slow: bool = False  # machine_speed under machine_speed.SLOW_SPEED: the machine itself ran slow
    ratio_to_first: float | None = None  # time / the first row's, paired by round (stats.ratio_ci); None on row 1
    ratio_low: float | None = None  # 95% bootstrap confidence interval of that ratio
    ratio_high: float | None = None
    verdict: str = ""  # faster, slower or indistinguishable from the first row ("" on the first row)
    numerics_cosine: float | None = None  # agreement with fp32 eager on NUMERICS_INPUTS seeded inputs: see numerics
    numerics_max_abs: float | None = None
    top1_agreement: float | None = None
    size_mb: float | None = None  # the exported model's size on disk (onnxruntime, openvino), 10^6 bytes
    extra: dict = field(default_factory=dict)  # backend-specific facts, e.g. compile time in seconds

    def as_dict(self) -> dict:
        """JSON-ready fields, without the raw samples."""
        data = asdict(self)
        del data["samples_ms"]
        return data


@dataclass(frozen=True)
class TimedRun:
    """What :func:`time_runs` finished: rows in (model, configuration) order, and where they were saved."""

    rows: list[TimingRow]
    costs: list[Cost]  # one per model, counted at batch 1 (mult-adds per image)
    interrupted: bool  # Ctrl-C cut the run short after these rows
    saved: Path | None  # the run file, None when nothing was saved


def _choice(kind: str, value: object, choices: type) -> None:
    if value not in set(choices):
        raise UsageProblem(f"unknown {kind} {value!r}; choose one of {', '.join(choices)}")


def validate(config: TimingConfig) -> None:
    """Raise UsageProblem (one line) for a configuration that cannot run here, before anything is built."""
    _choice("device", config.device, Device)
    _choice("dtype", config.dtype, Dtype)
    _choice("backend", config.backend, Backend)
    if config.batch < 1:
        raise UsageProblem(f"--batch must be at least 1, got {config.batch}")
    if config.threads is not None and config.threads < 1:
        raise UsageProblem(f"--threads must be at least 1, got {config.threads}")
    if not config.min_time_s > 0 or not math.isfinite(config.min_time_s):
        raise UsageProblem(f"--min-time must be a positive number of seconds, got {config.min_time_s:g}")
    backends.check_supported(config)


def supported(configs: Sequence[TimingConfig]) -> tuple[list[TimingConfig], list[str]]:
    """The configurations that can run here, and one line per (backend, dtype) that cannot, saying why.

    When none can run, the first one's reason is raised (one line, exit 2), as :func:`validate` would.
    """
    kept, problems = [], {}
    for config in configs:
        try:
            validate(config)
            kept.append(config)
        except UsageProblem as problem:
            problems.setdefault((config.backend, config.dtype), problem)
    if not kept:
        raise next(iter(problems.values()))
    return kept, [f"skipped {backend} {dtype}: {problem}" for (backend, dtype), problem in problems.items()]


def time_spec(spec: ModelSpec, config: TimingConfig, cost: Cost | None = None) -> TimingRow:
    """Build, prepare and time one model with a validated `config`; `cost` (counted at batch 1) skips recounting."""
    threads = set_threads(config.threads)
    if cost is None:
        cost = count(spec.build(), spec.input_shape)
    prepared = backends.prepare(spec, config, threads)
    try:
        result = measure(prepared.run, config.min_time_s, backends.stopwatch(config))
    finally:
        prepared.close()
    return make_row(spec, config, cost, threads, result, prepared.settings, prepared.extra)


def make_row(
    spec: ModelSpec,
    config: TimingConfig,
    cost: Cost,
    threads: int,
    result: Measurement,
    settings: str,
    extra: dict | None = None,
    interleaved: Interleaved | None = None,
    load_avg_1m: float | None = None,
    speed: machine_speed.Speed | None = None,
) -> TimingRow:
    """Statistics, roofline floors, the busy flag and the machine's speed for one measurement (taken in
    `interleaved` rounds)."""
    samples_ms = tuple(s * 1e3 for s in result.samples_s)
    stats = summarize(samples_ms)
    reason = instability(stats, result.calls_per_sample)
    others = interleaved.others_cores if interleaved is not None else None
    busy = busy_reason(others)
    try:
        floors = roofline.floors_for(cost, config, threads, stats.median_ms)
    except RuntimeError as error:  # a dtype the device cannot multiply: the row stands without floors
        floors = roofline.Floors(None, None, None)
        settings = f"{settings}; no roofline ({str(error).splitlines()[0]})"
    return TimingRow(
        model=spec.name,
        device=config.device,
        backend=config.backend,
        dtype=config.dtype,
        batch=config.batch,
        threads=threads,
        samples_ms=samples_ms,
        median_ms=stats.median_ms,
        iqr_ms=stats.iqr_ms,
        p90_ms=stats.p90_ms,
        runs=stats.runs,
        cv=stats.cv,
        unstable=bool(reason),
        throughput_per_s=config.batch / (stats.median_ms / 1e3) if stats.median_ms > 0 else math.inf,
        mult_adds=cost.mult_adds,
        compute_floor_ms=floors.compute_ms,
        memory_floor_ms=floors.memory_ms,
        roofline_fraction=floors.fraction,
        settings=settings,
        channels_last=config.channels_last,
        input_size=spec.input_size,
        calls_per_sample=result.calls_per_sample,
        warmup_runs=result.warmup_runs,
        unstable_reason=reason,
        rounds=len(interleaved.round_sizes) if interleaved is not None else 1,
        round_sizes=interleaved.round_sizes if interleaved is not None else (len(samples_ms),),
        load_others_cores=others,
        load_avg_1m=load_avg_1m,
        busy=bool(busy),
        busy_reason=busy,
        machine_speed=speed.speed if speed is not None else None,
        machine_drift=speed.drift if speed is not None else None,
        slow=speed is not None and speed.speed < machine_speed.SLOW_SPEED,
        extra=dict(extra or {}),
    )


def with_ratios(rows: list[TimingRow]) -> list[TimingRow]:
    """Every row after the first with its time over the first row's (paired by round), a 95% interval and a
    verdict."""
    if not rows:
        return rows
    first = rows[0]
    out = [first]
    for row in rows[1:]:
        ci = ratio_ci(_rounds_of(first), _rounds_of(row))
        out.append(replace(row, ratio_to_first=ci.ratio, ratio_low=ci.low, ratio_high=ci.high, verdict=verdict(ci)))
    return out


def _rounds_of(row: TimingRow) -> list[list[float]]:
    out, start = [], 0
    for size in row.round_sizes or (len(row.samples_ms),):
        out.append(list(row.samples_ms[start : start + size]))
        start += size
    return out


def time_runs(
    specs: Sequence[ModelSpec],
    configs: Sequence[TimingConfig],
    results_dir: Path | None = results.RESULTS_DIR,
    progress: Progress | None = None,
    costs: Sequence[Cost] | None = None,
    checked: bool = False,
    rounds: int | None = None,
    probe: LoadProbe | None = None,
    weights: Path | None = None,
) -> TimedRun:
    """Time every model in every configuration in interleaved rounds; save the rows under `results_dir` (None:
    not). Rows come in (model, configuration) order, each after the first with its ratio to the first.

    Every configuration is validated before anything is built, unless `checked` says the caller has already
    passed each through :func:`validate`. `costs` (one per spec, counted at batch 1) skip counting. All
    configurations are prepared (built, exported, compiled) before the first round; `rounds` None: slices of about
    :data:`.rounds.SLICE_S` (:func:`.rounds.default_rounds`). Ctrl-C after a whole round
    returns rows from the whole rounds with ``interrupted``; before one, it propagates.

    Every backend builds each model with the same weights (`weights`, a state dict file, else seeded random
    ones: :mod:`.weights`), so that each row's numerics compare it with fp32 eager on one network.
    """
    for config in () if checked else configs:
        validate(config)
    if len({config.threads for config in configs}) > 1:
        raise UsageProblem("the configurations of one run must share one thread count")
    report = progress or (lambda done, total, doing: None)
    if rounds is None:  # the commands set one --min-time per run
        rounds = default_rounds(max((config.min_time_s for config in configs), default=0.0))
    total = len(specs) * len(configs) * rounds
    if costs is None:
        costs = []
        for spec in specs:
            report(0, total, f"counting {spec.name}")
            costs.append(count(spec.build(), spec.input_shape))
    specs = [pinned(spec, weights) for spec in specs]
    pairs = [(spec, config, cost) for spec, cost in zip(specs, costs, strict=True) for config in configs]
    started = results.utc_now()
    threads = set_threads(configs[0].threads) if configs else 1  # set once: intra-op threads are per process
    with exports.run_cache():
        rows, interrupted = _prepared_rows(pairs, threads, rounds, probe, report)
    rows = [replace(row, settings=f"{row.settings}; {weights_text(weights)}") for row in rows]
    report(total, total, "")
    saved = _save(rows, pairs, results_dir, started) if results_dir is not None else None
    return TimedRun(rows, list(costs), interrupted, saved)


def _prepared_rows(pairs, threads, rounds, probe, report) -> tuple[list[TimingRow], bool]:
    """Prepare every configuration, time them in interleaved rounds, then add each row's numerics."""
    total, prepared = len(pairs) * rounds, []
    try:
        for spec, config, _ in pairs:
            report(0, total, f"preparing {spec.name} {config.backend} {config.dtype} b{config.batch}")
            prepared.append(backends.prepare(spec, config, threads))
        rows, interrupted = _interleaved_rows(pairs, prepared, threads, rounds, probe, report)
        references: dict = {}
        for i, ((spec, config, _), each) in enumerate(zip(pairs, prepared, strict=True)):
            report(total, total, f"numerics {spec.name} {config.backend} {config.dtype} b{config.batch}")
            rows[i] = replace(rows[i], **numerics.row_fields(spec, config, each, references))
        return rows, interrupted
    finally:
        for each in prepared:
            each.close()


BUSY_EXTENSION = 3  # on a busy machine the rounds go on up to this many times --rounds (--min-time is a minimum)


def _interleaved_rows(pairs, prepared, threads, rounds, probe, report) -> tuple[list[TimingRow], bool]:
    """Time the prepared configurations round-robin and turn each one's samples into a row."""
    min_time_s = max(config.min_time_s for _, config, _ in pairs)  # the commands set one --min-time per run
    slots = [Slot(p.run, backends.stopwatch(config)) for p, (_, config, _) in zip(prepared, pairs, strict=True)]

    def step(r: int, i: int, done: int) -> None:
        spec, config, _ = pairs[i]
        at = f"round {r + 1}/{rounds}" if r < rounds else f"round {r + 1} of up to {BUSY_EXTENSION * rounds} (busy)"
        report(done, len(pairs) * max(rounds, r + 1),
               f"{at}: {spec.name} {config.backend} {config.dtype} b{config.batch}")  # fmt: skip

    load = load_average()
    outcome = interleave(slots, min_time_s, rounds, probe or cpu_snapshot, step, BUSY_EXTENSION * rounds,
                         machine_reference(pairs))  # fmt: skip
    speed = machine_speed.judge(outcome.reference_s, threads)
    rows = [
        make_row(spec, config, cost, threads, got.measurement, p.settings, p.extra, got, load, speed)
        for (spec, config, cost), p, got in zip(pairs, prepared, outcome.slots, strict=True)
    ]
    return with_ratios(rows), outcome.interrupted


def machine_reference(pairs) -> machine_speed.Reference | None:
    """The probe of the machine's own speed for a run on the CPU; None when a GPU is timed (its speed is not
    the CPU's). Tests replace it: a real reading would make their rows depend on the machine."""
    if any(config.device != Device.cpu for _, config, _ in pairs):
        return None
    return machine_speed.reference()


def _save(rows: list[TimingRow], pairs, results_dir: Path, started) -> Path | None:
    if not rows:
        return None
    env = results.environment(rows[0].threads, when=started)
    run_file = results.RunFile(results.run_path(results_dir, when=started), env)
    for row, (spec, _, _) in zip(rows, pairs, strict=True):
        run_file.add({**results.row_record(row), "classes": spec.num_classes})
    return run_file.path
