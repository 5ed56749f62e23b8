"""The machine's own speed: a reference matmul timed before every round, judged against the fastest this host has
shown, so that a run slow throughout (other tenants of a VM, a CPU clocked down) is flagged SLOW."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mnv1_bench.cli import app
from mnv1_bench.errors import Trouble
from mnv1_bench.timing import machine_speed, run
from mnv1_bench.timing.clock import WallStopwatch
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.rounds import Slot, interleave

TINY = "mobilenet-0.25-64"
REAL_MACHINE_REFERENCE = run.machine_reference  # taken before the autouse fixture replaces it


def test_the_first_run_sets_the_pace_and_a_slower_one_is_judged_against_it(tmp_path):
    cache = tmp_path / "speed.json"
    first = machine_speed.judge([0.0010, 0.0011, 0.0009], threads=1, path=cache)
    assert first.speed == 1.0 and first.reference_ms == pytest.approx(1.0)
    slower = machine_speed.judge([0.0020, 0.0021, 0.0019, 0.0020], threads=1, path=cache)
    assert slower.speed == pytest.approx(0.5)  # the reference took twice the fastest seen here
    assert slower.drift == pytest.approx((0.00207 - 0.00193) / 0.0020)  # 90th and 10th percentiles, interpolated
    faster = machine_speed.judge([0.0008], threads=1, path=cache)
    assert faster.speed == 1.0 and json.loads(cache.read_text())[machine_speed.cache_key(1)] == 0.0008
    other_threads = machine_speed.judge([0.0020], threads=2, path=cache)
    assert other_threads.speed == 1.0  # another thread count is another reference
    assert machine_speed.judge([], threads=1, path=cache) is None


def test_a_cache_entry_that_is_not_a_time_is_replaced(tmp_path):
    cache = tmp_path / "speed.json"
    cache.write_text(json.dumps({machine_speed.cache_key(1): "fast", "other": 1}))
    assert machine_speed.judge([0.002], threads=1, path=cache).speed == 1.0
    assert json.loads(cache.read_text()) == {machine_speed.cache_key(1): 0.002, "other": 1}


def test_the_reference_is_read_once_before_every_whole_round():
    readings = iter([0.001, 0.002, 0.003, 0.004])
    calls = []
    slot = Slot(lambda: calls.append(1), WallStopwatch())
    result = interleave([slot], 0.01, rounds=3, probe=lambda: None, reference=lambda: next(readings))
    assert result.reference_s == (0.001, 0.002, 0.003)


def test_a_run_slow_throughout_is_flagged_slow_with_one_warning_line(fake_timing, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    args = ["time", TINY, "--batch", "1,2", "--min-time", "0.01", "--no-save", "--format", "json"]
    monkeypatch.setattr(run, "machine_reference", lambda pairs: lambda: 0.001)
    quick = CliRunner().invoke(app, args)
    assert quick.exit_code == 0, quick.output
    assert [(r["machine_speed"], r["slow"]) for r in json.loads(quick.stdout)] == [(1.0, False)] * 2
    assert "SLOW" not in quick.stderr

    monkeypatch.setattr(run, "machine_reference", lambda pairs: lambda: 0.0016)  # the host at 62% of its pace
    slow = CliRunner().invoke(app, args)
    rows = json.loads(slow.stdout)
    assert [(r["machine_speed"], r["slow"]) for r in rows] == [(pytest.approx(0.625), True)] * 2
    warnings = [line for line in slow.stderr.splitlines() if "SLOW" in line]
    assert len(warnings) == 1 and "2 of 2 rows" in warnings[0] and "62% of the fastest" in warnings[0]
    table = CliRunner().invoke(app, args[:-2])
    assert "SLOW" in table.stdout


def test_a_gpu_run_has_no_cpu_reference():
    cuda, cpu = (None, TimingConfig(device="cuda"), None), (None, TimingConfig(device="cpu"), None)
    assert REAL_MACHINE_REFERENCE([cpu, cuda]) is None  # the real function: tests replace run.machine_reference
    assert 0 < REAL_MACHINE_REFERENCE([cpu])() < 1.0


def test_an_implausible_cached_pace_is_replaced_with_one_warning(tmp_path):
    path = tmp_path / "speed.json"
    path.write_text(json.dumps({machine_speed.cache_key(1): 1e-12}))  # a reference "a trillion times" faster
    with pytest.warns(Trouble, match="which no CPU does: it is replaced by this run's reading"):
        speed = machine_speed.judge([0.002, 0.002], 1, path)
    assert speed.speed == 1.0 and json.loads(path.read_text())[machine_speed.cache_key(1)] == 0.002


def test_recalibrate_starts_the_pace_afresh_once(tmp_path):
    path = tmp_path / "speed.json"
    machine_speed.judge([0.001], 1, path)  # the fastest so far
    machine_speed.recalibrate_default()
    assert machine_speed.judge([0.004], 1, path).speed == 1.0  # judged against itself: not SLOW
    assert machine_speed.judge([0.008], 1, path).speed == 0.5  # then against the new pace, as before
