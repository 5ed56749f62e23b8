"""Timing rows as data: what was timed, the raw samples by round, what the machine was doing, and the flags.

A row keeps its settings, its raw per-call samples split into interleaved rounds (``round_sizes``), the counts
and roofline floors it was timed beside, the machine's load and speed, and its flags (:mod:`.flags`: a kind and
the numbers behind it, decided once, when the row is made). Its statistics (median, IQR, p90, CV:
:mod:`.stats`) are computed from the samples when asked, as pyperf does; after the first row of a run, its time
over the first row's (the ratio of their medians, with a 95% interval over batches of rounds timed together) is
a :class:`~.stats.RatioCI` (:func:`with_ratios`). :mod:`.run` measures; this module only computes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

from mnv1_bench.counting import Cost
from mnv1_bench.environment import available_cores
from mnv1_bench.timing import flags as flagging, machine_speed, roofline
from mnv1_bench.timing.clock import Measurement
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.flags import Flag
from mnv1_bench.timing.rounds import Interleaved, split_rounds
from mnv1_bench.timing.stats import RatioCI, Stats, ratio_ci, summarize, verdict, windows

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
    mult_adds: int  # per image, paper convention (conv + FC multiply-accumulates)
    compute_floor_ms: float | None  # 2 x mult-adds x batch / peak matmul rate
    memory_floor_ms: float | None  # bytes that must move / copy bandwidth
    settings: str  # what produced the row: backend options, BN folding, channels-last, ...
    channels_last: bool = False
    input_size: int = 224
    calls_per_sample: int = 1  # calls timed together in one sample (fast models)
    warmup_runs: int = 0
    round_sizes: tuple[int, ...] = ()  # samples per interleaved round, in order (they split samples_ms); () = one
    repeat_rounds: tuple[int, ...] = ()  # rounds per repeat (each prepared anew), in order; () = one repeat
    load_others_cores: float | None = None  # CPU other processes used while this row was timed, in cores
    load_avg_1m: float | None = None  # the 1-minute load average just before the run's timing began
    machine_speed: float | None = None  # fastest reference matmul this host has shown / this run's (machine_speed)
    machine_drift: float | None = None  # how much that reference moved between rounds: (p90 - p10) / median
    flags: tuple[Flag, ...] = ()  # decided when the row was made (flags.decide)
    ratio: RatioCI | None = None  # median / the first row's median, with its 95% interval; None on row 1
    numerics_cosine: float | None = None  # agreement with fp32 eager on NUMERICS_INPUTS seeded inputs: see numerics
    numerics_max_abs: float | None = None
    top1_agreement: float | None = None
    size_mb: float | None = None  # the exported model's size on disk (onnxruntime, openvino), 10^6 bytes
    extra: dict = field(default_factory=dict)  # backend-specific facts, e.g. compile time in seconds

    @cached_property
    def stats(self) -> Stats:
        return summarize(self.samples_ms)

    @property
    def median_ms(self) -> float:
        return self.stats.median_ms

    @property
    def iqr_ms(self) -> float:
        return self.stats.iqr_ms

    @property
    def p90_ms(self) -> float:
        return self.stats.p90_ms

    @property
    def runs(self) -> int:
        return self.stats.runs

    @property
    def cv(self) -> float:
        return self.stats.cv

    @property
    def throughput_per_s(self) -> float:
        """Images per second: batch / median."""
        return self.batch / (self.median_ms / 1e3) if self.median_ms > 0 else math.inf

    @property
    def roofline_fraction(self) -> float | None:
        """max(floors) / median: 1.0 means at the roofline (None without floors)."""
        if self.compute_floor_ms is None or self.memory_floor_ms is None or self.median_ms <= 0:
            return None
        return max(self.compute_floor_ms, self.memory_floor_ms) / self.median_ms

    @property
    def rounds(self) -> int:
        return len(self.round_sizes) or 1

    def labelled(self, label: str) -> bool:
        return any(flag.label == label for flag in self.flags)

    @property
    def unstable(self) -> bool:
        return self.labelled("UNSTABLE")

    @property
    def busy(self) -> bool:
        return self.labelled("BUSY")

    @property
    def slow(self) -> bool:
        return self.labelled("SLOW")

    @property
    def verdict(self) -> str:
        """faster, slower or indistinguishable from the first row ("" on the first row)."""
        return verdict(self.ratio) if self.ratio is not None else ""

    @property
    def repeats(self) -> int:
        return len(self.repeat_rounds) or 1

    def rounds_ms(self) -> list[list[float]]:
        """The samples split into their rounds (a row without round sizes: one round)."""
        return split_rounds(self.samples_ms, self.round_sizes or (len(self.samples_ms),))

    def batches_ms(self) -> list[list[float]]:
        """The samples in the independent batches the ratio's interval compares (:func:`.stats.ratio_ci`): one
        per repeat, or, in a run of one repeat, :data:`.stats.WINDOWS` windows of consecutive rounds."""
        rounds = self.rounds_ms()
        if self.repeats < 2:
            return windows(rounds)
        return [[s for each in repeat for s in each] for repeat in split_rounds(rounds, self.repeat_rounds)]

    def as_dict(self) -> dict:
        """JSON-ready fields and statistics, without the raw samples: what `--format json` shows."""
        return {
            "model": self.model, "device": self.device, "backend": self.backend, "dtype": self.dtype,
            "batch": self.batch, "threads": self.threads, "median_ms": self.median_ms, "iqr_ms": self.iqr_ms,
            "p90_ms": self.p90_ms, "runs": self.runs, "cv": self.cv, "unstable": self.unstable,
            "throughput_per_s": self.throughput_per_s, "mult_adds": self.mult_adds,
            "compute_floor_ms": self.compute_floor_ms, "memory_floor_ms": self.memory_floor_ms,
            "roofline_fraction": self.roofline_fraction, "settings": self.settings,
            "channels_last": self.channels_last, "input_size": self.input_size,
            "calls_per_sample": self.calls_per_sample, "warmup_runs": self.warmup_runs,
            "unstable_reason": flagging.texts(self.flags, "UNSTABLE"), "rounds": self.rounds, "repeats": self.repeats,
            "round_sizes": self.round_sizes or (len(self.samples_ms),), "load_others_cores": self.load_others_cores,
            "load_avg_1m": self.load_avg_1m, "busy": self.busy, "busy_reason": flagging.texts(self.flags, "BUSY"),
            "machine_speed": self.machine_speed, "machine_drift": self.machine_drift, "slow": self.slow,
            "ratio_to_first": self.ratio.ratio if self.ratio else None,
            "ratio_low": self.ratio.low if self.ratio else None,
            "ratio_high": self.ratio.high if self.ratio else None, "verdict": self.verdict,
            "numerics_cosine": self.numerics_cosine, "numerics_max_abs": self.numerics_max_abs,
            "top1_agreement": self.top1_agreement, "size_mb": self.size_mb, "extra": dict(self.extra),
        }  # fmt: skip

    def record(self) -> dict:
        """The row as a run file keeps it: :meth:`as_dict`, its flags as data, and the raw samples."""
        return {
            **self.as_dict(),
            "repeat_rounds": list(self.repeat_rounds) or [self.rounds],
            "flags": [flag.as_dict() for flag in self.flags],
            "samples_ms": list(self.samples_ms),
        }


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
    repeat_rounds: tuple[int, ...] = (),
) -> TimingRow:
    """One measurement (taken in `interleaved` rounds) as a row: its roofline floors, and its flags decided from
    its samples, the machine's load and speed, and its threads against the cores this process may use."""
    samples_ms = tuple(s * 1e3 for s in result.samples_s)
    stats = summarize(samples_ms)
    others = interleaved.others_cores if interleaved is not None else None
    try:
        floors = roofline.floors_for(cost, config, threads, stats.median_ms)
    except RuntimeError as error:  # a dtype the device cannot multiply: the row stands without floors
        floors = roofline.Floors(None, None, None)
        settings = f"{settings}; no roofline ({str(error).splitlines()[0]})"
    cpu = config.device == "cpu"
    flags = flagging.decide(stats, result.calls_per_sample, others, speed.speed if speed is not None else None,
                            threads if cpu else None, available_cores() if cpu else None)  # fmt: skip
    return TimingRow(
        model=spec.name,
        device=config.device,
        backend=config.backend,
        dtype=config.dtype,
        batch=config.batch,
        threads=threads,
        samples_ms=samples_ms,
        mult_adds=cost.mult_adds,
        compute_floor_ms=floors.compute_ms,
        memory_floor_ms=floors.memory_ms,
        settings=settings,
        channels_last=config.channels_last,
        input_size=spec.input_size,
        calls_per_sample=result.calls_per_sample,
        warmup_runs=result.warmup_runs,
        round_sizes=interleaved.round_sizes if interleaved is not None else (len(samples_ms),),
        repeat_rounds=repeat_rounds,
        load_others_cores=others,
        load_avg_1m=load_avg_1m,
        machine_speed=speed.speed if speed is not None else None,
        machine_drift=speed.drift if speed is not None else None,
        flags=flags,
        extra=dict(extra or {}),
    )


def with_ratios(rows: list[TimingRow]) -> list[TimingRow]:
    """Every row after the first with its time over the first row's (the ratio of the medians), a 95% interval
    and a verdict."""
    if not rows:
        return rows
    first = rows[0]
    out = [first]
    for row in rows[1:]:
        out.append(replace(row, ratio=ratio_ci(first.batches_ms(), row.batches_ms())))
    return out
