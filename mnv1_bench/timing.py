"""Time one model in one configuration: warm-up, device sync, min-time filling, statistics over raw samples.

Method (after pyperf, timeit and ``torch.utils.benchmark``): eval and inference mode; a warm-up runs
first; every sample is one timed region bracketed by device synchronisation (on CUDA, CUDA events recorded on
the stream and synchronised); samples are taken until both ``min_time_s`` of timed work and ``MIN_RUNS``
samples are collected. Calls faster than ``MIN_SAMPLE_S`` are repeated inside one sample (so the clock's
granularity stays small against it), and the sample is divided by that repeat count. Raw samples are kept;
rows report the median, the inter-quartile range, the 90th percentile, the number of samples and the
coefficient of variation (standard deviation / mean). Garbage collection is off while sampling (as in timeit).
Threads are set explicitly (``torch.set_num_threads``)
and recorded: unlike ``torch.utils.benchmark.Timer``, which defaults to one thread, the default is every core
this process may run on.
"""

from __future__ import annotations

import gc
import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from mnv1_bench.counting import Cost
    from mnv1_bench.registry import ModelSpec

DEVICES = ("cpu", "cuda")
DTYPES = ("fp32", "fp16", "bf16")
BACKENDS = ("eager", "compile", "cudagraph", "onnxruntime")

MIN_RUNS = 5  # fewer samples make the IQR and p90 meaningless
MAX_RUNS = 100_000  # a bound so that a clock that never advances cannot loop forever
MAX_CALLS_PER_SAMPLE = 1000  # bounds a sample when a call reads as taking no time at all
MIN_SAMPLE_S = 1e-3  # pyperf's advice: samples under 1 ms are dominated by timer overhead and granularity
UNSTABLE_CV = 0.10  # pyperf warns when the standard deviation exceeds 10% of the mean
WARMUP_FRACTION = 0.2  # warm-up lasts this share of min_time_s (at least WARMUP_RUNS calls)
WARMUP_RUNS = 3


@dataclass(frozen=True)
class TimingConfig:
    """What to time: one device, batch size, dtype and backend."""

    device: str = "cpu"  # "cpu" | "cuda"
    batch: int = 1  # images per call
    dtype: str = "fp32"  # "fp32" | "fp16" | "bf16": weights and inputs
    backend: str = "eager"  # "eager" | "compile" | "cudagraph" | "onnxruntime"
    channels_last: bool = False  # NHWC memory format for weights and inputs (PyTorch backends)
    threads: int | None = None  # intra-op CPU threads; None: every core this process may use
    min_time_s: float = 1.0  # timed work to collect, in seconds, after the warm-up
    fold_bn: bool = True  # fold eval-mode batch norm into the preceding conv (PyTorch backends)


@dataclass(frozen=True)
class Stats:
    """Statistics over per-call times in milliseconds."""

    median_ms: float
    iqr_ms: float  # 75th - 25th percentile
    p90_ms: float
    mean_ms: float
    stdev_ms: float
    cv: float  # stdev / mean, a fraction
    runs: int


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
    extra: dict = field(default_factory=dict)  # backend-specific facts, e.g. compile time in seconds

    def as_dict(self) -> dict:
        """JSON-ready fields, without the raw samples."""
        data = asdict(self)
        del data["samples_ms"]
        return data


class Stopwatch(Protocol):
    """Times one region: ``start()`` then ``stop()`` returns elapsed seconds, device work included."""

    def start(self) -> None: ...
    def stop(self) -> float: ...


