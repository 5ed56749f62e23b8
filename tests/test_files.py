"""The one atomic write: folders made, the umask respected, the old file kept and no temporary left on failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mnv1_bench.files import write_atomic


def test_write_atomic_creates_folders_respects_the_umask_and_cleans_up(tmp_path, monkeypatch):
    target = tmp_path / "new" / "deeper" / "rows.jsonl"
    old = os.umask(0o022)
    try:
        write_atomic(target, "a\n")
    finally:
        os.umask(old)
    assert target.read_text() == "a\n"
    assert target.stat().st_mode & 0o777 == 0o644
    write_atomic(target, "b\n")  # replaces
    assert target.read_text() == "b\n" and sorted(p.name for p in target.parent.iterdir()) == ["rows.jsonl"]

    renamed = []

    def fail(source, destination):
        renamed.append((Path(source), Path(destination)))
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "c\n")
    assert target.read_text() == "b\n" and sorted(p.name for p in target.parent.iterdir()) == ["rows.jsonl"]
    ((source, destination),) = renamed  # the temporary file sat beside the target (same file system: atomic)
    assert destination == target and source.parent == target.parent
    assert source.name.startswith(".rows.jsonl.") and source.name.endswith(".tmp")


def test_a_failed_write_names_the_file_asked_for(tmp_path, monkeypatch):
    target = tmp_path / "fig.png"

    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as raised:
        write_atomic(target, b"png")
    assert raised.value.filename == str(target) and raised.value.strerror == "No space left on device"
    assert list(tmp_path.iterdir()) == []  # no temporary file, no empty target


def test_runs_updating_one_cache_together_keep_every_entry(tmp_path):
    import threading

    from mnv1_bench.files import read_cache, update_cache

    path, start = tmp_path / "cache.json", threading.Barrier(12)

    def update(i: int) -> None:
        start.wait()
        update_cache(path, {f"threads={i}": i})

    workers = [threading.Thread(target=update, args=(i,)) for i in range(12)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert read_cache(path) == {f"threads={i}": i for i in range(12)}  # no update lost
