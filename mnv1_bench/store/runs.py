"""Run files: saving timing rows under results/ so that every finished row survives, and reading them back.

Each run writes its own JSON Lines file, ``results/time-<UTC>-<host>.jsonl``: one row per line, the row's fields
(raw samples included) followed by the environment it was measured in. The file is created exclusively (a run
started in the same second as another gets ``-2``, ``-3``, ... before ``.jsonl``), and each finished row is
appended, flushed and synced at once, so Ctrl-C, a crash or a second run never costs a finished row. A save
that fails (read-only folder, full disk) is a :class:`~mnv1_bench.errors.SaveFailed` warning, not an exception:
the run goes on, and the run file says how many rows it really saved.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import stat
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from mnv1_bench.errors import SaveFailed, Trouble, UsageProblem

if TYPE_CHECKING:
    import pandas as pd

RESULTS_DIR = Path("results")
RUN_GLOB = "time-*.jsonl"
ENV_FIELDS = (
    "utc", "hostname", "cpu_model", "cpu_cores", "gpu_name", "python", "torch", "torchvision", "onnxruntime",
    "env_threads", "git_commit", "command",
)  # fmt: skip
MAX_SUFFIX = 1000  # run files started in one second on one host, at most


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def environment(threads: int, argv: list[str] | None = None, when: datetime | None = None) -> dict:
    """The machine, software and command a row was measured with. `threads`: intra-op threads used."""
    from mnv1_bench import environment as machine

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
    """results/time-<UTC>-<host>.jsonl, e.g. results/time-20250101T120000Z-box.jsonl (the name a run asks for;
    :class:`RunFile` adds -2, -3, ... when another run has it)."""
    from mnv1_bench import environment as machine

    stamp = (when or utc_now()).strftime("%Y%m%dT%H%M%SZ")
    safe_host = "".join(c if c.isalnum() or c in "-." else "-" for c in (host or machine.hostname()))
    return Path(results_dir) / f"time-{stamp}-{safe_host}.jsonl"


def check_folder(option: str, folder: Path) -> None:
    """Raise UsageProblem (one line) unless `folder` is, or can be made, a writable folder: before any work."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageProblem(f"{option} {folder} exists and is not a folder")
    existing = next((p for p in (folder, *folder.absolute().parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        raise UsageProblem(f"{option} {folder}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageProblem(f"{option} {folder}: {existing} is not writable")


_recorded: list[RunFile] | None = None


@contextmanager
def recording() -> Iterator[list[RunFile]]:
    """Collect every RunFile made inside the block (the CLI says after each command what each one saved)."""
    global _recorded
    outer, _recorded = _recorded, []
    try:
        yield _recorded
    finally:
        _recorded = outer


class RunFile:
    """One run's rows: the file is created exclusively at the first row, and each row is appended and synced.

    `path` is the name asked for until the first row is saved, then the file's real name. `saved` counts the
    rows really on disk; `error` is the first OS error (after it, rows are no longer written)."""

    def __init__(self, path: Path, env: dict):
        self.path = Path(path)
        self.env = env
        self.saved = 0
        self.error = ""
        self._created = False
        if _recorded is not None:
            _recorded.append(self)

    def add(self, row: dict) -> bool:
        """Append one row; False (and a SaveFailed warning naming the file and the OS error) when it failed."""
        if self.error:
            return False
        from mnv1_bench.store.schema import SCHEMA_VERSION

        line = (json.dumps({"schema": SCHEMA_VERSION, **row, **self.env}, sort_keys=False) + "\n").encode("utf-8")
        try:
            if not self._created:
                self.path = _create_exclusive(self.path)
                self._created = True
            _append(self.path, line)
        except OSError as error:
            self.error = error.strerror or str(error)
            if self._created and self.saved == 0:  # a run file that holds no row is not left behind
                with contextlib.suppress(OSError):
                    self.path.unlink()
            warnings.warn(SaveFailed(f"could not save to {self.path}: {self.error}; timing goes on without saving"),
                          stacklevel=2)  # fmt: skip
            return False
        self.saved += 1
        return True


def _create_exclusive(wanted: Path) -> Path:
    """Create `wanted`, or wanted-2, wanted-3, ... when another run holds the name (O_EXCL: never shared)."""
    wanted.parent.mkdir(parents=True, exist_ok=True)
    for n in range(1, MAX_SUFFIX + 1):
        path = wanted if n == 1 else wanted.with_name(f"{wanted.stem}-{n}{wanted.suffix}")
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"{MAX_SUFFIX} run files already start with {wanted.stem}")


def _append(path: Path, data: bytes) -> None:
    """Append `data` and sync it; a write cut short (disk full, Ctrl-C) is cut off again: no half line stays."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        size = os.fstat(fd).st_size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException:  # OSError, or Ctrl-C / SIGTERM in the middle of the line
            os.ftruncate(fd, size)
            raise
    finally:
        os.close(fd)


def load_results(results_dir: Path = RESULTS_DIR) -> pd.DataFrame:
    """Every saved timing row under `results_dir` (time-*.jsonl), with its provenance and a `source` column.

    A file that cannot be read (not UTF-8, not a regular file) or rows that are not valid timing rows (not JSON,
    or not what :mod:`.schema` allows: a field missing, of the wrong type or outside its bounds) are skipped, with
    one :class:`~mnv1_bench.errors.Trouble` warning per file naming the lines.
    """
    import pandas as pd

    records = []
    for path in sorted(Path(results_dir).glob(RUN_GLOB)):
        good, problem = _read_run_file(path)
        records += [{**record, "source": path.name} for record in good]
        if problem:
            warnings.warn(Trouble(f"skipped {problem} in {path}"), stacklevel=2)
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return pd.DataFrame(columns=["model", "device", "backend", "dtype", "batch", "median_ms", *ENV_FIELDS])
    return frame


def _read_run_file(path: Path) -> tuple[list[dict], str]:
    """The timing rows of one run file, and what was skipped ("" when nothing was). Only a regular file is
    opened: a FIFO or a device named like a run file would block the read for ever."""
    from mnv1_bench.store import schema

    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return [], "the whole file (it is not a regular file)"
        lines = path.read_bytes().decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        reason = "it is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else error.strerror or str(error)
        return [], f"the whole file ({reason})"
    good, bad, reasons = [], 0, []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record, why = None, "not JSON"
        else:
            why = schema.problem(record)
        if why:
            bad += 1
            reasons.append(f"line {number}: {why}")
        else:
            good.append(record)
    if not bad:
        return good, ""
    return good, f"{bad} of {bad + len(good)} rows ({'; '.join(reasons[:3])}{'; ...' if bad > 3 else ''})"
