"""Stopwatches and the sampling loop: warm-up, device sync, min-time filling.

Method (after pyperf, timeit and ``torch.utils.benchmark``): a warm-up runs first; every sample is one timed
region bracketed by device synchronisation (on CUDA, CUDA events recorded on the stream and synchronised);
samples are taken until both ``min_time_s`` of timed work and ``MIN_RUNS`` samples are collected. Calls faster
than ``MIN_SAMPLE_S`` are repeated inside one sample (so the clock's granularity stays small against it), and
the sample is divided by that repeat count. Raw samples are kept. Garbage collection is off while sampling (as
in timeit).
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

MIN_RUNS = 5  # fewer samples make the IQR and p90 meaningless
MAX_RUNS = 100_000  # a bound so that a clock that never advances cannot loop forever
MAX_CALLS_PER_SAMPLE = 1000  # bounds a sample when a call reads as taking no time at all
MIN_SAMPLE_S = 1e-3  # pyperf's advice: samples under 1 ms are dominated by timer overhead and granularity
WARMUP_FRACTION = 0.2  # warm-up lasts this share of min_time_s (at least WARMUP_RUNS calls)
WARMUP_RUNS = 3  # the first calls pay for allocation, caches and cuDNN's algorithm search


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


def device_stopwatch(device: str) -> Stopwatch:
    """CUDA events for work on PyTorch's stream, a host clock on CPU."""
    return CudaEventStopwatch() if device == "cuda" else WallStopwatch()


def synced_wall_stopwatch(device: str) -> Stopwatch:
    """A host clock with a whole-device sync around it: for engines on their own CUDA stream (onnxruntime)."""
    if device != "cuda":
        return WallStopwatch()
    import torch

    return WallStopwatch(sync=torch.cuda.synchronize)


@dataclass(frozen=True)
class Measurement:
    samples_s: tuple[float, ...]  # per call, seconds
    calls_per_sample: int
    warmup_runs: int


def warm_up(run: Callable[[], object], min_time_s: float, watch: Stopwatch) -> tuple[int, int]:
    """Call `run` for WARMUP_FRACTION of min_time_s (at least WARMUP_RUNS calls), keeping nothing; return the
    number of warm-up calls and how many calls one sample should hold (so that a sample lasts MIN_SAMPLE_S)."""
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
        return warmup_runs, 1
    if per_call * MAX_CALLS_PER_SAMPLE <= MIN_SAMPLE_S:
        return warmup_runs, MAX_CALLS_PER_SAMPLE
    return warmup_runs, math.ceil(MIN_SAMPLE_S / per_call)


def sample(run: Callable[[], object], number: int, min_time_s: float, min_runs: int, watch: Stopwatch) -> list[float]:
    """Samples of `number` calls each, per call in seconds, until min_time_s of timed work and min_runs samples."""
    samples: list[float] = []
    total = 0.0
    collecting = gc.isenabled()
    gc.disable()  # as timeit does: a collection inside one sample would be charged to the model
    try:
        while (len(samples) < min_runs or total < min_time_s) and len(samples) < MAX_RUNS:
            watch.start()
            for _ in range(number):
                run()
            elapsed = watch.stop()
            total += elapsed
            samples.append(elapsed / number)
    finally:
        if collecting:
            gc.enable()
    return samples


def time_calls(run: Callable[[], object], min_time_s: float, stopwatch: Stopwatch | None = None) -> Measurement:
    """Warm up, pick how many calls one sample holds, then sample until min_time_s and MIN_RUNS are met."""
    watch = stopwatch or WallStopwatch()
    warmup_runs, number = warm_up(run, min_time_s, watch)
    return Measurement(tuple(sample(run, number, min_time_s, MIN_RUNS, watch)), number, warmup_runs)
