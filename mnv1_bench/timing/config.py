"""What to time: one device, batch size, dtype and backend (checked by :func:`mnv1_bench.timing.run.validate`)."""

from __future__ import annotations

from dataclasses import dataclass

from mnv1_bench.choices import Backend, Device, Dtype


@dataclass(frozen=True)
class TimingConfig:
    """What to time: one device, batch size, dtype and backend."""

    device: Device = Device.cpu
    batch: int = 1  # images per call
    dtype: Dtype = Dtype.fp32  # weights and inputs
    backend: Backend = Backend.eager
    channels_last: bool = False  # NHWC memory format for weights and inputs (PyTorch backends)
    threads: int | None = None  # intra-op CPU threads; None: every core this process may use
    min_time_s: float = 1.0  # timed work to collect, in seconds, after the warm-up
    fold_bn: bool = True  # fold eval-mode batch norm into the preceding conv (PyTorch backends)
    calibration: str | None = None  # int8: a folder of images to calibrate on; None: a seeded synthetic set
