"""A run in repeats: every configuration prepared anew and timed in interleaved rounds of its own, several times
over, and the repeats merged into one measurement per configuration.

Two runs of the same comparison on one host differ by more than either run's rounds differ among themselves: the
host's state (which physical cores a VM's threads land on, what other tenants do, how a backend laid out its
buffers) moves on a scale of seconds to minutes, and every round of one run shares it. Repeats, each with its own
preparation and a share of the time, are independent samples of that state, as pyperf's worker processes are;
the ratio's interval is computed over them (:func:`.stats.ratio_ci`). Nothing here measures: :mod:`.run` does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from mnv1_bench.timing.clock import Measurement
from mnv1_bench.timing.rounds import Interleaved, RoundsResult
from mnv1_bench.timing.stats import ratio_ci

MIN_ROUNDS_PER_REPEAT = 2


@dataclass(frozen=True)
class Merged:
    """One configuration's repeats as one measurement: every sample in the order taken, and rounds per repeat."""

    interleaved: Interleaved
    repeat_rounds: tuple[int, ...]


def split(rounds: int, repeats: int) -> int:
    """Rounds in each of `repeats` repeats for a run of about `rounds` rounds in all (at least
    MIN_ROUNDS_PER_REPEAT each)."""
    return max(MIN_ROUNDS_PER_REPEAT, math.ceil(rounds / repeats))


def merge(outcomes: Sequence[RoundsResult]) -> list[Merged]:
    """Each configuration's samples, rounds and load over every repeat, in order. The load is the average over
    the repeats' rounds (None when any repeat could not read it); calls per sample are the first repeat's (samples
    are per call, whatever the grouping)."""
    merged = []
    for slot in range(len(outcomes[0].slots)):
        parts = [outcome.slots[slot] for outcome in outcomes]
        samples = tuple(s for part in parts for s in part.measurement.samples_s)
        warmups = sum(part.measurement.warmup_runs for part in parts)
        rounds = tuple(size for part in parts for size in part.round_sizes)
        loads = [(part.others_cores, len(part.round_sizes)) for part in parts]
        load = None
        if all(value is not None for value, _ in loads) and rounds:
            load = sum(value * n for value, n in loads) / sum(n for _, n in loads)
        measurement = Measurement(samples, parts[0].measurement.calls_per_sample, warmups)
        merged.append(Merged(Interleaved(measurement, rounds, load), tuple(len(p.round_sizes) for p in parts)))
    return merged


def widest(outcomes: Sequence[RoundsResult]) -> float | None:
    """The widest 95% interval of a configuration's time over the first configuration's, as a fraction of the
    ratio (the larger of its two sides); None when there is no ratio yet (one configuration, or one repeat)."""
    if len(outcomes) < 2 or len(outcomes[0].slots) < 2:
        return None
    batches = [[list(outcome.slots[slot].measurement.samples_s) for outcome in outcomes]
               for slot in range(len(outcomes[0].slots))]  # fmt: skip
    widths = []
    for other in batches[1:]:
        ci = ratio_ci(batches[0], other)
        widths.append(max(ci.high / ci.ratio - 1, 1 - ci.low / ci.ratio))
    return max(widths)


def reference_s(outcomes: Sequence[RoundsResult]) -> tuple[float, ...]:
    """The machine-speed reference readings of every repeat, in order."""
    return tuple(reading for outcome in outcomes for reading in outcome.reference_s)
