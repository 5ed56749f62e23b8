"""Statistics over raw per-call samples, as pure functions: median, IQR, p90, mean, standard deviation, CV.

Rows report the median, the inter-quartile range, the 90th percentile, the number of samples and the
coefficient of variation (standard deviation / mean), as pyperf does; what flags a row is :mod:`.flags`'s to
decide. Two rows timed in the same interleaved rounds are compared round by round, with a bootstrap confidence
interval (:func:`ratio_ci`) and a verdict (:func:`verdict`).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class RatioCI:
    """A row's time over the first row's (paired by round, :func:`ratio_ci`), with a bootstrap confidence interval."""

    ratio: float
    low: float
    high: float
    level: float = CI_LEVEL


TRIM = 0.1  # the share of rounds left out at each end of the sorted per-round ratios (a trimmed mean)


def _trimmed_mean(values, trim: float = TRIM):
    """The mean along the last axis after leaving out the lowest and highest `trim` share of values."""
    import numpy as np

    n = values.shape[-1]
    cut = int(n * trim)
    return np.sort(values, axis=-1)[..., cut : n - cut].mean(axis=-1)


def _resampled_medians(samples, rng, resamples: int):
    """The median of `samples` drawn with replacement, `resamples` times."""
    import numpy as np

    return np.median(samples[rng.integers(0, len(samples), size=(resamples, len(samples)))], axis=1)


def _log_ratio(first, other):
    """log(other / first); a clock that read 0 for a sample must not divide by zero."""
    import numpy as np

    tiny = np.finfo(float).tiny
    return np.log(np.maximum(other, tiny)) - np.log(np.maximum(first, tiny))


def ratio_ci(
    first: Sequence[Sequence[float]],
    other: Sequence[Sequence[float]],
    level: float = CI_LEVEL,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> RatioCI:
    """`other`'s time over `first`'s, paired by round, with a bootstrap interval over rounds.

    In each round the two rows' slices were taken a moment apart, so a neighbour or drift that slows one slows
    the other: the round's ratio is the median of `other`'s samples in it over the median of `first`'s. The
    ratio is the geometric mean of the rounds' ratios, after leaving out the most extreme TRIM of rounds at each
    end. Unlike the ratio of the medians over all samples, it does not jump when bursts of a neighbour split
    both rows' samples into a fast and a slow mode in slightly different proportions from one run to the next:
    each round is compared within its own mode. The interval is the percentile interval of the same statistic
    under a two-level bootstrap: rounds drawn with replacement (the same rounds for both rows), then samples with
    replacement within each drawn round. Seeded: the same samples always give the same interval.
    """
    import numpy as np

    if len(first) != len(other) or not first or not all(len(r) for r in [*first, *other]):
        raise ValueError("both rows need samples in each of the same rounds")
    pairs = [(np.asarray(a, dtype=float), np.asarray(b, dtype=float)) for a, b in zip(first, other, strict=True)]
    logs = np.array([_log_ratio(np.median(a), np.median(b)) for a, b in pairs])
    rng = np.random.default_rng(seed)
    # draws[round, k]: that round's log ratio with its samples drawn anew for resample k
    draws = np.stack(
        [_log_ratio(_resampled_medians(a, rng, resamples), _resampled_medians(b, rng, resamples)) for a, b in pairs]
    )
    picks = rng.integers(0, len(pairs), size=(resamples, len(pairs)))
    resampled = _trimmed_mean(draws[picks, np.arange(resamples)[:, None]])
    tail = (1 - level) / 2
    low, high = np.exp(np.quantile(resampled, [tail, 1 - tail]))
    return RatioCI(float(np.exp(_trimmed_mean(logs))), float(low), float(high), level)


def verdict(ci: RatioCI) -> str:
    """ "faster" when the whole interval is below 1, "slower" when above, else "indistinguishable"."""
    if ci.high < 1:
        return "faster"
    if ci.low > 1:
        return "slower"
    return "indistinguishable"
