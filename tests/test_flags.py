"""Flags as data: when a row is UNSTABLE, BUSY, SLOW or OVERSUBSCRIBED, on both sides of each limit, the numbers
kept with each flag, the words shown for it, and a saved row's flags read back (stored, or decided again)."""

from __future__ import annotations

import pytest

from mnv1_bench.timing import flags
from mnv1_bench.timing.flags import Flag, decide, unstable
from mnv1_bench.timing.stats import Stats, summarize


def stats(cv: float = 0.0, median_ms: float = 10.0, runs: int = 5) -> Stats:
    return Stats(median_ms=median_ms, iqr_ms=0.0, p90_ms=median_ms, mean_ms=median_ms, stdev_ms=cv * median_ms,
                 cv=cv, runs=runs)  # fmt: skip


@pytest.mark.parametrize(
    ("samples", "calls", "kinds", "words"),
    [
        ([10.0, 10.1, 9.9, 10.0, 10.05], 1, [], ""),
        ([10.0, 10.1, 9.9], 1, ["few_samples"], "only 3 samples"),
        ([10.0, 10.1, 9.9, 10.0], 1, ["few_samples"], "only 4 samples"),
        ([0.2] * 5, 1, ["short_samples"], "samples under 1 ms (clock granularity)"),
        ([0.2] * 5, 5, [], ""),  # five calls per sample: 1 ms per clock reading
        ([0.2] * 5, 4, ["short_samples"], "samples under 1 ms (clock granularity)"),
        ([0.2, 0.2], 1, ["short_samples", "few_samples"], "samples under 1 ms (clock granularity); only 2 samples"),
        ([10.0, 14.0, 7.0, 10.0, 13.0], 1, ["spread"], "CV 26% > 10%"),
        ([10.0, 14.0, 7.0], 1, ["spread", "few_samples"], "CV 34% > 10%; only 3 samples"),
        ([10.0, 11.1, 9.0, 10.0, 10.9], 1, [], ""),  # CV 8.6%: under the 10% line
    ],
)
def test_unstable_kinds_and_words(samples, calls, kinds, words):
    found = unstable(summarize(samples), calls)
    assert [flag.kind for flag in found] == kinds
    assert flags.texts(found, "UNSTABLE") == words
    assert all(flag.label == "UNSTABLE" for flag in found)


def test_unstable_edges():
    assert unstable(stats(cv=0.10), 1) == ()  # at the 10% line: not over it
    assert unstable(stats(cv=0.1001), 1) == (Flag("spread", 0.1001, 0.10),)
    assert unstable(stats(median_ms=1.0), 1) == ()  # exactly 1 ms per sample
    assert unstable(stats(median_ms=0.25), 4) == ()
    (short,) = unstable(stats(median_ms=0.2499), 4)
    assert short.kind == "short_samples" and short.value == pytest.approx(0.2499 * 4 / 1e3) and short.limit == 1e-3
    assert unstable(stats(runs=5), 1) == () and unstable(stats(runs=4), 1) == (Flag("few_samples", 4, 5),)


def test_busy_slow_and_oversubscribed_at_their_limits():
    quiet = stats()
    assert decide(quiet, 1, others_cores=0.2499) == ()
    assert decide(quiet, 1, others_cores=0.25) == (Flag("busy", 0.25, 0.25),)
    assert decide(quiet, 1, others_cores=None) == ()  # nothing could be read: not claimed busy
    assert decide(quiet, 1, speed=0.8) == () and decide(quiet, 1, speed=0.79) == (Flag("slow", 0.79, 0.8),)
    assert decide(quiet, 1, threads=2, cores=2) == ()
    assert decide(quiet, 1, threads=3, cores=2) == (Flag("oversubscribed", 3, 2),)
    assert decide(quiet, 1, threads=3) == ()  # no core count (a GPU row): never oversubscribed


def test_every_flag_of_a_row_in_label_order_with_its_words():
    found = decide(stats(cv=0.3, runs=3), 1, others_cores=1.0, speed=0.5, threads=8, cores=2)
    assert [flag.kind for flag in found] == ["spread", "few_samples", "busy", "slow", "oversubscribed"]
    assert flags.labels(reversed(found)) == ["UNSTABLE", "BUSY", "SLOW", "OVERSUBSCRIBED"]
    assert flags.texts(found, "BUSY") == "other processes used 1.00 cores while timing"
    assert flags.texts(found, "SLOW") == "the machine ran at 50% of its fastest"
    assert flags.texts(found, "OVERSUBSCRIBED") == "8 threads on 2 cores"


def test_a_saved_row_gives_its_stored_flags_back_and_drops_what_it_cannot_read():
    stored = [Flag("busy", 0.6, 0.25).as_dict(), {"kind": "cosmic", "value": 1, "limit": 1},
              {"kind": "slow", "value": "fast", "limit": 0.8}]  # fmt: skip
    assert flags.of_record({"flags": stored, "samples_ms": [0.1, 0.1]}) == (Flag("busy", 0.6, 0.25),)
    assert flags.of_record({"flags": [], "samples_ms": [0.1, 0.1]}) == ()  # stored as none: none, not re-decided


def test_a_row_saved_without_flags_is_decided_again_from_its_numbers():
    # 5 samples of 10-14 ms: CV over 10%; 0.5 cores of others: busy; speed 0.7: slow
    old = {"samples_ms": [10.0, 14.0, 7.0, 10.0, 13.0], "calls_per_sample": 1, "load_others_cores": 0.5,
           "machine_speed": 0.7, "unstable_reason": "anything at all"}  # fmt: skip
    assert [flag.kind for flag in flags.of_record(old)] == ["spread", "busy", "slow"]
    assert flags.of_record({**old, "load_others_cores": float("nan"), "machine_speed": None})[0].kind == "spread"
    assert flags.of_record({"samples_ms": "abc"}) == () and flags.of_record({}) == ()
