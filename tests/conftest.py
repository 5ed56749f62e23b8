"""Shared fixtures: each model is built and counted once per test session; CUDA tests skip without a GPU."""

from __future__ import annotations

import zlib
from dataclasses import replace

import pytest
import torch

from mnv1_bench.registry import ModelSpec


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs an NVIDIA GPU: torch.cuda.is_available() is False")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def _private_cache_folder(tmp_path_factory):
    """The roofline cache of every test lives in a temporary folder, never in the user's ~/.cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def counted():
    """counted(name, num_classes=1000) -> (spec, cost), built and counted once per session: the tables' own count
    cache, so that a model a command has already counted (compare, sweep, tables) is not counted again."""
    from mnv1_bench.tables.measure import measure

    return measure


@pytest.fixture
def session_counts(monkeypatch):
    """Commands that count with counting.count directly (flops) read the session's count cache for every registry
    model instead of building and counting it on each run; a model built from options is counted as usual."""
    from mnv1_bench import counting, registry
    from mnv1_bench.tables.measure import cost_of

    resolve, real_count = registry.resolve, counting.count

    def resolved(name, *args, **kwargs):
        spec = resolve(name, *args, **kwargs)
        return replace(spec, build=lambda: spec)  # the spec stands in for its module

    def cached(model, input_shape):
        return cost_of(model) if isinstance(model, ModelSpec) else real_count(model, input_shape)

    monkeypatch.setattr(registry, "resolve", resolved)
    monkeypatch.setattr(counting, "count", cached)


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
