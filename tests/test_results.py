"""Run files under fault: two runs in the same second, a full disk, a read-only folder, corrupt files to read."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mnv1_bench.errors import SaveFailed, Trouble, UsageProblem
from mnv1_bench.store import runs as results
from mnv1_bench.store.runs import load_results
from mnv1_bench.store.schema import SCHEMA_VERSION

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
ROW = {"model": "mobilenet-1.0-224", "device": "cpu", "backend": "eager", "dtype": "fp32", "batch": 1, "median_ms": 2.5,
       "mult_adds": 568_740_352}  # fmt: skip

WRITER = textwrap.dedent("""
    import sys, time
    from datetime import datetime, timezone
    from pathlib import Path
    from mnv1_bench.store import runs as results
    folder, tag = Path(sys.argv[1]), sys.argv[2]
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)  # both processes: the same second
    run = results.RunFile(results.run_path(folder, when=when, host="box"), {"writer": tag})
    for i in range(5):
        run.add({"model": "m", "device": "cpu", "median_ms": 1.0 + i, "mult_adds": 1, "batch": i + 1})
        time.sleep(0.02)
    print(run.path, run.saved)
""")


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_two_processes_in_the_same_second_keep_every_row(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), tag], stdout=subprocess.PIPE, env=env,
                              text=True) for tag in ("a", "b")]  # fmt: skip
    outputs = [p.communicate(timeout=120)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    files = sorted(tmp_path.glob("time-*.jsonl"))
    assert [f.name for f in files] == ["time-20260102T030405Z-box-2.jsonl", "time-20260102T030405Z-box.jsonl"]
    assert sorted(Path(path).name for path, _ in outputs) == [f.name for f in files]
    assert [saved for _, saved in outputs] == ["5", "5"]
    writers = sorted({row["writer"] for row in lines(f)}.pop() for f in files)
    assert writers == ["a", "b"]  # each file holds one run's rows only
    for f in files:
        assert [row["batch"] for row in lines(f)] == [1, 2, 3, 4, 5]


def test_two_run_files_in_one_process_never_share_a_name(tmp_path):
    first, second = (results.RunFile(results.run_path(tmp_path, when=WHEN, host="box"), {}) for _ in range(2))
    assert first.add(ROW) and second.add(ROW) and first.add(ROW)
    assert first.path != second.path and len(lines(first.path)) == 2 and len(lines(second.path)) == 1


def test_each_row_is_on_disk_as_soon_as_it_is_added(tmp_path):
    run = results.RunFile(tmp_path / "time-x.jsonl", {"host": "h"})
    assert not run.path.exists()  # nothing is created before the first row
    run.add(ROW)
    assert lines(run.path) == [{"schema": SCHEMA_VERSION, **ROW, "host": "h"}]  # the schema leads
    run.add({**ROW, "batch": 2})
    assert [r["batch"] for r in lines(run.path)] == [1, 2] and run.saved == 2


def test_a_full_disk_is_a_warning_the_half_row_is_cut_off_and_the_count_is_true(tmp_path, monkeypatch):
    run = results.RunFile(tmp_path / "time-x.jsonl", {})
    run.add(ROW)
    real_write = os.write

    def half_then_full(fd, data):
        real_write(fd, bytes(data[:10]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(results.os, "write", half_then_full)
    with pytest.warns(SaveFailed, match=r"could not save to .*time-x.jsonl: No space left on device"):
        assert run.add({**ROW, "batch": 2}) is False
    monkeypatch.undo()
    assert run.add({**ROW, "batch": 3}) is False  # no half-saved run: after a failure, rows stay in memory
    assert lines(run.path) == [{"schema": 2, **ROW}] and run.saved == 1 and run.error == "No space left on device"


def test_a_full_disk_at_the_first_row_leaves_no_empty_run_file(tmp_path, monkeypatch):
    run = results.RunFile(tmp_path / "time-x.jsonl", {})

    def full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(results.os, "write", full)
    with pytest.warns(SaveFailed, match=r"could not save to .*time-x.jsonl: No space left on device"):
        assert run.add(ROW) is False
    assert list(tmp_path.iterdir()) == [] and run.saved == 0  # created, then removed: it held no row


def test_a_read_only_folder_is_a_warning_with_nothing_saved(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(results.os, "open", refuse)
    run = results.RunFile(tmp_path / "time-x.jsonl", {})
    with pytest.warns(SaveFailed, match="Permission denied"):
        assert run.add(ROW) is False
    assert run.saved == 0 and not run.path.exists()


def test_recording_collects_the_run_files_of_a_command(tmp_path):
    with results.recording() as made:
        run = results.RunFile(tmp_path / "time-x.jsonl", {})
    assert made == [run]
    assert results.RunFile(tmp_path / "time-y.jsonl", {}) not in made


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda p: p.write_text("x"), "exists and is not a folder"),
        (lambda p: (p.parent / "file").write_text("x"), "is not a folder"),
    ],
)
def test_an_output_folder_that_cannot_be_one_is_a_usage_problem(tmp_path, setup, message):
    target = tmp_path / "out"
    setup(target)
    folder = target if target.exists() else tmp_path / "file" / "results"
    with pytest.raises(UsageProblem, match=message):
        results.check_folder("--results", folder)
    results.check_folder("--results", tmp_path / "new" / "deeper")  # to be made: fine
    assert not (tmp_path / "new").exists()  # checking writes nothing


def write_lines(path: Path, *records) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records))
    return path


def test_readers_skip_bad_files_and_rows_with_one_warning_per_file(tmp_path):
    write_lines(tmp_path / "time-1-good.jsonl", ROW)
    latin1 = json.dumps({**ROW, "model": "caf\u00e9"}, ensure_ascii=False).encode("latin-1")
    (tmp_path / "time-2-latin1.jsonl").write_bytes(latin1)
    write_lines(tmp_path / "time-3-mixed.jsonl", {**ROW, "median_ms": "fast"}, {**ROW, "batch": 2},
                "{not json", {"model": "x"}, [1, 2], {**ROW, "median_ms": float("nan")})  # fmt: skip
    (tmp_path / "time-4-folder.jsonl").mkdir()
    with pytest.warns(Trouble) as caught:
        frame = results.load_results(tmp_path)
    assert list(frame["batch"]) == [1, 2] and list(frame["source"]) == ["time-1-good.jsonl", "time-3-mixed.jsonl"]
    messages = [str(w.message) for w in caught]
    assert len(messages) == 3, messages
    assert "the whole file (it is not UTF-8 text)" in messages[0] and "time-2-latin1" in messages[0]
    assert messages[1].startswith(
        'skipped 5 of 6 rows (line 1: median_ms is "fast": not a number in [1e-06, 1e+07]; line 3: not'
    )
    assert "time-4-folder" in messages[2]


def test_a_corrupt_results_file_does_not_stop_tables_from_drawing_the_latency_figure(tmp_path):
    from mnv1_bench.tables.latency import latency_frame

    write_lines(tmp_path / "time-1.jsonl", ROW, {**ROW, "median_ms": "1.0"})
    (tmp_path / "time-2.jsonl").write_bytes(b"\xff\xfe\x00")
    with pytest.warns(Trouble):
        points = latency_frame(results.load_results(tmp_path))
    assert list(points["median_ms"]) == [2.5]


def test_load_results_skips_unreadable_lines_and_keeps_reading(tmp_path):
    lines = ["not json", json.dumps([1, 2]), json.dumps({"model": "x"}), json.dumps({"model": "a", "median_ms": 1.0}),
             "{broken", json.dumps({"model": "b", "median_ms": 2.0})]  # fmt: skip
    (tmp_path / "time-1-a.jsonl").write_text("\n".join(lines) + "\n")
    (tmp_path / "time-2-b.jsonl").write_text(json.dumps({"model": "c", "median_ms": 3.0}) + "\n")
    (tmp_path / "other.jsonl").write_text(json.dumps({"model": "z", "median_ms": 9.0}) + "\n")
    (tmp_path / "time-0-dir.jsonl").mkdir()  # unreadable as a file: skipped, the others still read
    frame = load_results(Path(tmp_path))
    assert list(frame["model"]) == ["a", "b", "c"]
    assert list(frame["source"]) == ["time-1-a.jsonl", "time-1-a.jsonl", "time-2-b.jsonl"]


def test_load_results_of_nothing_has_the_columns_readers_expect(tmp_path):
    frame = load_results(tmp_path)
    assert frame.empty
    assert list(frame.columns[:6]) == ["model", "device", "backend", "dtype", "batch", "median_ms"]
    assert {"hostname", "git_commit", "utc"} <= set(frame.columns)
