"""Interleaved rounds, the ratio's confidence interval, the verdict and the busy flag: a fake clock and a fake
load source, no real timing."""

from __future__ import annotations

import math
import statistics

import pytest

from mnv1_bench import environment
from mnv1_bench.environment import CpuSnapshot
from mnv1_bench.timing import flags, report, rounds, rows, stats
from mnv1_bench.timing.clock import MIN_RUNS, WallStopwatch
from mnv1_bench.timing.rounds import Slot, default_rounds, interleave


class Machine:
    """A fake clock shared by every slot, and a fake /proc/stat: `others` cores of other work run all the time,
    and this process uses one core while a slot runs."""

    def __init__(self, others: float = 0.0):
        self.now, self.others, self.own = 0.0, others, 0.0
        self.log: list[str] = []

    def clock(self) -> float:
        return self.now

    def slot(self, name: str, seconds: float) -> Slot:
        def call() -> None:
            self.now += seconds
            self.own += seconds
            self.log.append(name)

        return Slot(call, WallStopwatch(clock=self.clock))

    def probe(self) -> CpuSnapshot:
        return CpuSnapshot(self.now, self.own + self.others * self.now, self.own)


def test_others_cores_from_two_snapshots():
    before, after = CpuSnapshot(10.0, 100.0, 5.0), CpuSnapshot(12.0, 103.0, 6.0)
    assert environment.others_cores(before, after) == pytest.approx((3.0 - 1.0) / 2.0)
    assert environment.others_cores(after, after) == 0.0
    assert environment.others_cores(before, CpuSnapshot(12.0, 100.5, 6.0)) == 0.0  # never negative


def test_real_cpu_snapshot_moves_forward():
    first = environment.cpu_snapshot()
    if first is None:
        pytest.skip("no /proc/stat on this OS")
    sum(i * i for i in range(200_000))  # burn a little CPU in this process
    second = environment.cpu_snapshot()
    assert second.wall_s > first.wall_s and second.own_s >= first.own_s and second.busy_s >= first.busy_s


def test_rounds_alternate_slots_and_split_min_time():
    machine = Machine()
    slots = [machine.slot("a", 0.002), machine.slot("b", 0.004)]
    result = interleave(slots, min_time_s=0.1, rounds=4, probe=machine.probe)
    blocks = [name for i, name in enumerate(machine.log) if i == 0 or machine.log[i - 1] != name]
    assert blocks == ["a", "b"] * 5  # warm-up a then b, then every round a slice of a, then a slice of b
    a, b = result.slots
    assert len(a.round_sizes) == len(b.round_sizes) == 4 and not result.interrupted
    assert a.round_sizes == (13,) * 4  # 0.1 s / 4 rounds = 25 ms per slice: 13 samples of 2 ms reach it
    assert b.round_sizes == (7,) * 4
    assert all(s == pytest.approx(0.002) for s in a.measurement.samples_s)
    assert [len(r) for r in a.by_round()] == list(a.round_sizes)


def test_one_configuration_still_gets_min_runs_over_its_rounds():
    machine = Machine()
    (only,) = interleave([machine.slot("slow", 0.5)], min_time_s=0.1, rounds=3, probe=machine.probe).slots
    assert len(only.measurement.samples_s) >= MIN_RUNS and len(only.round_sizes) == 3


def test_busy_neighbour_is_measured_and_flagged():
    quiet, busy = Machine(others=0.05), Machine(others=1.0)
    (q,) = interleave([quiet.slot("a", 0.002)], 0.05, 5, quiet.probe).slots
    (b,) = interleave([busy.slot("a", 0.002)], 0.05, 5, busy.probe).slots
    assert q.others_cores == pytest.approx(0.05) and b.others_cores == pytest.approx(1.0)
    assert flags.busy(q.others_cores) is None
    assert flags.busy(b.others_cores) == flags.Flag("busy", pytest.approx(1.0), flags.BUSY_CORES)
    assert flags.busy(None) is None  # nothing could be read: not claimed busy


def test_no_load_source_means_unknown_load():
    machine = Machine()
    (only,) = interleave([machine.slot("a", 0.002)], 0.05, 2, lambda: None).slots
    assert only.others_cores is None


