"""Shared fixtures: each model is built and counted once per test session; CUDA tests skip without a GPU."""

from __future__ import annotations

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


@pytest.fixture(autouse=True, scope="session")
def _private_cache_folder(tmp_path_factory):
    """The roofline cache of every test lives in a temporary folder, never in the user's ~/.cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    yield
    patch.undo()


@cache
def _counted(name: str, num_classes: int) -> tuple[ModelSpec, Cost]:
    spec = resolve(name, num_classes)
    return spec, count(spec.build(), spec.input_shape)


@pytest.fixture(scope="session")
def counted():
    """counted(name, num_classes=1000) -> (spec, cost), built and counted once per session."""
    return lambda name, num_classes=1000: _counted(name, num_classes)


def _fake_time_spec(spec, config, cost=None):
    """A timing engine stand-in with no clock at all: latency proportional to mult-adds, 100 G mult-adds/s."""
    from mnv1_bench.timing.run import TimingRow

    median = cost.mult_adds / 1e8
    return TimingRow(
        model=spec.name, device=config.device, backend=config.backend, dtype=config.dtype, batch=config.batch,
        threads=1, samples_ms=(median,) * 5, median_ms=median, iqr_ms=0.0, p90_ms=median, runs=5, cv=0.0,
        unstable=False, throughput_per_s=1e3 / median, mult_adds=cost.mult_adds, compute_floor_ms=None,
        memory_floor_ms=None, roofline_fraction=None, settings="fake", input_size=spec.input_size,
    )  # fmt: skip


@pytest.fixture
def fake_timing(monkeypatch):
    """Commands that time models (compare, sweep, tables --time) get the clock-free stand-in above."""
    monkeypatch.setattr("mnv1_bench.timing.run.time_spec", _fake_time_spec)
