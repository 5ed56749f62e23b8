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


@cache
def _counted(name: str, num_classes: int) -> tuple[ModelSpec, Cost]:
    spec = resolve(name, num_classes)
    return spec, count(spec.build(), spec.input_shape)


@pytest.fixture(scope="session")
def counted():
    """counted(name, num_classes=1000) -> (spec, cost), built and counted once per session."""
    return lambda name, num_classes=1000: _counted(name, num_classes)


class _FakeEngine:
    """A timing engine stand-in with a fake clock: each call of a model advances the clock by a latency
    proportional to its mult-adds (100 G mult-adds/s), so no real time is measured."""

    def __init__(self):
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def prepare(self, spec, config, threads):
        from mnv1_bench.timing.pytorch import Prepared

        seconds = _counted(spec.name, spec.num_classes)[1].mult_adds / 1e11

        def run() -> None:
            self.now += seconds

        return Prepared(run, "fake")

    def stopwatch(self, config):
        from mnv1_bench.timing.clock import WallStopwatch

        return WallStopwatch(clock=self.clock)


@pytest.fixture
def fake_timing(monkeypatch):
    """Commands that time models (compare, sweep, tables --time) get the fake-clock engine above."""
    engine = _FakeEngine()
    monkeypatch.setattr("mnv1_bench.timing.backends.prepare", engine.prepare)
    monkeypatch.setattr("mnv1_bench.timing.backends.stopwatch", engine.stopwatch)
    monkeypatch.setattr("mnv1_bench.timing.run.roofline.floors_for", lambda *args: _no_floors())


def _no_floors():
    from mnv1_bench.timing.roofline import Floors

    return Floors(None, None, None)
