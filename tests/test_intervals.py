"""Ratios and their intervals: three or more rows each with its own interval and verdict, slices taken in order,
and coverage on an engine whose speed drifts between repeats (correlated rounds)."""

from __future__ import annotations

import json
import math
import random
import statistics

import pytest
from test_rounds import Machine
from typer.testing import CliRunner

from mnv1_bench.cli import app
from mnv1_bench.timing import rows
from mnv1_bench.timing.rounds import interleave

T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776}  # Student's t, two-sided 95%, typed in from a t table


def batch_means_interval(first: list[list[float]], other: list[list[float]]) -> tuple[float, float, float]:
    """The ratio of the pooled medians and a t interval over the batches' log ratios, written out independently."""
    ratio = statistics.median(sum(other, [])) / statistics.median(sum(first, []))
    logs = [math.log(statistics.median(b) / statistics.median(a)) for a, b in zip(first, other, strict=True)]
    half = T_975[len(logs) - 1] * statistics.stdev(logs) / math.sqrt(len(logs))
    return ratio, ratio * math.exp(-half), ratio * math.exp(half)


def by_repeat(record: dict) -> list[list[float]]:
    samples, sizes, repeats = record["samples_ms"], record["round_sizes"], record["repeat_rounds"]
    rounds, start = [], 0
    for size in sizes:
        rounds.append(samples[start : start + size])
        start += size
    out, start = [], 0
    for n in repeats:
        out.append(sum(rounds[start : start + n], []))
        start += n
    return out


def test_three_rows_each_get_their_own_ratio_interval_and_verdict(tmp_path, fake_timing, machine_load):
    machine_load(0.0)
    models = [
        "mobilenet-0.25-128",
        "mobilenet-0.25-224",
        "mobilenet-1.0-224",
        "mobilenet-0.5-160",
    ]  # 3, 1.25, 7, 4.5 ms
    args = ["time", *models, "--min-time", "0.06", "--repeats", "3", "--results", str(tmp_path), "--format", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    shown = {row["model"]: row for row in json.loads(result.stdout)}
    (run_file,) = tmp_path.glob("time-*.jsonl")
    saved = [json.loads(line) for line in run_file.read_text().splitlines()]
    assert [r["model"] for r in saved] == models
    first = by_repeat(saved[0])
    expected_verdicts = {"mobilenet-0.25-224": "faster", "mobilenet-1.0-224": "slower", "mobilenet-0.5-160": "slower"}
    for record in saved[1:]:
        ratio, low, high = batch_means_interval(first, by_repeat(record))
        row = shown[record["model"]]
        assert row["ratio_to_first"] == pytest.approx(ratio) == pytest.approx(row["median_ms"] / saved[0]["median_ms"])
        assert (row["ratio_low"], row["ratio_high"]) == pytest.approx((low, high))
        assert row["verdict"] == expected_verdicts[record["model"]] and row["repeats"] == 3


def test_slices_of_three_configurations_come_in_order_every_round():
    machine = Machine()
    slots = [machine.slot("a", 0.002), machine.slot("b", 0.003), machine.slot("c", 0.001)]
    interleave(slots, min_time_s=0.06, rounds=3, probe=machine.probe)
    blocks = [name for i, name in enumerate(machine.log) if i == 0 or machine.log[i - 1] != name]
    assert blocks == ["a", "b", "c"] * 4  # warm-up a, b, c; then rounds 0, 1, 2: a0 b0 c0 a1 b1 c1 a2 b2 c2


def drifting_run(rng: random.Random, repeats: int = 3, rounds: int = 12, samples: int = 3) -> list[rows.TimingRow]:
    """Two configurations (10 ms and 5 ms: true ratio 0.5) on a host whose state moves slowly: each repeat gets
    its own speed for each configuration (sd 4% in log), constant over its rounds, which therefore agree with
    each other far better than with the next repeat's or the next run's."""
    made = []
    levels = [[rng.gauss(0, 0.04) for _ in range(repeats)] for _ in range(2)]
    for base, drift in zip((10.0, 5.0), levels, strict=True):
        values = [base * math.exp(drift[k] + rng.gauss(0, 0.005)) for k in range(repeats) for _ in range(rounds)
                  for _ in range(samples)]  # fmt: skip
        made.append(rows.TimingRow(
            model="m", device="cpu", backend="eager", dtype="fp32", batch=1, threads=1, samples_ms=tuple(values),
            mult_adds=1, compute_floor_ms=None, memory_floor_ms=None, settings="",
            round_sizes=(samples,) * (repeats * rounds), repeat_rounds=(rounds,) * repeats,
        ))  # fmt: skip
    return rows.with_ratios(made)


def independent_rounds_bootstrap(first: rows.TimingRow, other: rows.TimingRow, rng: random.Random) -> tuple:
    """The interval the engine used to draw: rounds resampled as if independent (kept here as the reference)."""
    a, b = first.rounds_ms(), other.rounds_ms()
    draws = []
    for _ in range(300):
        picks = [rng.randrange(len(a)) for _ in a]
        draws.append(
            statistics.median(sum((b[i] for i in picks), [])) / statistics.median(sum((a[i] for i in picks), []))
        )
    draws.sort()
    return draws[int(0.025 * len(draws))], draws[int(0.975 * len(draws)) - 1]


def test_intervals_cover_the_true_ratio_when_the_host_drifts_between_repeats():
    rng = random.Random(1)
    runs = [drifting_run(rng) for _ in range(150)]
    covered = sum(run[1].ratio.low <= 0.5 <= run[1].ratio.high for run in runs) / len(runs)
    naive_intervals = [independent_rounds_bootstrap(*run, rng) for run in runs]
    naive = sum(low <= 0.5 <= high for low, high in naive_intervals) / len(runs)
    assert covered >= 0.88  # a 95% interval, over three repeats
    assert naive < 0.5  # rounds of one repeat share its state: resampling them as independent claims too much
    # and the next run: a run's interval holds another run's ratio in most ordered pairs
    pairs = [(i, j) for i in range(40) for j in range(40) if i != j]
    held = sum(runs[i][1].ratio.low <= runs[j][1].ratio.ratio <= runs[i][1].ratio.high for i, j in pairs)
    assert held / len(pairs) >= 0.75
