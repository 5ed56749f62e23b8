"""Time models: the one module that composes the clock, the rounds, a backend, the rows and the run file.

Eval and inference mode, warm-up, device sync around every sample, min-time filling (:mod:`.clock`); every
configuration of one run timed in interleaved rounds while the machine's load and speed are read
(:mod:`.rounds`, :mod:`.machine_speed`); each configuration's samples turned into a row with its statistics,
flags, roofline floors and ratio to the first row (:mod:`.rows`); numerics (:mod:`.numerics`). Threads are set
explicitly (``torch.set_num_threads``) and recorded: ``torch.utils.benchmark.Timer`` silently uses one thread,
while the default here is every core this process may run on but one
(:func:`mnv1_bench.environment.default_threads`). A configuration is validated once, by :func:`validate` (or by
:func:`time_runs`, which validates all of them before timing any).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mnv1_bench.choices import Backend, Device, Dtype
from mnv1_bench.counting import Cost, count
from mnv1_bench.environment import cpu_snapshot, load_average, set_threads
from mnv1_bench.errors import UsageProblem
from mnv1_bench.store import runs as results
from mnv1_bench.timing import backends, exports, machine_speed, numerics, repeats
from mnv1_bench.timing.clock import time_calls
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.rounds import LoadProbe, Slot, default_rounds, interleave
from mnv1_bench.timing.rows import TimingRow, make_row, with_ratios
from mnv1_bench.timing.weights import pinned, weights_text

if TYPE_CHECKING:
    from mnv1_bench.models.registry import ModelSpec

MAX_MIN_TIME_S = 3600.0  # an hour of timed calls per row: past it a typo (1e9) would run for ever
MAX_ROUNDS = 10_000  # interleaved rounds per run: past it slices fall under the clock's grain for any min-time

Progress = Callable[[int, int, str], None]  # (steps done, steps in all, what runs next) -> None


@dataclass(frozen=True)
class TimedRun:
    """What :func:`time_runs` finished: rows in (model, configuration) order, and where they were saved."""

    rows: list[TimingRow]
    costs: list[Cost]  # one per model, counted at batch 1 (mult-adds per image)
    interrupted: bool  # Ctrl-C cut the run short after these rows
    saved: Path | None  # the run file, None when nothing was saved
    repeats: int = 1  # repeats taken (each configuration prepared anew and timed in rounds of its own)
    widest: float | None = None  # the widest ratio interval's larger side, a fraction of its ratio (None: no ratio)


def _choice(kind: str, value: object, choices: type) -> None:
    if value not in set(choices):
        raise UsageProblem(f"unknown {kind} {value!r}; choose one of {', '.join(choices)}")


def validate(config: TimingConfig) -> None:
    """Raise UsageProblem (one line) for a configuration that cannot run here, before anything is built."""
    _choice("device", config.device, Device)
    _choice("dtype", config.dtype, Dtype)
    _choice("backend", config.backend, Backend)
    if config.batch < 1:
        raise UsageProblem.about("{batch} must be at least 1, got {value}", value=config.batch)
    if config.threads is not None and config.threads < 1:
        raise UsageProblem.about("{threads} must be at least 1, got {value}", value=config.threads)
    if not 0 < config.min_time_s <= MAX_MIN_TIME_S:
        raise UsageProblem.about(
            "{min_time_s} must be a positive number of seconds, at most " + f"{MAX_MIN_TIME_S:g}" + ", got {value:g}",
            value=config.min_time_s,
        )
    backends.check_supported(config)


def supported(configs: Sequence[TimingConfig]) -> tuple[list[TimingConfig], list[UsageProblem]]:
    """The configurations that can run here, and one problem per (backend, dtype) that cannot, saying why in one
    line ("skipped eager int8: ...").

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
    return kept, [
        UsageProblem.about("skipped {name} {precision}: {problem}", name=name, precision=precision, problem=problem)
        for (name, precision), problem in problems.items()
    ]


