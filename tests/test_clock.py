"""The sampling loop: warm-up, samples and calls per sample stop exactly at their targets (a scripted stopwatch)."""

from __future__ import annotations

import pytest

from mnv1_bench.timing.clock import time_calls


class Scripted:
    """A stopwatch whose readings are given in advance (seconds per start/stop pair)."""

    def __init__(self, *elapsed: float, then: float | None = None):
        self.elapsed, self.then = list(elapsed), then

    def start(self) -> None:
        pass

    def stop(self) -> float:
        return self.elapsed.pop(0) if self.elapsed else self.then


def test_warmup_and_sampling_stop_exactly_at_their_targets():
    # min_time 1.25 s: warm-up stops once 3 calls and 0.25 s (20%) are reached, sampling once 5 samples and 1.25 s.
    watch = Scripted(0.0625, 0.0625, 0.125, *[0.25] * 5, then=99.0)
    result = time_calls(lambda: None, min_time_s=1.25, stopwatch=watch)
    assert (result.warmup_runs, result.calls_per_sample) == (3, 1)
    assert result.samples_s == (0.25,) * 5


def test_calls_per_sample_at_the_grouping_bounds():
    # Warm-up at 1 us per call: 1000 calls (MAX_CALLS_PER_SAMPLE) reach exactly 1 ms, so 1000 per sample.
    result = time_calls(lambda: None, min_time_s=1e-4, stopwatch=Scripted(*[1e-6] * 3, then=1e-3))
    assert result.calls_per_sample == 1000 and len(result.samples_s) == 5
    # 0.4 ms per call: ceil(1 ms / 0.4 ms) = 3 calls per sample; each sample's time is per call.
    result = time_calls(lambda: None, min_time_s=1e-4, stopwatch=Scripted(*[4e-4] * 3, then=3e-3))
    assert result.calls_per_sample == 3 and result.samples_s == pytest.approx((1e-3,) * 5)


def test_warmup_stops_at_max_runs(monkeypatch):
    monkeypatch.setattr("mnv1_bench.timing.clock.MAX_RUNS", 4)
    result = time_calls(lambda: None, min_time_s=1.0, stopwatch=Scripted(then=0.0))
    assert result.warmup_runs == 4 and len(result.samples_s) == 4
