"""The most accurate network that fits a budget on this device: the paper's Figure 4 turned into an answer.

Candidates carry an ImageNet top-1 cited from a named source (:mod:`mnv1_bench.choose.candidates`) and a latency
measured here (:mod:`mnv1_bench.choose.latencies`: timed with the interleaved engine, saved, reused while nothing
changed).
A candidate fits when its median latency per call is at most the budget and its counts are within the count
limits; the pick is the most accurate candidate with a cited accuracy that fits. Nothing here prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from mnv1_bench.choices import BYTES_PER_ELEMENT, Dtype
from mnv1_bench.choose import latencies as latency_store
from mnv1_bench.choose.candidates import Cited, cited_top1
from mnv1_bench.counting import Cost, count
from mnv1_bench.errors import UsageProblem
from mnv1_bench.formatting import missing
from mnv1_bench.models.registry import ModelSpec
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.flags import labels
from mnv1_bench.timing.run import Progress

Counter = Callable[[ModelSpec], Cost]  # builds and counts one network


@dataclass(frozen=True)
class Budget:
    """What a pick must fit: latency per call (ms), every learnable parameter, mult-adds per image, and the
    parameters' size at the timed dtype (MB = 10^6 bytes). None: no limit on that."""

    ms: float | None = None
    params: float | None = None
    mult_adds: float | None = None
    size_mb: float | None = None

    def check(self) -> None:
        """Raise UsageProblem (one line) without any limit, or for a limit that is not a positive number."""
        limits = self._limits()
        if not limits:
            raise UsageProblem.about("give a budget: {ms}, {params}, {mult_adds} or {size_mb}")
        for name, value in limits.items():
            if not (math.isfinite(value) and value > 0):
                raise UsageProblem.about("{" + name + "} must be a positive number, got {value:g}", value=value)

    def _limits(self) -> dict[str, float]:
        named = {"ms": self.ms, "params": self.params, "mult_adds": self.mult_adds, "size_mb": self.size_mb}
        return {name: value for name, value in named.items() if value is not None}

    def text(self) -> str:
        """ "10 ms per call and 2M params", as the rationale says it."""
        parts = [f"{self.ms:g} ms per call" if self.ms is not None else "",
                 f"{self.params / 1e6:g}M params" if self.params is not None else "",
                 f"{self.mult_adds / 1e6:g}M mult-adds" if self.mult_adds is not None else "",
                 f"{self.size_mb:g} MB of parameters" if self.size_mb is not None else ""]  # fmt: skip
        return " and ".join(p for p in parts if p)

    def excess(self, median_ms: float | None, params: int, mult_adds: int, size_mb: float) -> float:
        """The largest value / limit over the limits given (<= 1: fits); an unmeasured latency never fits."""
        pairs = [(params, self.params), (mult_adds, self.mult_adds), (size_mb, self.size_mb)]
        if self.ms is not None:
            pairs.append((math.inf if median_ms is None else median_ms, self.ms))
        return max((value / limit for value, limit in pairs if limit is not None), default=0.0)

    def over(self, median_ms: float | None, params: int, mult_adds: int, size_mb: float) -> str:
        """Which limits a candidate is over, e.g. "over --budget-ms" ("" when it fits)."""
        checks = (("--budget-ms", median_ms, self.ms), ("--max-params", params, self.params),
                  ("--max-mult-adds", mult_adds, self.mult_adds), ("--max-size-mb", size_mb, self.size_mb))  # fmt: skip
        return ", ".join(f"over {o}" for o, v, limit in checks if limit is not None and v is not None and v > limit)


@dataclass(frozen=True)
class Candidate:
    spec: ModelSpec
    cited: Cited
    mult_adds: int  # per image, the paper's convention
    params: int  # every learnable parameter
    weights: int  # conv and FC weights only
    latency: latency_store.Latency | None  # None: not timed (over a count limit)


@dataclass(frozen=True)
class PickResult:
    frame: pd.DataFrame  # one row per candidate, fastest first (see :func:`candidate_frame`)
    budget: Budget
    picked: dict | None  # the pick's row, None when nothing with a cited accuracy fits
    within: dict | None  # the runner-up inside the budget: the next most accurate candidate that fits
    beyond: dict | None  # the runner-up past the budget: the fastest candidate more accurate than the pick
    cheapest: dict | None  # when nothing fits: the candidate closest to fitting (smallest value / limit)
    headroom_ms: float | None  # budget - the pick's median, ms
    borderline: dict | None = None  # the most accurate candidate more accurate than the pick whose 95% CI
    # straddles the latency budget: it may fit or not, so the answer is "the pick or this one"


def size_mb(params: int, dtype: str) -> float:
    """Parameters' size at `dtype`, in MB (10^6 bytes): buffers such as BN running statistics left out."""
    return params * BYTES_PER_ELEMENT[Dtype(dtype)] / 1e6