def test_ctrl_c_keeps_whole_rounds_only(monkeypatch):
    machine = Machine()
    real, calls = rounds.sample, []

    def interrupt_third_slice(*args):
        calls.append(1)
        if len(calls) == 3:  # round 2, slot a
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(rounds, "sample", interrupt_third_slice)
    result = interleave([machine.slot("a", 0.002), machine.slot("b", 0.002)], 0.1, 5, machine.probe)
    assert result.interrupted and all(len(s.round_sizes) == 1 for s in result.slots)

    def interrupt_at_once(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(rounds, "sample", interrupt_at_once)
    with pytest.raises(KeyboardInterrupt):  # no whole round: nothing to keep
        interleave([machine.slot("a", 0.002)], 0.1, 5, machine.probe)


def test_ratio_ci_of_clearly_different_rows():
    first = [[10.0, 10.2, 9.9, 10.1]] * 5
    other = [[5.0, 5.1, 4.9, 5.05]] * 5
    ci = stats.ratio_ci(first, other)
    assert ci.ratio == pytest.approx(5.025 / 10.05)  # medians 5.025 and 10.05 over all samples
    assert ci.low <= ci.ratio <= ci.high < 1 and stats.verdict(ci) == "faster"
    assert stats.verdict(stats.ratio_ci(other, first)) == "slower"


def test_ratio_ci_of_rows_that_overlap_is_indistinguishable():
    noisy = [[10.0, 14.0, 9.0], [11.0, 8.0, 13.0], [9.5, 12.0, 10.5], [10.0, 15.0, 9.0], [12.0, 9.0, 10.0]]
    shuffled = [list(reversed(r)) for r in reversed(noisy)]  # the same samples, in other rounds and order
    ci = stats.ratio_ci(noisy, shuffled)
    assert ci.ratio == pytest.approx(1.0) and ci.low < 1 < ci.high
    assert stats.verdict(ci) == "indistinguishable"


def test_ratio_ci_is_deterministic_and_compares_batch_by_batch():
    first = [[10.0, 11.0], [20.0, 21.0], [10.5, 10.0]]  # round 2 ran while the machine was slow ...
    other = [[5.0, 5.5], [10.0, 10.5], [5.2, 5.0]]  # ... for both rows alike
    one, two = stats.ratio_ci(first, other), stats.ratio_ci(first, other)
    assert one == two
    # Batch by batch: a slow batch slows both rows, so every batch's ratio is near 0.5 and the interval is narrow.
    assert 0.45 < one.low <= one.high < 0.55
    with pytest.raises(ValueError):
        stats.ratio_ci(first, other[:2])


def test_one_wild_round_moves_the_ratio_little():
    first = [[10.0, 10.1]] * 10
    other = [[5.0, 5.1]] * 9 + [[40.0, 41.0]]  # a stall in one slice of the second row
    # the medians over all samples leave the stall out: 5.1 (9 x 5.0, 9 x 5.1, 40, 41) over 10.05
    assert stats.ratio_ci(first, other).ratio == pytest.approx(5.1 / 10.05)


def test_the_interval_is_students_t_over_the_batches_log_ratios():
    first = [[10.0], [10.0], [10.0], [10.0]]
    other = [[5.0], [5.5], [4.8], [5.2]]  # batch ratios 0.50, 0.55, 0.48, 0.52; medians 10 and 5.1
    logs = [math.log(r) for r in (0.50, 0.55, 0.48, 0.52)]
    half = 3.182 * statistics.stdev(logs) / 2  # t(3 df) x the standard error over 4 batches
    ci = stats.ratio_ci(first, other)
    assert ci.ratio == pytest.approx(5.1 / 10.0)
    assert (ci.low, ci.high) == pytest.approx((0.51 * math.exp(-half), 0.51 * math.exp(half)))
    one = stats.ratio_ci(first[:1], other[:1])  # one batch: no interval
    assert one.ratio == pytest.approx(0.5) and math.isnan(one.low) and stats.verdict(one) == "indistinguishable"


def row(name: str, samples: tuple[float, ...], mult_adds: int = 1) -> rows.TimingRow:
    return rows.TimingRow(
        model=name, device="cpu", backend="eager", dtype="fp32", batch=1, threads=1, samples_ms=samples,
        mult_adds=mult_adds, compute_floor_ms=None, memory_floor_ms=None, settings="", round_sizes=(3, 3),
    )  # fmt: skip


def test_with_ratios_marks_every_row_after_the_first():
    base = row("a", (10.0, 10.1, 9.9, 10.0, 10.2, 9.8))
    twice = row("b", (20.0, 20.2, 19.8, 20.0, 20.4, 19.6))
    out = rows.with_ratios([base, twice])
    assert out[0].ratio is None and out[0].verdict == ""
    assert out[1].ratio.ratio == pytest.approx(2.0) and out[1].verdict == "slower"


@pytest.mark.parametrize(("min_time_s", "rounds"), [(0.05, 5), (0.5, 5), (0.74, 7), (1.0, 10), (2.0, 20), (10.0, 100)])
def test_default_rounds_cut_slices_of_a_tenth_of_a_second_at_least_five(min_time_s, rounds):
    assert default_rounds(min_time_s) == rounds


def test_rounds_default_from_min_time():
    machine = Machine()
    (only,) = interleave([machine.slot("a", 0.002)], 0.7, probe=machine.probe).slots
    assert len(only.round_sizes) == 7


def test_ratio_text_gives_three_significant_figures():
    base = row("a", (10.0, 10.1, 9.9, 10.0, 10.2, 9.8))
    third = row("b", (3.0, 3.1, 2.9, 3.0, 3.2, 2.8))
    (_, out) = rows.with_ratios([base, third])
    low, high = out.ratio.low, out.ratio.high
    assert report.ratio_text(out) == f"{out.ratio.ratio:.3f} [{low:.3f}–{high:.3f}]" and out.verdict == "faster"
    assert report.ratio_text(out).startswith("0.300 [")


def test_speedup_note_says_slower_when_fewer_mult_adds_run_slower():
    light = row("light", (12.0,) * 6, mult_adds=100)
    heavy = row("heavy", (10.0,) * 6, mult_adds=800)
    note = report.speedup_note(heavy, light)
    assert "light needs 8.0x fewer mult-adds than heavy (counted) and runs 1.20x slower" in note
    assert "faster" not in note
    quicker = row("quick", (5.0,) * 6, mult_adds=100)
    assert "runs 2.00x faster" in report.speedup_note(heavy, quicker)


def test_busy_machine_goes_on_up_to_busy_rounds_and_a_quiet_one_stops_at_rounds():
    quiet, busy = Machine(others=0.05), Machine(others=1.0)
    (q,) = interleave([quiet.slot("a", 0.002)], 0.05, 5, quiet.probe, busy_rounds=15).slots
    (b,) = interleave([busy.slot("a", 0.002)], 0.05, 5, busy.probe, busy_rounds=15).slots
    alone = Machine(others=1.0)
    (plain,) = interleave([alone.slot("a", 0.002)], 0.05, 5, alone.probe).slots
    assert (len(q.round_sizes), len(b.round_sizes), len(plain.round_sizes)) == (5, 15, 5)
