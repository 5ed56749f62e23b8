"""Statistics over raw per-call samples: median, IQR, p90, mean, standard deviation, CV, and when not to trust them.

Rows report the median, the inter-quartile range, the 90th percentile, the number of samples and the
coefficient of variation (standard deviation / mean), as pyperf does; a row is flagged unstable for the
reasons :func:`instability` gives, and busy for the reason :func:`busy_reason` gives. Two rows timed in the same
interleaved rounds are compared by the ratio of their medians with a bootstrap confidence interval
(:func:`ratio_ci`) and a verdict (:func:`verdict`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from mnv1_bench.timing.clock import MIN_RUNS, MIN_SAMPLE_S

UNSTABLE_CV = 0.10  # pyperf warns when the standard deviation exceeds 10% of the mean
BUSY_CORES = 0.25  # other processes using a quarter of a core on average while a row was timed: a busy machine
CI_LEVEL = 0.95
RESAMPLES = 1000  # bootstrap resamples: the 2.5th and 97.5th percentiles move by well under 1% beyond this
SEED = 0  # the bootstrap is seeded so that the same samples always give the same interval


@dataclass(frozen=True)
class Stats:
    """Statistics over per-call times in milliseconds."""

    median_ms: float
    iqr_ms: float  # 75th - 25th percentile
    p90_ms: float
    mean_ms: float
    stdev_ms: float
    cv: float  # stdev / mean, a fraction
    runs: int


def quantile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default, pandas' default)."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    position = q * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def summarize(samples_ms: tuple[float, ...] | list[float]) -> Stats:
    """Median, IQR, p90, mean, sample standard deviation and CV of per-call times in milliseconds."""
    if not samples_ms:
        raise ValueError("no samples to summarize")
    ordered = sorted(samples_ms)
    mean = statistics.fmean(ordered)
    stdev = statistics.stdev(ordered) if len(ordered) > 1 else 0.0
    return Stats(
        median_ms=quantile(ordered, 0.5),
        iqr_ms=quantile(ordered, 0.75) - quantile(ordered, 0.25),
        p90_ms=quantile(ordered, 0.9),
        mean_ms=mean,
        stdev_ms=stdev,
        cv=stdev / mean if mean > 0 else 0.0,
        runs=len(ordered),
    )


def instability(stats: Stats, calls_per_sample: int) -> str:
    """Why a row should not be trusted, or "" when it can be."""
    reasons = []
    if stats.cv > UNSTABLE_CV:
        reasons.append(f"CV {stats.cv:.0%} > {UNSTABLE_CV:.0%}")
    if stats.median_ms * calls_per_sample < MIN_SAMPLE_S * 1e3:
        reasons.append(f"samples under {MIN_SAMPLE_S * 1e3:g} ms (clock granularity)")
    if stats.runs < MIN_RUNS:
        reasons.append(f"only {stats.runs} samples")
    return "; ".join(reasons)


def busy_reason(others_cores: float | None) -> str:
    """Why a row was taken on a busy machine ("" when it was not, or when nothing could be read).

    `others_cores`: cores' worth of CPU that other processes used, on average, while the row's samples were taken.
    """
    if others_cores is None or others_cores < BUSY_CORES:
        return ""
    return f"other processes used {others_cores:.2f} cores while timing"


@dataclass(frozen=True)
class RatioCI:
    """A row's median over the first row's median, with a bootstrap confidence interval."""

    ratio: float
    low: float
    high: float
    level: float = CI_LEVEL


def _pooled_median(rounds: list, picks, rng) -> float:
    import numpy as np

    return float(np.median(np.concatenate([rng.choice(rounds[i], size=len(rounds[i])) for i in picks])))


def ratio_ci(
    first: Sequence[Sequence[float]],
    other: Sequence[Sequence[float]],
    level: float = CI_LEVEL,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> RatioCI:
    """median(other) / median(first), samples grouped by round, with a paired two-level bootstrap interval.

    Each resample draws rounds with replacement, the same rounds for both rows (neighbours and drift hit rows
    of one round alike), then samples with replacement within each drawn round; the interval is the resampled
    ratios' percentile interval. Seeded: the same samples give the same interval.
    """
    import numpy as np

    if len(first) != len(other) or not first or not all(len(r) for r in [*first, *other]):
        raise ValueError("both rows need samples in each of the same rounds")
    a = [np.asarray(r, dtype=float) for r in first]
    b = [np.asarray(r, dtype=float) for r in other]
    rng = np.random.default_rng(seed)
    ratios = np.empty(resamples)
    for i in range(resamples):
        picks = rng.integers(0, len(a), size=len(a))
        ratios[i] = _pooled_median(b, picks, rng) / _pooled_median(a, picks, rng)
    tail = (1 - level) / 2
    point = float(np.median(np.concatenate(b)) / np.median(np.concatenate(a)))
    low, high = np.quantile(ratios, [tail, 1 - tail])
    return RatioCI(point, float(low), float(high), level)


def verdict(ci: RatioCI) -> str:
    """ "faster" when the whole interval is below 1, "slower" when above, else "indistinguishable"."""
    if ci.high < 1:
        return "faster"
    if ci.low > 1:
        return "slower"
    return "indistinguishable"
