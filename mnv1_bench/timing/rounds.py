"""Interleaved rounds: several configurations timed round-robin in short slices, while watching the machine.

Every configuration is warmed up first (:func:`.clock.warm_up`); then each round gives every configuration one
slice of ``min_time_s / rounds`` seconds of samples (at least enough samples to reach ``MIN_RUNS`` over all
rounds), after one untimed call that reloads its weights into the caches the previous slice used. A neighbour
that starts, or a clock that drifts, therefore hits every configuration alike, and comparisons between them
hold on a machine that is not quiet. Around every slice a load probe reads how much CPU other processes used.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mnv1_bench.environment import CpuSnapshot, cpu_snapshot, others_cores
from mnv1_bench.timing.clock import MIN_RUNS, Measurement, Stopwatch, sample, warm_up
from mnv1_bench.timing.flags import busy

MIN_ROUNDS = 5  # enough rounds for the interval's windows (one round each at least) to see drift between them
SLICE_S = 0.1  # a slice's length by default: far shorter than a neighbour's bursts, long enough for several calls
LoadProbe = Callable[[], CpuSnapshot | None]  # environment.cpu_snapshot, or a fake in tests
Step = Callable[[int, int, int], None]  # (round, slot, steps done) -> None, before each slice


def default_rounds(min_time_s: float) -> int:
    """Rounds when none are asked for: slices of about SLICE_S, at least MIN_ROUNDS rounds.

    Short slices make neighbours and drift hit every configuration alike: beside a process busy 3 s and idle 3 s,
    slices of 0.4 s left whole slices of one configuration inside a burst and another's outside it.
    """
    return max(MIN_ROUNDS, round(min_time_s / SLICE_S))


@dataclass(frozen=True)
class Slot:
    """One configuration to time: the call, and the stopwatch that sees its device work."""

    run: Callable[[], object]
    stopwatch: Stopwatch


@dataclass(frozen=True)
class Interleaved:
    """What one configuration got from :func:`interleave`."""

    measurement: Measurement  # every sample of every finished round, in the order taken
    round_sizes: tuple[int, ...]  # samples per round, in order: they split measurement.samples_s into rounds
    others_cores: float | None  # CPU other processes used during this slot's slices, in cores (None: unknown)

    def by_round(self) -> list[list[float]]:
        """The samples (seconds per call) split into their rounds."""
        return split_rounds(self.measurement.samples_s, self.round_sizes)


def split_rounds(samples: Sequence[float], round_sizes: Sequence[int]) -> list[list[float]]:
    """Samples taken in order split into their rounds: `round_sizes` gives the samples of each round."""
    out, start = [], 0
    for size in round_sizes:
        out.append(list(samples[start : start + size]))
        start += size
    return out


@dataclass(frozen=True)
class RoundsResult:
    slots: list[Interleaved]
    interrupted: bool  # Ctrl-C stopped the rounds: only whole rounds are kept
    reference_s: tuple[float, ...] = ()  # the reference probe's reading before each whole round (machine_speed)


def interleave(
    slots: Sequence[Slot],
    min_time_s: float,
    rounds: int | None = None,
    probe: LoadProbe = cpu_snapshot,
    step: Step | None = None,
    busy_rounds: int | None = None,
    reference: Callable[[], float] | None = None,
) -> RoundsResult:
    """Warm every slot up, then `rounds` rounds of one slice per slot; Ctrl-C after a whole round keeps the
    whole rounds (``interrupted``), before one it propagates. `rounds` None: :func:`default_rounds`.

    `busy_rounds`: while other processes keep the machine busy (:data:`.flags.BUSY_CORES` or more, averaged
    over the rounds so far), the rounds go on up to this many, so that a neighbour's bursts average out instead
    of landing on a few slices; None: exactly `rounds`. `reference`: a probe of the machine's own speed
    (:func:`.machine_speed.reference`), read before every round.
    """
    rounds = default_rounds(min_time_s) if rounds is None else rounds
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    most = max(rounds, busy_rounds or rounds)
    warmups = [warm_up(slot.run, min_time_s, slot.stopwatch) for slot in slots]
    slice_s, slice_runs = min_time_s / rounds, math.ceil(MIN_RUNS / rounds)
    samples: list[list[list[float]]] = [[] for _ in slots]  # slot -> round -> samples
    others: list[list[tuple[float, float]]] = [[] for _ in slots]  # slot -> (CPU-seconds of others, wall seconds)
    finished, interrupted, readings = 0, False, []
    try:
        for r in range(most):
            if r >= rounds and not _busy(others):
                break
            if reference is not None:
                readings.append(reference())
            for i, (slot, (_, number)) in enumerate(zip(slots, warmups, strict=True)):
                if step is not None:
                    step(r, i, r * len(slots) + i)
                slot.run()  # untimed: the previous slice left its own weights in the caches
                before = probe()
                samples[i].append(sample(slot.run, number, slice_s, slice_runs, slot.stopwatch))
                after = probe()
                if before is not None and after is not None:
                    wall = after.wall_s - before.wall_s
                    others[i].append((others_cores(before, after) * wall, wall))
            finished += 1
    except KeyboardInterrupt:
        if finished == 0:
            raise
        interrupted = True
    results = []
    for i, (warmup_runs, number) in enumerate(warmups):
        kept = samples[i][:finished]
        flat = tuple(s for chunk in kept for s in chunk)
        load = _cores_used(others[i][:finished]) if len(others[i]) >= finished else None
        measurement = Measurement(flat, number, warmup_runs + finished)
        results.append(Interleaved(measurement, tuple(len(chunk) for chunk in kept), load))
    return RoundsResult(results, interrupted, tuple(readings[:finished]))


def _cores_used(slices: Sequence[tuple[float, float]]) -> float | None:
    """Cores other processes used on average over (CPU-seconds of others, wall seconds) slices; None: no wall time."""
    used, wall = sum(o for o, _ in slices), sum(w for _, w in slices)
    return used / wall if wall > 0 else None


def _busy(others: list[list[tuple[float, float]]]) -> bool:
    """Whether other processes used enough CPU to flag a row busy (:func:`.flags.busy`), on average over
    every slice so far."""
    return busy(_cores_used([each for slot in others for each in slot])) is not None
