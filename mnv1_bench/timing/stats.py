"""Statistics over raw per-call samples: median, IQR, p90, mean, standard deviation, CV, and when not to trust them.

Rows report the median, the inter-quartile range, the 90th percentile, the number of samples and the
coefficient of variation (standard deviation / mean), as pyperf does; a row is flagged unstable for the
reasons :func:`instability` gives.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from mnv1_bench.timing.clock import MIN_RUNS, MIN_SAMPLE_S

UNSTABLE_CV = 0.10  # pyperf warns when the standard deviation exceeds 10% of the mean


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