class WallStopwatch:
    """A host clock read after a device sync on both sides of the region (sync is a no-op on CPU)."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter, sync: Callable[[], None] = lambda: None):
        self._clock, self._sync, self._t0 = clock, sync, 0.0

    def start(self) -> None:
        self._sync()
        self._t0 = self._clock()

    def stop(self) -> float:
        self._sync()
        return self._clock() - self._t0


class CudaEventStopwatch:
    """CUDA events on the current stream; the device is synchronised first so queued work is not timed."""

    def __init__(self) -> None:
        import torch

        self._torch = torch
        self._begin = torch.cuda.Event(enable_timing=True)
        self._end = torch.cuda.Event(enable_timing=True)

    def start(self) -> None:
        self._torch.cuda.synchronize()
        self._begin.record()

    def stop(self) -> float:
        self._end.record()
        self._end.synchronize()
        return self._begin.elapsed_time(self._end) / 1e3  # elapsed_time is in ms


@dataclass(frozen=True)
class Measurement:
    samples_s: tuple[float, ...]  # per call, seconds
    calls_per_sample: int
    warmup_runs: int


def measure(run: Callable[[], object], min_time_s: float, stopwatch: Stopwatch | None = None) -> Measurement:
    """Warm up, pick how many calls one sample holds, then sample until min_time_s and MIN_RUNS are met."""
    watch = stopwatch or WallStopwatch()
    warmup_runs, warmed, per_call = 0, 0.0, math.inf
    while warmup_runs < WARMUP_RUNS or warmed < WARMUP_FRACTION * min_time_s:
        watch.start()
        run()
        elapsed = watch.stop()
        warmup_runs += 1
        warmed += elapsed
        per_call = min(per_call, elapsed)
        if warmup_runs >= MAX_RUNS:
            break
    if per_call >= MIN_SAMPLE_S:
        number = 1
    elif per_call * MAX_CALLS_PER_SAMPLE <= MIN_SAMPLE_S:
        number = MAX_CALLS_PER_SAMPLE
    else:
        number = math.ceil(MIN_SAMPLE_S / per_call)
    samples: list[float] = []
    total = 0.0
    collecting = gc.isenabled()
    gc.disable()  # as timeit does: a collection inside one sample would be charged to the model
    try:
        while (len(samples) < MIN_RUNS or total < min_time_s) and len(samples) < MAX_RUNS:
            watch.start()
            for _ in range(number):
                run()
            elapsed = watch.stop()
            total += elapsed
            samples.append(elapsed / number)
    finally:
        if collecting:
            gc.enable()
    return Measurement(tuple(samples), number, warmup_runs)


def _quantile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default, pandas' default)."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    position = q * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def summarize(samples_ms: tuple[float, ...] | list[float]) -> Stats:
    """Median, IQR, p90, mean, sample standard deviation and CV of per-call times in milliseconds."""
    if not samples_ms:
        raise ValueError("no samples to summarize")
    ordered = sorted(samples_ms)
    mean = statistics.fmean(ordered)
    stdev = statistics.stdev(ordered) if len(ordered) > 1 else 0.0
    return Stats(
        median_ms=_quantile(ordered, 0.5),
        iqr_ms=_quantile(ordered, 0.75) - _quantile(ordered, 0.25),
        p90_ms=_quantile(ordered, 0.9),
        mean_ms=mean,
        stdev_ms=stdev,
        cv=stdev / mean if mean > 0 else 0.0,
        runs=len(ordered),
    )


def instability(stats: Stats, calls_per_sample: int) -> str:
    """Why a row should not be trusted, or "" when it can be."""
    reasons = []
    if stats.cv > UNSTABLE_CV:
        reasons.append(f"CV {stats.cv:.0%} > {UNSTABLE_CV:.0%}")
    if stats.median_ms * calls_per_sample < MIN_SAMPLE_S * 1e3:
        reasons.append(f"samples under {MIN_SAMPLE_S * 1e3:g} ms (clock granularity)")
    if stats.runs < MIN_RUNS:
        reasons.append(f"only {stats.runs} samples")
    return "; ".join(reasons)


def available_cores() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity mask
        return os.cpu_count() or 1


def set_threads(threads: int | None) -> int:
    """Set PyTorch's intra-op threads explicitly and return the number set."""
    import torch

    n = available_cores() if threads is None else threads
    torch.set_num_threads(n)
    return n


def validate(config: TimingConfig) -> None:
    """Raise UsageProblem for a configuration no backend can run, before anything is built."""
    from mnv1_bench.errors import UsageProblem

    if config.device not in DEVICES:
        raise UsageProblem(f"unknown device {config.device!r}; choose one of {', '.join(DEVICES)}")
    if config.dtype not in DTYPES:
        raise UsageProblem(f"unknown dtype {config.dtype!r}; choose one of {', '.join(DTYPES)}")
    if config.backend not in BACKENDS:
        raise UsageProblem(f"unknown backend {config.backend!r}; choose one of {', '.join(BACKENDS)}")
    if config.batch < 1:
        raise UsageProblem(f"batch must be at least 1, got {config.batch}")
    if config.threads is not None and config.threads < 1:
        raise UsageProblem(f"threads must be at least 1, got {config.threads}")
    if not config.min_time_s > 0 or not math.isfinite(config.min_time_s):
        raise UsageProblem(f"min-time must be a positive number of seconds, got {config.min_time_s:g}")


def time_spec(spec: ModelSpec, config: TimingConfig, cost: Cost | None = None) -> TimingRow:
    """Build, prepare and time one model; `cost` (counted at batch 1) skips recounting when given."""
    from mnv1_bench import backends

    validate(config)
    backends.check_supported(config)
    threads = set_threads(config.threads)
    if cost is None:
        from mnv1_bench.counting import count

        cost = count(spec.build(), spec.input_shape)
    prepared = backends.prepare(spec, config, threads)
    try:
        stopwatch = _stopwatch(config)
        result = measure(prepared.run, config.min_time_s, stopwatch)
    finally:
        prepared.close()
    return make_row(spec, config, cost, threads, result, prepared.settings, prepared.extra)


def _stopwatch(config: TimingConfig) -> Stopwatch:
    """CUDA events for PyTorch's stream; onnxruntime runs on its own CUDA stream, so it gets a synced wall clock."""
    if config.device != "cuda":
        return WallStopwatch()
    if config.backend == "onnxruntime":
        import torch

        return WallStopwatch(sync=torch.cuda.synchronize)
    return CudaEventStopwatch()


def make_row(
    spec: ModelSpec,
    config: TimingConfig,
    cost: Cost,
    threads: int,
    result: Measurement,
    settings: str,
    extra: dict | None = None,
) -> TimingRow:
    """Statistics and roofline floors for one measurement."""
    from mnv1_bench import roofline

    samples_ms = tuple(s * 1e3 for s in result.samples_s)
    stats = summarize(samples_ms)
    reason = instability(stats, result.calls_per_sample)
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
        extra=dict(extra or {}),
    )