def candidate_frame(candidates: Sequence[Candidate], budget: Budget, dtype: str) -> pd.DataFrame:
    """One row per candidate, fastest first (untimed last): cited top-1 and its source, the median latency with
    its 95% CI, counts, which limits it is over, whether it fits, is on the Pareto frontier, and is the pick."""
    rows = []
    for c in candidates:
        lat = c.latency
        low, high = (math.nan, math.nan) if lat is None else lat.ci_ms
        median = None if lat is None else lat.median_ms
        size = size_mb(c.params, dtype)
        over = budget.over(median, c.params, c.mult_adds, size)
        counts_fit = replace(budget, ms=None).excess(None, c.params, c.mult_adds, size) <= 1
        status = _status(budget, lat, low, high, counts_fit)
        rows.append({
            "model": c.spec.name, "top1": c.cited.top1, "top1_source": c.cited.source or None,
            "median_ms": median, "ci_low_ms": None if lat is None else low, "ci_high_ms": None if lat is None else high,
            "params": c.params, "weights": c.weights, "mult_adds": c.mult_adds, "size_mb": size,
            "fits": status == "fits", "status": status,
            "over": over or ("not timed: over a count limit" if lat is None else ""),
            "excess": budget.excess(median, c.params, c.mult_adds, size),
            "flag": _flag(lat), "measured": "" if lat is None else ("reused" if lat.reused else "now"),
            "run_file": None if lat is None else lat.source or None,
            "top1_citation": c.cited.citation or None, "top1_note": c.cited.note or None,
        })  # fmt: skip
    frame = pd.DataFrame(rows)
    frame = frame.sort_values("median_ms", kind="stable", na_position="last").reset_index(drop=True)
    frame["pareto"] = pareto(frame)
    frame["picked"] = False
    return frame


def _status(budget: Budget, lat: latency_store.Latency | None, low: float, high: float, counts_fit: bool) -> str:
    """ "fits" (every count within its limit, and the latency's whole 95% CI within the budget), "borderline" (the
    CI straddles the latency budget: it may fit), "over" or "not timed"."""
    if lat is None:
        return "not timed"
    if not counts_fit:
        return "over"
    if budget.ms is None:
        return "fits"
    if high != high:  # no interval (one round): the median alone
        low = high = lat.median_ms
    if high <= budget.ms:
        return "fits"
    return "borderline" if low <= budget.ms else "over"


def _flag(lat: latency_store.Latency | None) -> str:
    """UNSTABLE (too noisy to pick by: a CV over 10% with a median less precise than ±5%, or too few or too short
    samples), BUSY and SLOW, comma-separated, or ""."""
    return ", ".join(labels(lat.distrusted)) if lat is not None else ""


def pareto(frame: pd.DataFrame) -> list[bool]:
    """Accuracy against latency: True for each timed candidate with a cited top-1 that no other candidate beats on
    both (as accurate or more, and as fast or faster, better on one)."""
    marks = [False] * len(frame)
    known = frame.dropna(subset=["top1", "median_ms"])
    ordered = sorted(known.index, key=lambda i: (known.at[i, "median_ms"], -known.at[i, "top1"]))
    best = -math.inf
    for i in ordered:
        if known.at[i, "top1"] > best:
            marks[i], best = True, known.at[i, "top1"]
    return marks


def choose(frame: pd.DataFrame, budget: Budget) -> PickResult:
    """The most accurate candidate that fits (ties: the faster), the runners-up either side, the headroom."""
    frame = frame.copy()
    eligible = frame[frame["fits"] & frame["top1"].notna()]
    ranked = eligible.sort_values(["top1", "median_ms"], ascending=[False, True], kind="stable")
    if ranked.empty:
        timed = frame.dropna(subset=["median_ms"])
        pool = timed if not timed.empty else frame
        cheapest = pool.loc[pool["excess"].idxmin()].to_dict() if not pool.empty else None
        return PickResult(frame, budget, None, None, None, cheapest, None, _contender(frame, -math.inf))
    best = ranked.index[0]
    frame.loc[best, "picked"] = True
    picked = frame.loc[best].to_dict()
    within = frame.loc[ranked.index[1]].to_dict() if len(ranked) > 1 else None
    better = frame[frame["top1"].notna() & frame["median_ms"].notna() & ~frame["fits"]
                   & (frame["top1"] > picked["top1"])]  # fmt: skip
    beyond = better.sort_values("median_ms", kind="stable").iloc[0].to_dict() if not better.empty else None
    headroom = budget.ms - picked["median_ms"] if budget.ms is not None else None
    return PickResult(frame, budget, picked, within, beyond, None, headroom, _contender(frame, picked["top1"]))


def _contender(frame: pd.DataFrame, top1: float) -> dict | None:
    """The most accurate borderline candidate more accurate than `top1` (None: none)."""
    close = frame[(frame["status"] == "borderline") & frame["top1"].notna() & (frame["top1"] > top1)]
    if close.empty:
        return None
    return close.sort_values(["top1", "median_ms"], ascending=[False, True], kind="stable").iloc[0].to_dict()


