"""Shared fixtures: each model is built and counted once per test session; CUDA tests skip without a GPU."""

from __future__ import annotations

import zlib

import pytest
import torch


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs an NVIDIA GPU: torch.cuda.is_available() is False")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _load_unknown(monkeypatch):
    """Timing in tests reads no real load: whatever else runs on the machine neither flags rows BUSY or SLOW nor
    adds rounds. Tests of those paths patch ``run.cpu_snapshot`` or ``run.machine_reference`` with fakes."""
    from mnv1_bench.timing import run

    monkeypatch.setattr(run, "cpu_snapshot", lambda: None)
    monkeypatch.setattr(run, "machine_reference", lambda pairs: None)  # nor the machine's own speed


@pytest.fixture
def machine_load(monkeypatch):
    """Call it with a number of cores: from then on, as far as the timing's /proc/stat reading
    (``run.cpu_snapshot``) can tell, other processes use that many cores all the time."""
    from mnv1_bench.environment import CpuSnapshot
    from mnv1_bench.timing import run

    def use(others: float) -> None:
        now = 0.0

        def snapshot() -> CpuSnapshot:
            nonlocal now
            now += 1.0
            return CpuSnapshot(now, others * now, 0.0)

        monkeypatch.setattr(run, "cpu_snapshot", snapshot)

    return use


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
    from mnv1_bench.tables.costs import spec_and_cost

    return spec_and_cost


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


class _FakeEngine:
    """A timing engine stand-in with a fake clock, so no real time is measured: each call of a model advances the
    clock by fake_latency_ms(its name), and each stopwatch scales its successive readings by FAKE_SPREAD in turn
    (medians stay the stand-in's latencies; the IQR is that of FAKE_SPREAD)."""

    def __init__(self):
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def prepare(self, spec, config, threads):
        from mnv1_bench.timing.pytorch import Prepared

        seconds = fake_latency_ms(spec.name) / 1e3

        def run() -> None:
            self.now += seconds

        return Prepared(run, "fake")

    def stopwatch(self, config):
        return _SpreadStopwatch(self.clock)


class _SpreadStopwatch:
    def __init__(self, clock):
        self._clock, self._t0, self._readings = clock, 0.0, 0

    def start(self) -> None:
        self._t0 = self._clock()

    def stop(self) -> float:
        self._readings += 1
        return (self._clock() - self._t0) * FAKE_SPREAD[self._readings % len(FAKE_SPREAD)]


@pytest.fixture
def fake_timing(monkeypatch):
    """Commands that time models (compare, sweep, tables --time, time, proxy) get the fake-clock engine above."""
    engine = _FakeEngine()
    monkeypatch.setattr("mnv1_bench.timing.backends.prepare", engine.prepare)
    monkeypatch.setattr("mnv1_bench.timing.backends.stopwatch", engine.stopwatch)
    monkeypatch.setattr("mnv1_bench.timing.roofline.floors_for", lambda *args: _no_floors())


def _no_floors():
    from mnv1_bench.timing.roofline import Floors

    return Floors(None, None, None)
