"""pytest-benchmark runs of the tool's own hot paths: building and counting a model, the timing loop, start-up.

Run with `make bench` (`pytest -q benchmarks --benchmark-only`); the normal `pytest` run does not collect this
folder, and pyproject's `--benchmark-skip` skips these when it is named without `--benchmark-only`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mnv1_bench.counting import count
from mnv1_bench.models.registry import resolve
from mnv1_bench.timing.clock import WallStopwatch, time_calls

# Targets: generous bounds that catch a regression by an order of magnitude, not noise on a shared machine.
HELP_TARGET_S = 1.0  # `mnv1-bench --help` imports typer only (no torch): about 0.1 s on 2 cores
BUILD_TARGET_S = 1.0
COUNT_TARGET_S = 10.0


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("mnv1-bench")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from mnv1_bench.cli import main; main()"]


def test_cli_help_start_up(benchmark):
    command = [*_cli(), "--help"]
    result = benchmark.pedantic(subprocess.run, args=(command,), kwargs={"capture_output": True},
                                rounds=10, warmup_rounds=1)  # fmt: skip
    assert result.returncode == 0
    assert benchmark.stats.stats.median < HELP_TARGET_S


@pytest.mark.parametrize("name", ["mobilenet", "vgg16"])
def test_build(benchmark, name):
    spec = resolve(name)
    model = benchmark.pedantic(spec.build, rounds=5, warmup_rounds=1)
    assert sum(p.numel() for p in model.parameters()) > 0
    assert benchmark.stats.stats.median < BUILD_TARGET_S * (20 if name == "vgg16" else 1)


def test_count_mobilenet(benchmark):
    spec = resolve("mobilenet")
    model = spec.build()
    cost = benchmark.pedantic(count, args=(model, spec.input_shape), rounds=3, warmup_rounds=1)
    assert 560e6 < cost.mult_adds < 580e6  # the paper's 569 million
    assert benchmark.stats.stats.median < COUNT_TARGET_S


def test_timing_loop_overhead(benchmark):
    # time_calls() around a no-op: what the loop itself costs per 10 ms of sampling (clock reads, bookkeeping)
    result = benchmark(time_calls, lambda: None, 0.01, WallStopwatch())
    assert result.calls_per_sample > 1  # a no-op is far under 1 ms: calls are grouped
