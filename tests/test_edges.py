"""Boundaries of the timing statistics, the sampling loop, the roofline floors and the results store."""

from __future__ import annotations

import json
import math
import os
import statistics
from pathlib import Path

import pytest

from mnv1_bench.counting import Cost, LayerCost
from mnv1_bench.environment import available_cores
from mnv1_bench.files import write_atomic
from mnv1_bench.store.runs import load_results
from mnv1_bench.timing.clock import measure
from mnv1_bench.timing.roofline import Peaks, bytes_moved, floors
from mnv1_bench.timing.stats import Stats, instability, summarize


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
    result = measure(lambda: None, min_time_s=1.25, stopwatch=watch)
    assert (result.warmup_runs, result.calls_per_sample) == (3, 1)
    assert result.samples_s == (0.25,) * 5


def test_calls_per_sample_at_the_grouping_bounds():
    # Warm-up at 1 us per call: 1000 calls (MAX_CALLS_PER_SAMPLE) reach exactly 1 ms, so 1000 per sample.
    result = measure(lambda: None, min_time_s=1e-4, stopwatch=Scripted(*[1e-6] * 3, then=1e-3))
    assert result.calls_per_sample == 1000 and len(result.samples_s) == 5
    # 0.4 ms per call: ceil(1 ms / 0.4 ms) = 3 calls per sample; each sample's time is per call.
    result = measure(lambda: None, min_time_s=1e-4, stopwatch=Scripted(*[4e-4] * 3, then=3e-3))
    assert result.calls_per_sample == 3 and result.samples_s == pytest.approx((1e-3,) * 5)


def test_warmup_stops_at_max_runs(monkeypatch):
    monkeypatch.setattr("mnv1_bench.timing.clock.MAX_RUNS", 4)
    result = measure(lambda: None, min_time_s=1.0, stopwatch=Scripted(then=0.0))
    assert result.warmup_runs == 4 and len(result.samples_s) == 4


def test_summary_of_two_samples_and_of_zeros():
    stats = summarize([1.0, 3.0])
    assert (stats.median_ms, stats.iqr_ms, stats.p90_ms) == pytest.approx((2.0, 1.0, 2.8))
    assert stats.stdev_ms == pytest.approx(math.sqrt(2)) and stats.mean_ms == 2.0
    assert stats.cv == pytest.approx(math.sqrt(2) / 2)
    small = summarize([0.5, 0.7])  # a mean under 1 ms still has a CV
    assert small.cv == pytest.approx(statistics.stdev([0.5, 0.7]) / 0.6)
    zeros = summarize([0.0, 0.0, 0.0])
    assert (zeros.cv, zeros.stdev_ms) == (0.0, 0.0)
    with pytest.raises(ValueError, match="^no samples to summarize$"):
        summarize(())


def stats(cv: float = 0.0, median_ms: float = 10.0, runs: int = 5) -> Stats:
    return Stats(median_ms=median_ms, iqr_ms=0.0, p90_ms=median_ms, mean_ms=median_ms, stdev_ms=cv * median_ms,
                 cv=cv, runs=runs)  # fmt: skip


def test_instability_edges():
    assert instability(stats(cv=0.10), 1) == ""  # at the 10% line: not over it
    assert instability(stats(cv=0.1001), 1) == "CV 10% > 10%"
    assert instability(stats(median_ms=1.0), 1) == ""  # exactly 1 ms per sample
    assert instability(stats(median_ms=0.25), 4) == ""
    assert instability(stats(median_ms=0.2499), 4) == "samples under 1 ms (clock granularity)"
    assert instability(stats(runs=5), 1) == "" and instability(stats(runs=4), 1) == "only 4 samples"


def test_available_cores_without_an_affinity_mask(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert available_cores() == 3
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert available_cores() == 1


def layer(out_shape: tuple[int, ...], in_shape: tuple[int, ...] = (3, 4, 4)) -> LayerCost:
    return LayerCost(1, "l", "Conv 3x3", 1, in_shape, out_shape, mult_adds=10, params=5, weights=5)


def cost(layers: tuple[LayerCost, ...], weights: int = 7, mult_adds: int = 1000) -> Cost:
    return Cost(mult_adds, mult_adds, weights, weights, layers, {}, {}, {})


def test_bytes_moved_counts_weights_input_and_each_output_twice():
    assert bytes_moved(cost((layer((2, 2, 2)), layer((5,)))), batch=3, dtype="fp32") == (7 + 3 * (48 + 2 * 13)) * 4
    assert bytes_moved(cost(()), batch=3, dtype="fp32") == 7 * 4  # no layers: weights only, no input


def test_floors_with_no_median_have_no_fraction():
    peaks = Peaks(matmul_flop_per_s=1e9, copy_bytes_per_s=1e8, device="cpu", dtype="fp32", threads=1, device_name="x")
    result = floors(cost(()), 1, "fp32", peaks, median_ms=0.0)
    assert result.fraction is None and result.compute_ms == pytest.approx(2e-3)
    assert floors(cost(()), 1, "fp32", peaks, median_ms=0.004).fraction == pytest.approx(0.5)


def test_write_atomic_creates_folders_respects_the_umask_and_cleans_up(tmp_path, monkeypatch):
    target = tmp_path / "new" / "deeper" / "rows.jsonl"
    old = os.umask(0o022)
    try:
        write_atomic(target, "a\n")
    finally:
        os.umask(old)
    assert target.read_text() == "a\n"
    assert target.stat().st_mode & 0o777 == 0o644
    write_atomic(target, "b\n")  # replaces
    assert target.read_text() == "b\n" and sorted(p.name for p in target.parent.iterdir()) == ["rows.jsonl"]

    renamed = []

    def fail(source, destination):
        renamed.append((Path(source), Path(destination)))
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "c\n")
    assert target.read_text() == "b\n" and sorted(p.name for p in target.parent.iterdir()) == ["rows.jsonl"]
    ((source, destination),) = renamed  # the temporary file sat beside the target (same file system: atomic)
    assert destination == target and source.parent == target.parent
    assert source.name.startswith(".rows.jsonl.") and source.name.endswith(".tmp")


def test_load_results_skips_unreadable_lines_and_keeps_reading(tmp_path):
    lines = ["not json", json.dumps([1, 2]), json.dumps({"model": "x"}), json.dumps({"model": "a", "median_ms": 1.0}),
             "{broken", json.dumps({"model": "b", "median_ms": 2.0})]  # fmt: skip
    (tmp_path / "time-1-a.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "time-2-b.jsonl").write_text(json.dumps({"model": "c", "median_ms": 3.0}) + "\n")
    (tmp_path / "other.jsonl").write_text(json.dumps({"model": "z", "median_ms": 9.0}) + "\n")
    (tmp_path / "time-0-dir.jsonl").mkdir()  # unreadable as a file: skipped, the others still read
    frame = load_results(Path(tmp_path))
    assert list(frame["model"]) == ["a", "b", "c"]
    assert list(frame["source"]) == ["time-1-a.jsonl", "time-1-a.jsonl", "time-2-b.jsonl"]


def test_load_results_of_nothing_has_the_columns_readers_expect(tmp_path):
    frame = load_results(tmp_path)
    assert frame.empty
    assert list(frame.columns[:6]) == ["model", "device", "backend", "dtype", "batch", "median_ms"]
    assert {"hostname", "git_commit", "utc"} <= set(frame.columns)