def time_spec(spec: ModelSpec, config: TimingConfig, cost: Cost | None = None) -> TimingRow:
    """Build, prepare and time one model with a validated `config`; `cost` (counted at batch 1) skips recounting."""
    threads = set_threads(config.threads)
    if cost is None:
        cost = count(spec)
    prepared = backends.prepare(spec, config, threads)
    try:
        result = time_calls(prepared.run, config.min_time_s, backends.stopwatch(config))
    finally:
        prepared.close()
    return make_row(spec, config, cost, threads, result, prepared.settings, prepared.extra)


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
    plan: Repeats | None = None,
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

    `plan` (default one repeat): the rounds are split over that many repeats, each preparing every configuration
    anew (:mod:`.repeats`); with a precision, repeats go on until every ratio's interval lies within it of the
    ratio, or the plan's cap is reached.
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
            costs.append(count(spec))
    specs = [pinned(spec, weights) for spec in specs]
    pairs = [(spec, config, cost) for spec, cost in zip(specs, costs, strict=True) for config in configs]
    started = results.utc_now()
    threads = set_threads(configs[0].threads) if configs else 1  # set once: intra-op threads are per process
    plan = plan or Repeats()
    with exports.run_cache():
        rows, interrupted, outcomes = _repeated_rows(pairs, threads, rounds, probe, report, plan)
    rows = [replace(row, settings=f"{row.settings}; {weights_text(weights)}") for row in rows]
    report(total, total, "")
    saved = _save(rows, pairs, results_dir, started) if results_dir is not None else None
    return TimedRun(rows, list(costs), interrupted, saved, len(outcomes), repeats.widest(outcomes))


@dataclass(frozen=True)
class Repeats:
    """How many repeats a run takes: `count` at least; with `precision` (a fraction, 0.02 = ±2%), more until every
    ratio's 95% interval lies within it of the ratio, up to `most`."""

    count: int = 1
    precision: float | None = None
    most: int = 1

    def done(self, outcomes: Sequence) -> bool:
        if len(outcomes) < self.count:
            return False
        if self.precision is None or len(outcomes) >= self.most:
            return True
        widest = repeats.widest(outcomes)
        return widest is None or widest <= self.precision


def _repeated_rows(pairs, threads, rounds, probe, report, plan: Repeats) -> tuple[list[TimingRow], bool, list]:
    """Prepare every configuration and time them in interleaved rounds, once per repeat (:mod:`.repeats`), then
    turn each one's samples into a row and add its numerics (from the last repeat's preparation)."""
    each_rounds = repeats.split(rounds, plan.count) if plan.count > 1 else rounds
    min_time_s = max(config.min_time_s for _, config, _ in pairs) * each_rounds / rounds
    outcomes, load, prepared = [], load_average(), []
    try:
        while not plan.done(outcomes):
            for each in prepared:
                each.close()
            prepared = []
            for spec, config, _ in pairs:
                report(0, len(pairs) * rounds, f"preparing {spec.name} {config.backend} {config.dtype} b{config.batch}")
                prepared.append(backends.prepare(spec, config, threads))
            outcomes.append(_interleaved(pairs, prepared, each_rounds, min_time_s, probe, report, len(outcomes)))
            if outcomes[-1].interrupted:
                break
        speed = machine_speed.judge(repeats.reference_s(outcomes), threads)
        rows = [
            make_row(spec, config, cost, threads, got.interleaved.measurement, p.settings, p.extra, got.interleaved,
                     load, speed, got.repeat_rounds)
            for (spec, config, cost), p, got in zip(pairs, prepared, repeats.merge(outcomes), strict=True)
        ]  # fmt: skip
        rows = with_ratios(rows)
        references: dict = {}
        for i, ((spec, config, _), each) in enumerate(zip(pairs, prepared, strict=True)):
            report(1, 1, f"numerics {spec.name} {config.backend} {config.dtype} b{config.batch}")
            rows[i] = replace(rows[i], **numerics.row_fields(spec, config, each, references))
        return rows, outcomes[-1].interrupted, outcomes
    finally:
        for each in prepared:
            each.close()


BUSY_EXTENSION = 3  # on a busy machine the rounds go on up to this many times --rounds (--min-time is a minimum)


def _interleaved(pairs, prepared, rounds, min_time_s, probe, report, repeat: int):
    """One repeat: the prepared configurations timed round-robin."""
    slots = [Slot(p.run, backends.stopwatch(config)) for p, (_, config, _) in zip(prepared, pairs, strict=True)]
    again = f"repeat {repeat + 1}, " if repeat else ""

    def step(r: int, i: int, done: int) -> None:
        spec, config, _ = pairs[i]
        at = f"round {r + 1}/{rounds}" if r < rounds else f"round {r + 1} of up to {BUSY_EXTENSION * rounds} (busy)"
        report(done, len(pairs) * max(rounds, r + 1),
               f"{again}{at}: {spec.name} {config.backend} {config.dtype} b{config.batch}")  # fmt: skip

    return interleave(slots, min_time_s, rounds, probe or cpu_snapshot, step, BUSY_EXTENSION * rounds,
                      machine_reference(pairs))  # fmt: skip


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
        run_file.add({**row.record(), "classes": spec.num_classes})
    return run_file.path