def rationale(result: PickResult) -> str:
    """ "MODEL is the most accurate network under B ms here: T% top-1 (cited from SOURCE), M ms measured (95% CI
    L-H)", or, when nothing fits, what does not and the candidate closest to fitting."""
    budget = result.budget.text()
    b = result.borderline
    if result.picked is None:
        if b is not None:
            return (f"Nothing surely fits under {budget} here; {b['model']} may: its 95% CI "
                    f"{b['ci_low_ms']:.2f}-{b['ci_high_ms']:.2f} ms straddles the budget.")  # fmt: skip
        cheapest = result.cheapest
        if cheapest is None:
            return f"Nothing fits under {budget} here: there were no candidates."
        return (f"Nothing with a cited accuracy fits under {budget} here; the cheapest candidate is "
                f"{describe(cheapest)}.")  # fmt: skip
    p = result.picked
    said = (f"{p['model']} is the most accurate network under {budget} here: {p['top1']:g}% top-1 (cited from "
            f"{p['top1_source']}), {p['median_ms']:.2f} ms measured (95% CI {p['ci_low_ms']:.2f}-"
            f"{p['ci_high_ms']:.2f})")  # fmt: skip
    if b is None:
        return said
    return (f"{p['model']} or {b['model']}: indistinguishable here at this budget. {said}; {b['model']} "
            f"({b['top1']:g}% top-1) may fit too: its 95% CI {b['ci_low_ms']:.2f}-{b['ci_high_ms']:.2f} ms "
            "straddles the budget")  # fmt: skip


def describe(row: dict) -> str:
    """ "mobilenet-0.5-160: 59.1% top-1 (cited from ...), 4.50 ms measured, 1.33M params, 76.5M mult-adds"."""
    top1 = "no cited accuracy" if missing(row["top1"]) else f"{row['top1']:g}% top-1 (cited from {row['top1_source']})"
    latency = "not timed" if missing(row["median_ms"]) else f"{row['median_ms']:.2f} ms measured"
    return (f"{row['model']}: {top1}, {latency}, {row['params'] / 1e6:.2f}M params, "
            f"{row['mult_adds'] / 1e6:.1f}M mult-adds")  # fmt: skip


def pick_network(
    specs: Sequence[ModelSpec],
    budget: Budget,
    config: TimingConfig,
    results_dir: Path | None,
    *,
    fresh: bool = False,
    rounds: int = 5,
    retakes: int = 1,
    progress: Progress | None = None,
    counter: Counter | None = None,
) -> PickResult:
    """Reuse what was measured here before (unless `fresh`), count and time the rest, and choose.

    `config` has passed :func:`mnv1_bench.timing.run.validate`; `counter` (default
    :func:`mnv1_bench.counting.count`) counts a network that has no reusable row. Candidates over a count limit are
    not timed."""
    from mnv1_bench.timing.memory import check_fits

    report, counter = progress or (lambda done, total, doing: None), counter or count
    names = [spec.name for spec in specs]
    stored = {} if fresh or results_dir is None else latency_store.reusable(results_dir, config, names, rounds)
    counts: dict[str, tuple[int, int, int]] = {}
    costs: dict[str, Cost] = {}
    for spec in specs:
        if spec.name in stored:
            lat = stored[spec.name]
            counts[spec.name] = (lat.mult_adds, lat.params, lat.weights)
            continue
        report(0, len(specs), f"counting {spec.name}")
        cost = costs[spec.name] = counter(spec)
        check_fits(spec.name, cost, config.batch, config.dtype, config.device)
        counts[spec.name] = (cost.mult_adds, cost.params, cost.weights)
    unlimited_ms = Budget(None, budget.params, budget.mult_adds, budget.size_mb)
    to_time = [s for s in specs if s.name in costs and (unlimited_ms.excess(
        None, counts[s.name][1], counts[s.name][0], size_mb(counts[s.name][1], config.dtype)) <= 1)]  # fmt: skip
    measured = latency_store.time_candidates(to_time, [costs[s.name] for s in to_time], config, results_dir, rounds,
                                     retakes, progress)  # fmt: skip
    latencies = {**stored, **measured}

    def result() -> PickResult:
        candidates = [Candidate(s, cited_top1(s), *counts[s.name], latencies.get(s.name)) for s in specs]
        return choose(candidate_frame(candidates, budget, config.dtype), budget)

    # Racing: time goes where the answer depends on it, to the candidates more accurate than the pick whose
    # interval straddles the budget, each time with twice the rounds, until none is left or the re-takes run out.
    for attempt in range(1, retakes + 1):
        chosen = result()
        top1 = chosen.picked["top1"] if chosen.picked is not None else -math.inf
        frame = chosen.frame
        close = set(frame[(frame["status"] == "borderline") & frame["top1"].notna() & (frame["top1"] > top1)]["model"])
        if not close:
            return chosen
        racing = [s for s in specs if s.name in close]
        costs.update({s.name: costs.get(s.name) or counter(s) for s in racing})
        longer = replace(config, min_time_s=config.min_time_s * 2**attempt)
        latencies.update(latency_store.time_candidates(racing, [costs[s.name] for s in racing], longer, results_dir,
                                                       rounds * 2**attempt, 0, progress))  # fmt: skip
    return result()
