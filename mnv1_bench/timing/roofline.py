"""Roofline floors: the least time a row could take if it ran at the device's peak matmul rate or copy bandwidth.

Peaks are measured by mnv1-bench, once per device, dtype and thread count, and cached as JSON in the user's
cache folder, ``$XDG_CACHE_HOME/mnv1-bench/roofline.json`` (``~/.cache/mnv1-bench/roofline.json`` without it).
The cache is a hint: an entry that is not a finite peak within PLAUSIBLE is ignored and measured again, and a
cache that cannot be written is one warning, after which the run keeps its peaks in memory:
- peak matmul rate: FLOP/s of a square ``torch.mm`` (2 FLOPs per multiply-accumulate), the best sample;
- copy bandwidth: bytes read plus bytes written per second by ``Tensor.copy_`` of a buffer far larger than
  the caches, the best sample.

Per row (all per call of ``batch`` images):
- compute floor = 2 x mult-adds x batch / peak matmul rate;
- memory floor = (weights read once + the input read once + every conv/FC output written once and read once
  x batch) x bytes per element / copy bandwidth;
- roofline_fraction = max(compute floor, memory floor) / measured median (1.0 = at the roofline).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from mnv1_bench.choices import BYTES_PER_ELEMENT, Dtype, torch_dtype
from mnv1_bench.environment import device_name, hostname, set_threads
from mnv1_bench.errors import Trouble
from mnv1_bench.files import cache_folder, read_cache, update_cache
from mnv1_bench.timing.clock import device_stopwatch, time_calls
from mnv1_bench.timing.config import TimingConfig

if TYPE_CHECKING:
    from mnv1_bench.counting import Cost

CACHE_FILE = "roofline.json"  # in the user's cache folder, see cache_path()
# Peaks outside these bounds are not measurements of any machine (a hand-edited or corrupt cache): FLOP/s from a
# slow CPU core's fp16 (~1e8) to a GPU's sparse fp8 (~1e16); bytes/s from a slow DIMM to HBM (~5e12).
PLAUSIBLE = {"matmul_flop_per_s": (1e6, 1e17), "copy_bytes_per_s": (1e6, 1e15)}
# Sizes chosen so one calibration takes seconds: the matmul is large enough to reach the BLAS/cuBLAS peak, the
# copy far larger than any cache (CPU L3 here is tens of MiB; an H100's L2 is 50 MiB). On CPU the matmul grows
# from 256 until one call takes MATMUL_CALL_S: fp16/bf16 without AVX512 run near 1 GFLOP/s, fp32 near 40.
MATMUL_N = {"cpu": 1024, "cuda": 8192}  # largest size tried
MATMUL_CALL_S = 0.02
COPY_BYTES = {"cpu": 256 * 2**20, "cuda": 2 * 2**30}
CALIBRATION_S = 0.5  # timed work per peak, seconds


@dataclass(frozen=True)
class Peaks:
    """A device's measured peaks at one dtype and thread count."""

    matmul_flop_per_s: float  # FLOP/s (2 FLOPs per multiply-accumulate)
    copy_bytes_per_s: float  # bytes read + bytes written per second
    device: str
    dtype: str
    threads: int
    device_name: str
    measured_utc: str = ""


@dataclass(frozen=True)
class Floors:
    compute_ms: float | None
    memory_ms: float | None
    fraction: float | None  # max(floors) / median

    @property
    def bound(self) -> str | None:
        """Which floor is higher: "compute" or "memory"."""
        if self.compute_ms is None or self.memory_ms is None:
            return None
        return "compute" if self.compute_ms >= self.memory_ms else "memory"


Calibrate = Callable[[str, str, int], Peaks]  # (device, dtype, threads) -> Peaks


