"""Timing rows: one configuration's samples turned into a row, and each row's ratio to the first.

A row holds the statistics over its raw samples (median, IQR, p90, CV: :mod:`.stats`), why it is not to be
trusted (UNSTABLE), whether other processes (BUSY) or the machine itself (SLOW: :mod:`.machine_speed`) slowed it,
its roofline floors (:mod:`.roofline`), and, after the first row of a run, its time over the first row's, paired
by round, with a 95% interval and a verdict. :mod:`.run` measures; this module only computes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING

from mnv1_bench.counting import Cost
from mnv1_bench.timing import machine_speed, roofline
from mnv1_bench.timing.clock import Measurement
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.rounds import Interleaved, split_rounds
from mnv1_bench.timing.stats import busy_reason, instability, ratio_ci, summarize, verdict

if TYPE_CHECKING:
    from mnv1_bench.models.registry import ModelSpec


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
    """The row's samples split into their rounds (a row without round sizes: one round)."""
    return split_rounds(row.samples_ms, row.round_sizes or (len(row.samples_ms),))
