"""Faults through the command line: a save that fails, SIGTERM and Ctrl-C, files only where the user expects."""

from __future__ import annotations

import errno
import json
import os
import signal
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mnv1_bench import cli, environment
from mnv1_bench.cli import app
from mnv1_bench.store import runs as results
from mnv1_bench.timing import exports, onnx_runtime, roofline, rounds, run

TINY = "mobilenet-0.25-64"
OTHER = "conv-mobilenet-0.25-64"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch, fake_timing):
    """An empty working folder, the clock-free timing stand-in, and a fake calibration in XDG_CACHE_HOME."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(run, "cpu_snapshot", quiet_machine())  # no BUSY line from whatever else runs here
    roofline.set_default_cache(roofline.PeakCache(calibrate=lambda d, t, n: roofline.Peaks(5e10, 1e10, d, t, n, "x")))
    yield work
    roofline.set_default_cache(None)


def quiet_machine():
    """A load probe on which no other process ever uses the CPU."""
    clock = iter(range(1, 1_000_000))
    return lambda: environment.CpuSnapshot(float(next(clock)), 0.0, 0.0)


def invoke(*args: str):
    return CliRunner().invoke(app, ["time", *args, "--min-time", "0.05", "--format", "csv"])


def test_a_save_that_fails_is_one_warning_the_table_still_prints_and_the_exit_code_is_1(isolated, monkeypatch):
    def read_only(wanted):
        raise PermissionError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(results, "_create_exclusive", read_only)
    result = invoke(TINY, OTHER)
    assert result.exit_code == cli.SAVE_FAILED_EXIT == 1
    assert [line.split(",")[0] for line in result.stdout.splitlines()[1:]] == [TINY, OTHER]  # both still timed
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"warning: could not save to results/time-{lines[0].split('time-')[1].split(':')[0]}: "
        "Read-only file system; timing goes on without saving",
        f"saved 0 rows to results/time-{lines[1].split('time-')[1]}",
    ]
    assert "Traceback" not in result.output and not (isolated / "results").exists()


def test_no_save_writes_nothing_in_the_working_folder(isolated):
    result = invoke(TINY, "--no-save")
    assert result.exit_code == 0, result.output
    assert list(isolated.iterdir()) == [] and "saved" not in result.stderr


def test_saving_says_where(isolated):
    result = invoke(TINY, OTHER)
    (saved,) = (isolated / "results").glob("time-*.jsonl")
    assert result.stderr.strip().splitlines()[-1] == f"saved 2 rows to results/{saved.name}"
    assert [json.loads(line)["model"] for line in saved.read_text().splitlines()] == [TINY, OTHER]


@pytest.mark.parametrize("command", [["compare", TINY, "--time"], ["sweep", "--alphas", "0.25", "--resolutions",
                                                                    "64", "--time"]])  # fmt: skip
def test_compare_and_sweep_say_where_they_saved(isolated, command):
    result = CliRunner().invoke(app, [*command, "--min-time", "0.05", "--format", "csv"])
    assert result.exit_code == 0, result.output
    (saved,) = (isolated / "results").glob("time-*.jsonl")
    assert result.stderr.strip().splitlines()[-1].startswith("saved ") and f"results/{saved.name}" in result.stderr


def interrupt_in_round_two(monkeypatch, interrupt):
    """`interrupt()` at the first slice of round 2 of two models: round 1's two rows are whole."""
    real = rounds.sample
    calls = []

    def sample(*args):
        calls.append(1)
        if len(calls) == 3:
            interrupt()
        return real(*args)

    monkeypatch.setattr(rounds, "sample", sample)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_print_one_line_naming_the_signal_and_what_was_saved(isolated, monkeypatch, signum, code):
    before = signal.getsignal(signum)
    interrupt_in_round_two(monkeypatch, lambda: os.kill(os.getpid(), signum))
    result = invoke(TINY, OTHER)
    assert result.exit_code == 128 + signum == code
    (saved,) = (isolated / "results").glob("time-*.jsonl")
    *warnings, last = result.stderr.strip().splitlines()
    assert last == f"interrupted by {signal.Signals(signum).name}: 2 rows saved to results/{saved.name}"
    assert all("unstable (only " in line for line in warnings)  # one round's samples are few, and said
    rows = [json.loads(line) for line in saved.read_text().splitlines()]
    assert [row["model"] for row in rows] == [TINY, OTHER] and {row["rounds"] for row in rows} == {1}
    assert TINY in result.stdout and OTHER in result.stdout  # the whole round, shown and kept
    assert signal.getsignal(signum) == before  # the handler is the command's only


def test_ctrl_c_before_any_row_is_one_line_and_exit_130(isolated, monkeypatch):
    def interrupt(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(rounds, "sample", interrupt)  # in the first round: no whole round, no row
    result = invoke(TINY)
    assert result.exit_code == 130 and result.stdout == ""
    assert result.stderr == "interrupted: no rows saved\n"  # no empty line before it


def test_sigterm_mid_export_removes_the_temporary_onnx_folder(tmp_path, monkeypatch, counted):
    from mnv1_bench.timing.config import TimingConfig

    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    seen = []

    def export_then_terminated(model, x, path):
        Path(path).write_bytes(b"half an onnx file")
        seen.append(Path(path).parent)
        os.kill(os.getpid(), signal.SIGTERM)  # the CLI's handler raises where the export is

    monkeypatch.setattr(exports, "export_onnx", export_then_terminated)
    spec, _ = counted(TINY)
    with cli._signals(), pytest.raises(cli.Terminated):
        onnx_runtime.onnxruntime_backend(spec, TimingConfig(backend="onnxruntime"), 1)
    assert seen and seen[0].name.startswith("mnv1-bench-onnx-") and not seen[0].exists()
    assert list(temp.iterdir()) == []
