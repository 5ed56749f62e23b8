"""Run files: saving timing rows under results/ so that an interrupted run keeps what it finished, and reading them.

Each run writes one JSON Lines file, ``results/time-<UTC>-<host>.jsonl``: one row per line, the row's fields (raw
samples included) followed by the environment it was measured in. The file is rewritten whole (temp file + rename,
:func:`mnv1_bench.files.write_atomic`) after every finished row, so Ctrl-C or a crash leaves a complete file.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from mnv1_bench import environment as machine
from mnv1_bench.files import write_atomic

if TYPE_CHECKING:
    import pandas as pd

RESULTS_DIR = Path("results")
RUN_GLOB = "time-*.jsonl"
ENV_FIELDS = (
    "utc", "hostname", "cpu_model", "cpu_cores", "gpu_name", "python", "torch", "torchvision", "onnxruntime",
    "env_threads", "git_commit", "command",
)  # fmt: skip


class Row(Protocol):
    """What a saved row provides (a timing row): its JSON fields and its raw samples."""

    samples_ms: tuple[float, ...]

    def as_dict(self) -> dict: ...


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def environment(threads: int, argv: list[str] | None = None, when: datetime | None = None) -> dict:
    """The machine, software and command a row was measured with. `threads`: intra-op threads used."""
    return {
        "utc": (when or utc_now()).isoformat(timespec="seconds"),
        "hostname": machine.hostname(),
        "cpu_model": machine.device_name("cpu"),
        "cpu_cores": os.cpu_count(),
        "gpu_name": machine.gpu_name(),
        **machine.software_versions(),
        "env_threads": threads,
        "git_commit": machine.git_commit(),
        "command": shlex.join(sys.argv if argv is None else argv),
    }


def run_path(results_dir: Path = RESULTS_DIR, when: datetime | None = None, host: str | None = None) -> Path:
    """results/time-<UTC>-<host>.jsonl, e.g. results/time-20250101T120000Z-box.jsonl."""
    stamp = (when or utc_now()).strftime("%Y%m%dT%H%M%SZ")
    safe_host = "".join(c if c.isalnum() or c in "-." else "-" for c in (host or machine.hostname()))
    return Path(results_dir) / f"time-{stamp}-{safe_host}.jsonl"


class RunFile:
    """The rows of one run; `add` persists the file again, atomically, after each finished row."""

    def __init__(self, path: Path, env: dict):
        self.path = Path(path)
        self.env = env
        self.rows: list[dict] = []

    def add(self, row: dict) -> None:
        self.rows.append({**row, **self.env})
        write_atomic(self.path, "".join(json.dumps(r, sort_keys=False) + "\n" for r in self.rows))


def row_record(row: Row) -> dict:
    """A timing row as saved: its JSON fields plus the raw samples (ms)."""
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
