"""The machine a measurement ran on: device names, cores, the thread setting, software versions, host, commit.

Nothing here measures; everything is read from the OS, the installed packages and git, so that every timing row,
peak calibration and written section can say where it came from.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
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


def set_threads(threads: int | None) -> int:
    """Set PyTorch's intra-op threads explicitly and return the number set (None: every available core)."""
    import torch

    n = available_cores() if threads is None else threads
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
