"""The machine a measurement ran on: device names, cores, the thread setting, software versions, host, commit,
and how much CPU other processes were using.

Nothing here measures; everything is read from the OS, the installed packages and git, so that every timing row,
peak calibration and written section can say where it came from.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path


def device_name(device: str) -> str:
    """The GPU's name, or the CPU's model name."""
    if device == "cuda":
        import torch

        return torch.cuda.get_device_name()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def gpu_name() -> str | None:
    """The first CUDA device's name, None without one (or without torch)."""
    try:
        import torch
    except ImportError:
        return None
    return torch.cuda.get_device_name() if torch.cuda.is_available() else None


def available_cores() -> int:
    """Cores this process may run on (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity mask
        return os.cpu_count() or 1


def default_threads() -> int:
    """Intra-op threads when none are asked for: every core this process may use but one (at least one).

    The core left over takes whatever else wakes up on the machine. With every core busy with the tool, a neighbour
    that takes one core stalls a thread of every parallel op, and each op waits for its slowest thread: on a 2-core
    machine beside a process that kept one core busy, eager MobileNet-224 ran 20-90x slower at 2 threads, and
    unevenly, while at 1 thread it ran steadily (docs/timing-method.md gives the measurements).
    """
    return max(1, available_cores() - 1)


def set_threads(threads: int | None) -> int:
    """Set PyTorch's intra-op threads explicitly and return the number set (None: :func:`default_threads`)."""
    import torch

    n = default_threads() if threads is None else threads
    torch.set_num_threads(n)
    return n


def hostname() -> str:
    return socket.gethostname()


def package_version(package: str) -> str | None:
    """An installed distribution's version, None when it is not installed."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def software_versions() -> dict[str, str | None]:
    """Python and the packages that decide how fast a model runs."""
    return {
        "python": platform.python_version(),
        "torch": package_version("torch"),
        "torchvision": package_version("torchvision"),
        "onnxruntime": package_version("onnxruntime") or package_version("onnxruntime-gpu"),
    }


def git_commit(path: Path | None = None) -> str | None:
    """The commit of the tool's own checkout, with "-dirty" when tracked files differ; None outside git."""
    where = path or Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=where,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}-dirty" if dirty else commit


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU time counters at one moment, for telling what other processes used between two snapshots."""

    wall_s: float  # a monotonic clock
    busy_s: float  # CPU-seconds every core spent not idle since boot (user, system, irq, steal), all processes
    own_s: float  # CPU-seconds this process used (user + system, all its threads)


def cpu_snapshot() -> CpuSnapshot | None:
    """Read /proc/stat's first line and this process's times; None where /proc/stat does not exist."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    # cpu user nice system idle iowait irq softirq steal [guest guest_nice]; guest time is already in user.
    ticks = [int(v) for v in fields[1:9]]
    busy = sum(ticks) - ticks[3] - ticks[4]  # everything but idle and iowait
    own = os.times()
    return CpuSnapshot(time.monotonic(), busy / os.sysconf("SC_CLK_TCK"), own.user + own.system)


def others_cores(before: CpuSnapshot, after: CpuSnapshot) -> float:
    """Cores' worth of CPU that other processes (and the hypervisor, as steal) used between two snapshots."""
    wall = after.wall_s - before.wall_s
    if wall <= 0:
        return 0.0
    return max(0.0, (after.busy_s - before.busy_s) - (after.own_s - before.own_s)) / wall


def load_average() -> float | None:
    """The 1-minute load average (runnable processes, this one included), None where the OS has none."""
    try:
        return os.getloadavg()[0]
    except (OSError, AttributeError):
        return None
