"""The one way mnv1-bench writes a file: a temporary file in the same folder, then a rename over the target; and
the one folder its caches live in (:func:`cache_folder`), with how a JSON cache is read and written.

A reader (or a run cut short by Ctrl-C or a crash) sees either the old file or the new one, never half of one.
Results, the roofline cache, tables, figures and the proxy section all go through :func:`write_atomic`.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write `data` (text as UTF-8 with Unix newlines, or bytes) to `path` atomically; returns `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp's 0600 would make results unreadable to other users
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:  # named by the file the user asked for, not the temporary one beside it
        Path(tmp).unlink(missing_ok=True)
        raise OSError(error.errno, error.strerror or str(error), str(path)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def cache_folder() -> Path:
    """$XDG_CACHE_HOME/mnv1-bench, or ~/.cache/mnv1-bench where it is unset or relative (the XDG spec ignores a
    relative path): where the roofline peaks, the machine's speed and the library names are cached, never the
    current folder."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    return (Path(base) if Path(base).is_absolute() else Path.home() / ".cache") / "mnv1-bench"


def read_cache(path: Path) -> dict:
    """A JSON cache's entries: {} when the file is missing, unreadable, not JSON or not an object (a cache is a
    hint, never a reason to fail)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def update_cache(path: Path, changes: dict) -> dict:
    """Merge `changes` into a JSON cache and write it atomically, under an exclusive lock on ``PATH.lock``, so
    that runs updating one cache at the same time each keep their entries; returns what was written. OSError when
    it cannot be written (the caller says what that costs)."""
    import fcntl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        entries = read_cache(path) | changes
        write_atomic(path, json.dumps(entries, indent=2, sort_keys=True) + "\n")
    return entries
