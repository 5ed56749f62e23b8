"""Statistics over raw per-call samples, as pure functions: median, IQR, p90, mean, standard deviation, CV.

Rows report the median, the inter-quartile range, the 90th percentile, the number of samples and the
coefficient of variation (standard deviation / mean), as pyperf does; what flags a row is :mod:`.flags`'s to
decide. Two rows timed in the same interleaved rounds are compared by the ratio of their medians, with a
confidence interval (:func:`ratio_ci`) and a verdict (:func:`verdict`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

CI_LEVEL = 0.95


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


@dataclass(frozen=True)
class RatioCI:
    """A row's time over the first row's (the ratio of their medians, :func:`ratio_ci`), with a 95% interval."""

    ratio: float
    low: float
    high: float
    level: float = CI_LEVEL


# Two-sided 97.5% quantiles of Student's t by degrees of freedom (a 95% interval); beyond the table, the normal's.
T_975 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
         11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
         20: 2.086, 25: 2.060, 30: 2.042}  # fmt: skip


def t_975(df: int) -> float:
    """Student's t 97.5% quantile for `df` degrees of freedom (the next smaller tabulated df; 1.96 beyond 30)."""
    if df > 30:
        return 1.96
    return T_975[max(d for d in T_975 if d <= df)]


WINDOWS = 5  # the batches of a run of one repeat: windows of consecutive rounds (see docs/timing-method.md)


def windows(rounds: Sequence[Sequence[float]], count: int = WINDOWS) -> list[list[float]]:
    """Samples by round, in the order taken, joined into `count` windows of consecutive rounds as even as they
    can be (one window per round when there are fewer rounds)."""
    count = min(count, len(rounds))
    cut = [len(rounds) * k // count for k in range(count + 1)]
    return [[s for r in rounds[a:b] for s in r] for a, b in zip(cut, cut[1:], strict=False)]


def _t_half(logs: Sequence[float]) -> float:
    """Half the width of a 95% Student's t interval of the mean of `logs` (batches taken as independent)."""
    return t_975(len(logs) - 1) * statistics.stdev(logs) / math.sqrt(len(logs))


def median_ci(batches: Sequence[Sequence[float]]) -> tuple[float, float]:
    """A 95% interval of the median of all samples (ms): Student's t over the batches' log medians, around it.
    NaN with fewer than two batches."""
    if len(batches) < 2:
        return math.nan, math.nan
    median = statistics.median([s for batch in batches for s in batch])
    half = _t_half([math.log(max(statistics.median(batch), 1e-300)) for batch in batches])
    return median * math.exp(-half), median * math.exp(half)


def ratio_ci(first: Sequence[Sequence[float]], other: Sequence[Sequence[float]]) -> RatioCI:
    """`other`'s time over `first`'s, with a 95% interval from independent batches of the two rows.

    `first` and `other` hold the rows' samples by batch: a batch is a block of rounds the two rows were timed in
    together, a repeat (the configurations built and prepared anew, then timed in rounds of their own) or, in a
    run of one repeat, a window of consecutive rounds. The point estimate is the ratio of the two rows' medians
    over all their samples: the medians shown beside it give it back. The interval is a batch-means interval
    around it: Student's t over the batches' log ratios (each the ratio of the two medians in that batch), with
    one degree of freedom fewer than batches. Batches far apart in time, each with its own preparation, differ
    as separate runs do, so the interval widens by what changes from one run to the next; rounds inside one
    batch are correlated and are never counted as independent. Fewer than two batches: no interval (NaN).
    """
    import numpy as np

    if len(first) != len(other) or not first or not all(len(b) for b in [*first, *other]):
        raise ValueError("both rows need samples in each of the same batches")
    point = float(np.median(np.concatenate(other)) / np.median(np.concatenate(first)))
    if len(first) < 2:
        return RatioCI(point, math.nan, math.nan)
    half = _t_half([_log_ratio(float(np.median(a)), float(np.median(b))) for a, b in zip(first, other, strict=True)])
    return RatioCI(point, point * math.exp(-half), point * math.exp(half))


def _log_ratio(first: float, other: float) -> float:
    """log(other / first); a clock that read 0 for a sample must not divide by zero."""
    tiny = 1e-300
    return math.log(max(other, tiny)) - math.log(max(first, tiny))


def verdict(ci: RatioCI) -> str:
    """ "faster" when the whole interval is below 1, "slower" when above, else "indistinguishable"."""
    if ci.high < 1:
        return "faster"
    if ci.low > 1:
        return "slower"
    return "indistinguishable"
