"""The measurement loop and its statistics, driven by a fake clock; one real eager run of a tiny model."""

from __future__ import annotations

import math
import statistics
from dataclasses import replace

import numpy as np
import pytest
import torch

from mnv1_bench import environment
from mnv1_bench.errors import UsageProblem
from mnv1_bench.timing import clock as sampling, roofline, rows, run
from mnv1_bench.timing.clock import Measurement, WallStopwatch, time_calls
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.stats import summarize


class FakeClock:
    """Time advances only when the timed function runs, by the next duration in `durations` (cycled)."""

    def __init__(self, *durations: float):
        self.now = 0.0
        self.durations = durations
        self.calls = 0
        self.syncs = 0

    def __call__(self) -> float:
        return self.now

    def run(self) -> None:
        self.now += self.durations[self.calls % len(self.durations)]
        self.calls += 1

    def sync(self) -> None:
        self.syncs += 1


def fake_peaks(device: str, dtype: str, threads: int) -> roofline.Peaks:
    return roofline.Peaks(1e11, 1e10, device, dtype, threads, "fake device")


@pytest.fixture
def fake_cache(tmp_path):
    roofline.set_default_cache(roofline.PeakCache(tmp_path / "roofline.json", fake_peaks))
    yield
    roofline.set_default_cache(None)


# Durations are powers of two (exact in binary) and thresholds fall between multiples, so counts are exact.
def test_min_time_filling_with_constant_calls():
    clock = FakeClock(2**-9)  # 1.953125 ms
    result = time_calls(clock.run, min_time_s=0.02, stopwatch=WallStopwatch(clock, clock.sync))
    # warm-up: 3 calls (5.9 ms) exceed 20% of 20 ms; then samples until 20 ms: 20 / 1.953 = 10.24 -> 11.
    assert result.warmup_runs == 3
    assert result.calls_per_sample == 1
    assert len(result.samples_s) == 11
    assert all(s == 2**-9 for s in result.samples_s)
    # a sync before and after every timed region, warm-up included
    assert clock.syncs == 2 * (3 + 11)


def test_garbage_collection_is_off_while_sampling_and_restored():
    import gc

    seen = []
    clock = FakeClock(0.002)

    def run():
        seen.append(gc.isenabled())
        clock.run()

    assert gc.isenabled()
    result = time_calls(run, min_time_s=0.01, stopwatch=WallStopwatch(clock, clock.sync))
    assert seen[result.warmup_runs :] and not any(seen[result.warmup_runs :])
    assert gc.isenabled()


def test_min_runs_when_calls_are_slow():
    clock = FakeClock(1.0)
    result = time_calls(clock.run, min_time_s=0.5, stopwatch=WallStopwatch(clock, clock.sync))
    assert len(result.samples_s) == sampling.MIN_RUNS == 5
    assert result.warmup_runs == 3


def test_warmup_fills_its_share_of_min_time():
    clock = FakeClock(2**-10)  # 0.9765625 ms
    result = time_calls(clock.run, min_time_s=0.1, stopwatch=WallStopwatch(clock, clock.sync))
    # 20% of 100 ms = 20 ms at 0.977 ms per call: 20.48 -> 21 warm-up calls
    assert result.warmup_runs == 21


def test_fast_calls_are_grouped_into_samples_of_at_least_one_ms():
    clock = FakeClock(2**-14)  # 0.061 ms
    result = time_calls(clock.run, min_time_s=0.01, stopwatch=WallStopwatch(clock, clock.sync))
    assert result.calls_per_sample == 17  # ceil(1 ms / 0.061 ms) = ceil(16.38)
    assert all(s == 2**-14 for s in result.samples_s)  # per call, not per sample
    assert len(result.samples_s) == 10  # samples of 17 x 0.061 = 1.04 ms: 10 ms / 1.04 = 9.6 -> 10
    assert clock.calls == result.warmup_runs + 17 * 10


def test_a_clock_that_never_moves_cannot_loop_forever(monkeypatch):
    monkeypatch.setattr(sampling, "MAX_RUNS", 50)
    clock = FakeClock(0.0)
    result = time_calls(clock.run, min_time_s=1.0, stopwatch=WallStopwatch(clock, clock.sync))
    assert len(result.samples_s) == 50
    assert result.calls_per_sample == sampling.MAX_CALLS_PER_SAMPLE


def test_summary_by_hand():
    # sorted: 1..9 and 20; linear interpolation at (n-1)q: median between 5 and 6, p25 at 3.25, p75 at 7.75
    samples = (5.0, 1.0, 9.0, 2.0, 8.0, 3.0, 7.0, 4.0, 6.0, 20.0)
    stats = summarize(samples)
    assert stats.median_ms == pytest.approx(5.5)
    assert stats.iqr_ms == pytest.approx(7.75 - 3.25)
    assert stats.p90_ms == pytest.approx(9.0 + 0.1 * (20.0 - 9.0))  # position 8.1
    assert stats.mean_ms == pytest.approx(6.5)
    var = sum((s - 6.5) ** 2 for s in samples) / 9
    assert stats.cv == pytest.approx(math.sqrt(var) / 6.5)
    assert stats.runs == 10


def test_summary_agrees_with_numpy():
    rng = np.random.default_rng(1)
    samples = tuple(float(x) for x in rng.lognormal(1.0, 0.3, 37))
    stats = summarize(samples)
    q25, q50, q75, q90 = np.percentile(samples, [25, 50, 75, 90])
    assert stats.median_ms == pytest.approx(q50)
    assert stats.iqr_ms == pytest.approx(q75 - q25)
    assert stats.p90_ms == pytest.approx(q90)
    assert stats.cv == pytest.approx(np.std(samples, ddof=1) / np.mean(samples))


