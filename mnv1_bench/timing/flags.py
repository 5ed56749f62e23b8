"""Why a timing row is not to be trusted as it stands, as data: a kind and the numbers behind it.

Flags are decided once, when a row is made (:func:`decide`), from that row's own numbers and the machine it ran
on, and are stored with the row. Tables and commands read kinds and numbers; :meth:`Flag.text` alone turns one
into words for the user, and nothing reads those words back.

Kinds and the label each shows under:

- ``spread`` (UNSTABLE): the samples' CV (stdev / mean) over :data:`UNSTABLE_CV`, pyperf's 10%;
- ``short_samples`` (UNSTABLE): one sample (``calls_per_sample`` calls) under the clock's 1 ms granularity;
- ``few_samples`` (UNSTABLE): fewer samples than the clock's minimum;
- ``busy`` (BUSY): other processes used at least :data:`BUSY_CORES` cores, on average, while the row was timed;
- ``slow`` (SLOW): the machine's reference matmul ran under :data:`SLOW_SPEED` of the fastest this host has shown;
- ``oversubscribed`` (OVERSUBSCRIBED): more intra-op threads than the CPU cores this process may use.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from mnv1_bench.timing.clock import MIN_RUNS, MIN_SAMPLE_S
from mnv1_bench.timing.stats import Stats, summarize

UNSTABLE_CV = 0.10  # pyperf warns when the standard deviation exceeds 10% of the mean
BUSY_CORES = 0.25  # other processes using a quarter of a core on average while a row was timed: a busy machine
SLOW_SPEED = 0.8  # a run whose reference took 1.25x the fastest this host has shown: flagged SLOW

LABELS = {
    "spread": "UNSTABLE",
    "short_samples": "UNSTABLE",
    "few_samples": "UNSTABLE",
    "busy": "BUSY",
    "slow": "SLOW",
    "oversubscribed": "OVERSUBSCRIBED",
}
ORDER = ("UNSTABLE", "BUSY", "SLOW", "OVERSUBSCRIBED")  # the order labels are shown in


@dataclass(frozen=True)
class Flag:
    """One reason not to trust a row: its kind (a key of :data:`LABELS`), the measured value and the limit it
    crossed, in the units of the kind (a fraction for spread and slow, seconds for short_samples, samples, cores,
    threads)."""

    kind: str
    value: float
    limit: float

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def text(self) -> str:
        """The flag in words, for the user."""
        if self.kind == "spread":
            return f"CV {self.value:.0%} > {self.limit:.0%}"
        if self.kind == "short_samples":
            return f"samples under {self.limit * 1e3:g} ms (clock granularity)"
        if self.kind == "few_samples":
            return f"only {self.value:.0f} samples"
        if self.kind == "busy":
            return f"other processes used {self.value:.2f} cores while timing"
        if self.kind == "slow":
            return f"the machine ran at {self.value:.0%} of its fastest"
        return f"{self.value:.0f} threads on {self.limit:.0f} cores"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "value": self.value, "limit": self.limit}


def unstable(stats: Stats, calls_per_sample: int) -> tuple[Flag, ...]:
    """Why the samples themselves should not be trusted (spread, short or few samples); () when they can be."""
    found = []
    if stats.cv > UNSTABLE_CV:
        found.append(Flag("spread", stats.cv, UNSTABLE_CV))
    if stats.median_ms * calls_per_sample < MIN_SAMPLE_S * 1e3:
        found.append(Flag("short_samples", stats.median_ms * calls_per_sample / 1e3, MIN_SAMPLE_S))
    if stats.runs < MIN_RUNS:
        found.append(Flag("few_samples", stats.runs, MIN_RUNS))
    return tuple(found)


def busy(others_cores: float | None) -> Flag | None:
    """BUSY when other processes used at least BUSY_CORES while the row was timed (None when they did not, or
    when nothing could be read). `others_cores`: cores' worth of CPU, on average over the row's samples."""
    if others_cores is None or not others_cores >= BUSY_CORES:
        return None
    return Flag("busy", others_cores, BUSY_CORES)


def decide(
    stats: Stats,
    calls_per_sample: int,
    others_cores: float | None = None,
    speed: float | None = None,
    threads: int | None = None,
    cores: int | None = None,
) -> tuple[Flag, ...]:
    """Every flag of one row, in :data:`ORDER`: its samples, the machine's load and speed, and its thread count
    against the cores available (``threads`` and ``cores`` given for CPU rows only)."""
    found = list(unstable(stats, calls_per_sample))
    found += [flag for flag in (busy(others_cores),) if flag is not None]
    if speed is not None and speed < SLOW_SPEED:
        found.append(Flag("slow", speed, SLOW_SPEED))
    if threads is not None and cores is not None and threads > cores:
        found.append(Flag("oversubscribed", threads, cores))
    return tuple(found)


def labels(flags: Iterable[Flag]) -> list[str]:
    """The labels of `flags`, each once, in :data:`ORDER`."""
    present = {flag.label for flag in flags}
    return [label for label in ORDER if label in present]


def texts(flags: Iterable[Flag], label: str) -> str:
    """The words of every flag shown under `label`, "; "-joined ("" when none)."""
    return "; ".join(flag.text() for flag in flags if flag.label == label)


def from_dicts(items: Iterable[Mapping]) -> tuple[Flag, ...]:
    """Flags as stored (:meth:`Flag.as_dict`); a kind this version does not know is kept out."""
    return tuple(
        Flag(str(item["kind"]), float(item["value"]), float(item["limit"]))
        for item in items
        if item.get("kind") in LABELS and _finite(item.get("value")) and _finite(item.get("limit"))
    )


def of_record(record: Mapping) -> tuple[Flag, ...]:
    """A saved row's flags: as stored, or, for a row saved before flags were stored (no ``flags`` list),
    decided again from its own numbers: samples, calls per sample, others' load and the machine's speed."""
    stored = record.get("flags")
    if isinstance(stored, list):
        return from_dicts(item for item in stored if isinstance(item, Mapping))
    samples = record.get("samples_ms")
    if not isinstance(samples, list | tuple) or not samples or not all(_finite(s) for s in samples):
        return ()
    calls = record.get("calls_per_sample")
    others, speed = record.get("load_others_cores"), record.get("machine_speed")
    return decide(summarize([float(s) for s in samples]), int(calls) if _finite(calls) else 1,
                  float(others) if _finite(others) else None, float(speed) if _finite(speed) else None)  # fmt: skip


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