def measure_peaks(device: str, dtype: str, threads: int) -> Peaks:
    """Time a square matmul and a large copy (the real calibration: seconds on CPU, under a second on GPU)."""
    import torch

    set_threads(threads)
    dt = torch_dtype(dtype)
    n = 256 if device == "cpu" else MATMUL_N[device]
    matmul = _matmul(n, device, dt)
    while n < MATMUL_N[device] and min(time_calls(matmul, 0.0).samples_s) < MATMUL_CALL_S:
        n *= 2
        matmul = _matmul(n, device, dt)
    src = torch.ones(COPY_BYTES[device] // 4, device=device, dtype=torch.float32)
    dst = torch.empty_like(src)

    # cuDNN runs fp32 convolutions in TF32 by default (torch.backends.cudnn.allow_tf32): the fp32 peak that
    # bounds them is TF32's, so matmuls may use it too while calibrating.
    tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = device == "cuda" and torch.backends.cudnn.allow_tf32
    try:
        with torch.inference_mode():
            mm = time_calls(matmul, CALIBRATION_S, device_stopwatch(device))
    finally:
        torch.backends.cuda.matmul.allow_tf32 = tf32
    with torch.inference_mode():
        copy = time_calls(lambda: dst.copy_(src), CALIBRATION_S, device_stopwatch(device))
    return Peaks(
        matmul_flop_per_s=2 * n**3 / min(mm.samples_s),
        copy_bytes_per_s=2 * src.numel() * src.element_size() / min(copy.samples_s),
        device=device,
        dtype=dtype,
        threads=threads,
        device_name=device_name(device),
        measured_utc=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def _matmul(n: int, device: str, dtype) -> Callable[[], object]:
    import torch

    a = torch.randn(n, n, device=device).to(dtype)
    b = torch.randn(n, n, device=device).to(dtype)
    out = torch.empty(n, n, device=device, dtype=dtype)
    return lambda: torch.mm(a, b, out=out)


def cache_path() -> Path:
    """$XDG_CACHE_HOME/mnv1-bench/roofline.json, or ~/.cache/mnv1-bench/roofline.json (never the current folder)."""
    return cache_folder() / CACHE_FILE


def valid_peaks(entry: object) -> Peaks | None:
    """A cached entry as Peaks, or None when it is not one (wrong fields, or a peak not finite and plausible)."""
    try:
        peaks = Peaks(**entry)  # type: ignore[arg-type]
    except TypeError:
        return None
    for field, (low, high) in PLAUSIBLE.items():
        value = getattr(peaks, field)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            return None
    return peaks


class PeakCache:
    """Peaks keyed by host, device name, dtype and threads, in a JSON file; calibrates on a miss.

    `recalibrate` measures each peak afresh once in this process (``time --recalibrate``), replacing the cached
    one. Peaks measured here are kept in memory too, so an unwritable cache costs one calibration, not one a row.
    """

    def __init__(self, path: Path | None = None, calibrate: Calibrate = measure_peaks, recalibrate: bool = False):
        self.path = cache_path() if path is None else Path(path)
        self.calibrate = calibrate
        self.recalibrate = recalibrate
        self.measured: dict[str, Peaks] = {}
        self.warned = False

    def key(self, device: str, dtype: str, threads: int) -> str:
        return f"{hostname()}|{device}|{device_name(device)}|{dtype}|threads={threads}"

    def load(self) -> dict[str, object]:
        return read_cache(self.path)

    def get(self, device: str, dtype: str, threads: int) -> Peaks:
        """The peaks measured in this process, else the cached ones if valid, else measured ones."""
        key = self.key(device, dtype, threads)
        if key in self.measured:
            return self.measured[key]
        cached = None if self.recalibrate else valid_peaks(self.load().get(key))
        return cached or self.remeasure(device, dtype, threads)

    def remeasure(self, device: str, dtype: str, threads: int) -> Peaks:
        """Measure again and keep the better of old and new for each peak: a calibration taken while another
        job was busy comes out low, and a later quiet one should replace it, never the other way round."""
        key = self.key(device, dtype, threads)
        entries = self.load()
        peaks = self.calibrate(device, dtype, threads)
        old = self.measured.get(key) or (None if self.recalibrate else valid_peaks(entries.get(key)))
        if old is not None and max(old.matmul_flop_per_s / peaks.matmul_flop_per_s,
                                   old.copy_bytes_per_s / peaks.copy_bytes_per_s) > STALE:  # fmt: skip
            warnings.warn(Trouble(f"the peak cache {self.path} holds peaks over {STALE:g}x what this machine "
                                  "measures now: they are replaced by this measurement"), stacklevel=2)  # fmt: skip
            old = None
        if old is not None:
            peaks = replace(peaks, matmul_flop_per_s=max(peaks.matmul_flop_per_s, old.matmul_flop_per_s),
                            copy_bytes_per_s=max(peaks.copy_bytes_per_s, old.copy_bytes_per_s))  # fmt: skip
        self.measured[key] = peaks
        try:
            update_cache(self.path, {key: asdict(peaks)})
        except OSError as error:
            if not self.warned:
                self.warned = True
                warnings.warn(Trouble(f"the peak cache {self.path} cannot be written ({error.strerror or error}); "
                                      "peaks are kept for this run only"), stacklevel=2)  # fmt: skip
        return peaks


STALE = 4.0  # cached peaks more than this many times above a fresh measurement are not this machine's

_default_cache: PeakCache | None = None


def default_cache() -> PeakCache:
    """The cache time_spec uses; `set_default_cache` swaps it (tests inject a fake calibration)."""
    global _default_cache
    if _default_cache is None:
        _default_cache = PeakCache()
    return _default_cache


def set_default_cache(cache: PeakCache | None) -> None:
    global _default_cache
    _default_cache = cache


def recalibrate_default() -> None:
    """Measure the default cache's peaks afresh, once each, in this process (``time --recalibrate``)."""
    default_cache().recalibrate = True


def bytes_moved(cost: Cost, batch: int, dtype: str) -> int:
    """Least bytes a forward pass moves: weights once, the input once, each conv/FC output written + read."""
    activations = sum(math.prod(layer.out_shape) for layer in cost.layers)
    image = math.prod(cost.layers[0].in_shape) if cost.layers else 0
    return (cost.weights + batch * (image + 2 * activations)) * BYTES_PER_ELEMENT[Dtype(dtype)]


def floors(cost: Cost, batch: int, dtype: str, peaks: Peaks, median_ms: float) -> Floors:
    """Compute and memory floors in milliseconds, and the larger one as a fraction of the measured median."""
    compute_ms = 2 * cost.mult_adds * batch / peaks.matmul_flop_per_s * 1e3
    memory_ms = bytes_moved(cost, batch, dtype) / peaks.copy_bytes_per_s * 1e3
    fraction = max(compute_ms, memory_ms) / median_ms if median_ms > 0 else None
    return Floors(compute_ms, memory_ms, fraction)


def floors_for(
    cost: Cost, config: TimingConfig, threads: int, median_ms: float, cache: PeakCache | None = None
) -> Floors:
    """Floors for one timing row, with peaks from `cache` (the default cache when None).

    A row faster than its floor shows that the cached peaks are too low (measured on a busy machine): they are
    measured again once, keeping the better values.
    """
    if config.dtype == Dtype.int8:
        raise RuntimeError("no int8 peak: torch has no int8 matmul to calibrate one with")
    cache = cache or default_cache()
    peaks = cache.get(config.device, config.dtype, threads)
    result = floors(cost, config.batch, config.dtype, peaks, median_ms)
    if result.fraction is not None and result.fraction > 1.0:
        peaks = cache.remeasure(config.device, config.dtype, threads)
        result = floors(cost, config.batch, config.dtype, peaks, median_ms)
    return result