def test_summary_of_one_sample_and_of_none():
    stats = summarize([4.0])
    assert (stats.median_ms, stats.iqr_ms, stats.p90_ms, stats.cv) == (4.0, 0.0, 4.0, 0.0)
    with pytest.raises(ValueError):
        summarize([])


def test_make_row_statistics_throughput_and_floors(counted, fake_cache):
    spec, cost = counted("mobilenet-0.25-64")
    config = TimingConfig(batch=4)
    samples = (0.010, 0.015, 0.011, 0.013, 0.011)  # seconds per call: mean 12 ms, stdev 2 ms
    row = rows.make_row(spec, config, cost, 2, Measurement(samples, 1, 3), "test settings")
    assert row.median_ms == pytest.approx(11.0)
    assert row.samples_ms == pytest.approx(tuple(s * 1e3 for s in samples))
    assert row.throughput_per_s == pytest.approx(4 / 0.011)
    assert row.runs == 5 and row.threads == 2 and row.batch == 4
    assert row.mult_adds == cost.mult_adds
    assert row.compute_floor_ms == pytest.approx(2 * cost.mult_adds * 4 / 1e11 * 1e3)
    assert row.roofline_fraction == pytest.approx(max(row.compute_floor_ms, row.memory_floor_ms) / 11.0)
    assert row.unstable and row.cv == pytest.approx(2 / 12)
    data = row.as_dict()
    assert "samples_ms" not in data and data["median_ms"] == row.median_ms and data["settings"] == "test settings"


def test_oversubscribed_is_decided_when_the_row_is_made_not_where_it_is_shown(counted, fake_cache, monkeypatch):
    from mnv1_bench.timing import report

    spec, cost = counted("mobilenet-0.25-64")
    samples = (0.010, 0.0101, 0.0099, 0.010, 0.0100)
    monkeypatch.setattr(rows, "available_cores", lambda: 2)
    crowded = rows.make_row(spec, TimingConfig(), cost, 3, Measurement(samples, 1, 3), "")
    fitting = rows.make_row(spec, TimingConfig(), cost, 2, Measurement(samples, 1, 3), "")
    assert [(f.kind, f.value, f.limit) for f in crowded.flags] == [("oversubscribed", 3, 2)] and fitting.flags == ()
    monkeypatch.setattr(rows, "available_cores", lambda: 64)  # drawn later on a bigger host: the row still says so
    assert report.flag(crowded) == "OVERSUBSCRIBED" and report.flag(fitting) == ""
    assert crowded.record()["flags"] == [{"kind": "oversubscribed", "value": 3, "limit": 2}]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"device": "tpu"}, "unknown device"),
        ({"dtype": "fp8"}, "unknown dtype"),
        ({"backend": "tensorrt"}, "unknown backend"),
        ({"batch": 0}, "batch must be at least 1"),
        ({"threads": 0}, "threads must be at least 1"),
        ({"min_time_s": 0.0}, "positive number of seconds"),
        ({"min_time_s": math.nan}, "positive number of seconds"),
    ],
)
def test_validate_rejects_bad_configs(change, message):
    with pytest.raises(UsageProblem, match=message):
        run.validate(replace(TimingConfig(), **change))


def test_threads_are_set_and_recorded():
    before = torch.get_num_threads()
    try:
        assert environment.set_threads(1) == 1 and torch.get_num_threads() == 1
        assert environment.set_threads(None) == environment.default_threads() == torch.get_num_threads()
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize(("cores", "threads"), [(1, 1), (2, 1), (3, 2), (16, 15)])
def test_default_threads_leave_one_core_to_the_rest_of_the_machine(monkeypatch, cores, threads):
    monkeypatch.setattr(environment, "available_cores", lambda: cores)
    assert environment.default_threads() == threads


def test_time_spec_eager_cpu_end_to_end(counted, fake_cache):
    spec, cost = counted("mobilenet-0.25-64")
    before = torch.get_num_threads()
    try:
        row = run.time_spec(spec, TimingConfig(batch=2, threads=1, min_time_s=0.05), cost)
    finally:
        torch.set_num_threads(before)
    assert (row.model, row.device, row.backend, row.dtype, row.batch, row.threads) == (
        "mobilenet-0.25-64", "cpu", "eager", "fp32", 2, 1)  # fmt: skip
    assert row.runs == len(row.samples_ms) >= sampling.MIN_RUNS
    assert sum(row.samples_ms) * row.calls_per_sample >= 50 * 0.999  # min-time filled, in ms
    assert min(row.samples_ms) <= row.median_ms <= row.p90_ms <= max(row.samples_ms)
    assert row.mult_adds == cost.mult_adds
    assert "BN folded into 27 convs" in row.settings  # 27 conv layers in Table 1, each followed by BN
    assert row.roofline_fraction is not None and row.roofline_fraction > 0


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


def test_the_logits_of_a_tuple_list_or_dict_output_are_its_first_tensor():
    from mnv1_bench.timing.pytorch import first_tensor

    a, b = torch.ones(2), torch.zeros(3)
    assert first_tensor(a) is a and first_tensor((a, b)) is a and first_tensor([None, b, a]) is b
    assert first_tensor({"logits": b, "features": a}) is b  # dict values in their order, as the ONNX export's
    assert first_tensor({"aux": (None, [a])}) is a  # nested: depth first
    with pytest.raises(TypeError, match="returned dict with no tensor in it"):
        first_tensor({"n": 3})
