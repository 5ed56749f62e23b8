"""How fast the machine itself ran while a run was timed: a small reference matmul, timed before every round.

Other tenants of a virtual machine, or a CPU that clocks down, slow every configuration without showing in
``/proc/stat``: the busy check cannot see them, and a run that is slow throughout has a small CV. So before every
round the tool times a fixed reference (REFERENCE_CALLS calls of a REFERENCE_N x REFERENCE_N fp32 matmul, with the
run's threads; the median). The run's **speed** is the fastest reference this host has shown (cached by host, CPU
and threads in ``$XDG_CACHE_HOME/mnv1-bench/machine_speed.json``) over the run's median reference: 1.0 means as
fast as this machine has been. Rows of a run below :data:`.flags.SLOW_SPEED` are flagged SLOW: their times are
high, and a later run on the same machine may well not repeat them. The **drift** is how much the reference moved
between rounds.
"""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mnv1_bench.environment import device_name, hostname
from mnv1_bench.errors import Trouble
from mnv1_bench.files import cache_folder, read_cache, update_cache
from mnv1_bench.timing.stats import quantile

REFERENCE_N = 256  # 2 x 256^3 = 34 MFLOP: well under a millisecond on one core, yet far above the clock's grain
REFERENCE_CALLS = 5
CACHE_FILE = "machine_speed.json"  # in the user's cache folder, see cache_path()

Reference = Callable[[], float]  # one probe: seconds per reference call (the median of REFERENCE_CALLS)


def reference() -> Reference:
    """A probe that times the reference matmul on the CPU with torch's current threads."""
    import torch

    a, b = torch.randn(REFERENCE_N, REFERENCE_N), torch.randn(REFERENCE_N, REFERENCE_N)
    out = torch.empty(REFERENCE_N, REFERENCE_N)
    torch.mm(a, b, out=out)  # first call: allocation and dispatch, not timed

    def probe() -> float:
        times = []
        for _ in range(REFERENCE_CALLS):
            start = time.perf_counter()
            torch.mm(a, b, out=out)
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    return probe


@dataclass(frozen=True)
class Speed:
    speed: float  # the fastest reference seen on this host / this run's median reference, at most 1.0
    drift: float  # (90th - 10th percentile) / median of the reference over the rounds
    reference_ms: float  # this run's median reference


def cache_path() -> Path:
    """$XDG_CACHE_HOME/mnv1-bench/machine_speed.json, or ~/.cache/mnv1-bench/machine_speed.json."""
    return cache_folder() / CACHE_FILE


def cache_key(threads: int) -> str:
    return f"{hostname()}|{device_name('cpu')}|threads={threads}"


def judge(reference_s: Sequence[float], threads: int, path: Path | None = None) -> Speed | None:
    """This run's speed against the fastest reference cached for this host and thread count (None without
    readings). A run faster than the cached one becomes the new fastest (its own speed is then 1.0)."""
    readings = sorted(s for s in reference_s if s > 0)
    if not readings:
        return None
    path = cache_path() if path is None else path
    median = statistics.median(readings)
    cached = read_cache(path)
    key = cache_key(threads)
    best = cached.get(key)
    usable = isinstance(best, int | float) and not isinstance(best, bool) and best > 0
    if usable and median / best > PLAUSIBLE:
        warnings.warn(Trouble(f"the machine-speed cache {path} says this machine once ran the reference "
                              f"{median / best:.0f}x faster than now, which no CPU does: it is replaced by this "
                              "run's reading"), stacklevel=2)  # fmt: skip
        usable = False
    global _recalibrating
    if not usable or median < best or _recalibrating:
        best, _recalibrating = median, False
        _save(path, {key: median})
    low, high = quantile(readings, 0.1), quantile(readings, 0.9)
    return Speed(speed=min(1.0, best / median), drift=(high - low) / median, reference_ms=median * 1e3)


PLAUSIBLE = 20.0  # a cached fastest reference more than this many times faster than now is a corrupt entry
_recalibrating = False


def recalibrate_default() -> None:
    """The next run judged starts the host's fastest reference afresh from its own (``time --recalibrate``)."""
    global _recalibrating
    _recalibrating = True


def _save(path: Path, entries: dict) -> None:
    try:
        update_cache(path, entries)
    except OSError as error:
        warnings.warn(Trouble(f"the machine-speed cache {path} cannot be written ({error.strerror or error}); "
                              "this run's speed is judged against itself"), stacklevel=2)  # fmt: skip
