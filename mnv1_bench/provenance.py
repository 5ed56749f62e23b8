"""Where a timing row came from, and saving rows under results/ so that an interrupted run keeps what it finished.

Each ``mnv1-bench time`` run writes one JSON Lines file, ``results/time-<UTC>-<host>.jsonl``: one row per line,
the row's fields (raw samples included) followed by the environment it was measured in. The file is rewritten
whole (temp file + ``os.replace``) after every finished row, so Ctrl-C or a crash leaves a complete file.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import socket
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

RESULTS_DIR = Path("results")
RUN_GLOB = "time-*.jsonl"
ENV_FIELDS = (
    "utc", "hostname", "cpu_model", "cpu_cores", "gpu_name", "python", "torch", "torchvision", "onnxruntime",
    "env_threads", "git_commit", "command",
)  # fmt: skip


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


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


def environment(threads: int, argv: list[str] | None = None, when: datetime | None = None) -> dict:
    """The machine, software and command a row was measured with. `threads`: intra-op threads used."""
    from mnv1_bench.roofline import device_name

    gpu = None
    try:
        import torch

        if torch.cuda.is_available():
            gpu = torch.cuda.get_device_name()
    except ImportError:
        pass
    return {
        "utc": (when or utc_now()).isoformat(timespec="seconds"),
        "hostname": socket.gethostname(),
        "cpu_model": device_name("cpu"),
        "cpu_cores": os.cpu_count(),
        "gpu_name": gpu,
        "python": platform.python_version(),
        "torch": _version("torch"),
        "torchvision": _version("torchvision"),
        "onnxruntime": _version("onnxruntime") or _version("onnxruntime-gpu"),
        "env_threads": threads,
        "git_commit": git_commit(),
        "command": shlex.join(sys.argv if argv is None else argv),
    }


def run_path(results_dir: Path = RESULTS_DIR, when: datetime | None = None, host: str | None = None) -> Path:
    """results/time-<UTC>-<host>.jsonl, e.g. results/time-20250101T120000Z-box.jsonl."""
    stamp = (when or utc_now()).strftime("%Y%m%dT%H%M%SZ")
    safe_host = "".join(c if c.isalnum() or c in "-." else "-" for c in (host or socket.gethostname()))
    return Path(results_dir) / f"time-{stamp}-{safe_host}.jsonl"


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to a temp file in the same folder, then rename it over `path` (atomic on POSIX)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp's 0600 would make results unreadable to other users
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RunFile:
    """The rows of one run; `add` persists the file again, atomically, after each finished row."""

    def __init__(self, path: Path, env: dict):
        self.path = Path(path)
        self.env = env
        self.rows: list[dict] = []

    def add(self, row: dict) -> None:
        self.rows.append({**row, **self.env})
        write_atomic(self.path, "".join(json.dumps(r, sort_keys=False) + "\n" for r in self.rows))


def row_record(row) -> dict:
    """A TimingRow as saved: its JSON fields plus the raw samples (ms)."""
    return {**row.as_dict(), "samples_ms": list(row.samples_ms)}


def load_results(results_dir: Path = RESULTS_DIR) -> pd.DataFrame:
    """Every saved timing row under `results_dir` (time-*.jsonl), with its provenance and a `source` column.

    Unreadable lines are skipped (a file being written by another run is always whole, see RunFile).
    """
    import pandas as pd

    records = []
    for path in sorted(Path(results_dir).glob(RUN_GLOB)):
        try:
            lines = path.read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and "median_ms" in record:
                records.append({**record, "source": path.name})
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return pd.DataFrame(columns=["model", "device", "backend", "dtype", "batch", "median_ms", *ENV_FIELDS])
    return frame
