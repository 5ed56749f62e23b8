"""Shared fixtures: each model is built and counted once per test session; CUDA tests skip without a GPU."""

from __future__ import annotations

import zlib
from functools import cache

import pytest
import torch

from mnv1_bench.counting import Cost, count
from mnv1_bench.registry import ModelSpec, resolve


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs an NVIDIA GPU: torch.cuda.is_available() is False")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@cache
def _counted(name: str, num_classes: int) -> tuple[ModelSpec, Cost]:
    spec = resolve(name, num_classes)
    return spec, count(spec.build(), spec.input_shape)


@pytest.fixture(scope="session")
def counted():
    """counted(name, num_classes=1000) -> (spec, cost), built and counted once per session."""
    return lambda name, num_classes=1000: _counted(name, num_classes)


# The stand-in's latencies (median, ms) are unrelated to mult-adds, so that a latency or time-ratio column computed
# from anything but the measured times (mult-adds, another model's row) gives a different number.
FAKE_LATENCY_MS = {
    "mobilenet-0.25-128": 3.0,
    "mobilenet-0.25-224": 1.25,  # the larger input is "faster": no mult-adds-proportional formula fits
    "mobilenet-0.25-96": 2.2,
    "mobilenet-1.0-224": 7.0,
    "mobilenet-0.5-160": 4.5,
}
FAKE_SPREAD = (0.97, 0.99, 1.0, 1.02, 1.06)  # samples / median: IQR 3% of the median, CV under 4%


def fake_latency_ms(name: str) -> float:
    """The stand-in's median for a model: from FAKE_LATENCY_MS, else a deterministic 0.5-10.5 ms from the name."""
    return FAKE_LATENCY_MS.get(name, 0.5 + zlib.crc32(name.encode()) % 1000 / 100)


def _fake_time_spec(spec, config, cost=None):
    """A timing engine stand-in with no clock at all: per-model latencies from fake_latency_ms, 5 samples each."""
    from mnv1_bench.timing.run import TimingRow
    from mnv1_bench.timing.stats import summarize

    samples = tuple(fake_latency_ms(spec.name) * f for f in FAKE_SPREAD)
    stats = summarize(samples)
    return TimingRow(
        model=spec.name, device=config.device, backend=config.backend, dtype=config.dtype, batch=config.batch,
        threads=1, samples_ms=samples, median_ms=stats.median_ms, iqr_ms=stats.iqr_ms, p90_ms=stats.p90_ms,
        runs=stats.runs, cv=stats.cv, unstable=False, throughput_per_s=1e3 * config.batch / stats.median_ms,
        mult_adds=cost.mult_adds if cost is not None else None, compute_floor_ms=None, memory_floor_ms=None,
        roofline_fraction=None, settings="fake", input_size=spec.input_size,
    )  # fmt: skip


@pytest.fixture
def fake_timing(monkeypatch):
    """Commands that time models (compare, sweep, tables --time) get the clock-free stand-in above."""
    monkeypatch.setattr("mnv1_bench.timing.run.time_spec", _fake_time_spec)
