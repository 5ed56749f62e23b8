"""`mnv1-bench time` through Typer's CliRunner: rows, ratios, saving, interruption, warnings, bad input."""

from __future__ import annotations

import json
import re

import pytest
import torch
from typer.testing import CliRunner

from mnv1_bench.cli import app
from mnv1_bench.store import runs as results
from mnv1_bench.timing import backends, clock, roofline, rounds

runner = CliRunner()
TINY = "mobilenet-0.25-64"
FAST = ("--min-time", "0.05")
REQUIRED = {"model", "device", "backend", "dtype", "batch", "median_ms", "iqr_ms", "p90_ms", "runs",
            "throughput_per_s", "mult_adds", "roofline_fraction"}  # fmt: skip


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Each test runs in an empty folder (results/ lands there) with a fake, instant peak calibration."""
    monkeypatch.chdir(tmp_path)

    def calibrate(device, dtype, threads):
        return roofline.Peaks(5e10, 1e10, device, dtype, threads, "fake")

    roofline.set_default_cache(roofline.PeakCache(tmp_path / "peaks.json", calibrate))
    threads = torch.get_num_threads()
    yield tmp_path
    torch.set_num_threads(threads)  # the command sets threads for the whole process
    roofline.set_default_cache(None)


def invoke(*args: str):
    return runner.invoke(app, ["time", *args])


def test_json_rows_for_two_batches(isolated, counted):
    result = invoke(TINY, "--batch", "1,2", "--threads", "1", *FAST, "--format", "json", "--no-save")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)  # nothing else on stdout: the progress bar is on stderr
    assert [r["batch"] for r in rows] == [1, 2]
    _, cost = counted(TINY)
    for row in rows:
        assert REQUIRED <= set(row)
        assert (row["model"], row["device"], row["backend"], row["dtype"]) == (TINY, "cpu", "eager", "fp32")
        assert row["mult_adds"] == cost.mult_adds and row["threads"] == 1 and row["runs"] >= clock.MIN_RUNS
        assert row["throughput_per_s"] == pytest.approx(row["batch"] / row["median_ms"] * 1e3)
        assert 0 < row["roofline_fraction"]
        assert row["p90_ms"] >= row["median_ms"] > 0
    assert not (isolated / "results").exists()  # --no-save


def test_save_writes_rows_with_provenance(isolated):
    result = invoke(TINY, *FAST, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("model,device,backend,dtype,batch")
    files = list((isolated / "results").glob("time-*.jsonl"))
    assert len(files) == 1 and f"saved 1 row to results/{files[0].name}" in result.stderr
    row = json.loads(files[0].read_text())
    assert len(row["samples_ms"]) == row["runs"] and row["command"] and row["hostname"] and row["torch"]
    frame = results.load_results(isolated / "results")
    assert list(frame["model"]) == [TINY] and frame["median_ms"].item() == row["median_ms"]


def test_two_models_show_mult_add_ratio_beside_speed_up(counted):
    other = "conv-mobilenet-0.25-64"
    result = invoke(TINY, other, *FAST, "--no-save")
    assert result.exit_code == 0, result.output
    ratio = counted(other)[1].mult_adds / counted(TINY)[1].mult_adds  # counted independently of the command
    assert "Mult-adds ÷ #1" in result.stdout and "Time ÷ #1" in result.stdout
    assert f"{ratio:.2f}x" in result.stdout
    assert f"{TINY} needs {ratio:.1f}x fewer mult-adds than {other} (counted) and runs" in result.stdout

    rows = json.loads(invoke(TINY, other, *FAST, "--no-save", "--format", "json").stdout)
    assert rows[0]["mult_adds_vs_first"] == 1.0 and rows[1]["mult_adds_vs_first"] == pytest.approx(ratio)
    assert rows[0]["time_vs_first"] == 1.0 and rows[1]["time_vs_first"] == rows[1]["ratio_to_first"]  # paired
    assert rows[1]["ratio_low"] <= rows[1]["time_vs_first"] <= rows[1]["ratio_high"]


class ScriptedStopwatch:
    """Reads each timed region as the next of `durations` (cycled), whatever the model really took."""

    def __init__(self, *durations: float):
        self.durations, self.reads = durations, 0

    def start(self) -> None:
        pass

    def stop(self) -> float:
        self.reads += 1
        return self.durations[(self.reads - 1) % len(self.durations)]


def test_unstable_rows_are_flagged_and_warned(monkeypatch):
    spread = (0.010, 0.020, 0.011, 0.030, 0.012)  # CV far above 10%
    watch = ScriptedStopwatch(*spread)
    monkeypatch.setattr(backends, "stopwatch", lambda config: watch)
    result = invoke(TINY, *FAST, "--no-save")
    assert result.exit_code == 0, result.output
    assert "UNSTABLE" in result.stdout
    assert f"warning: {TINY} eager fp32 batch 1 on cpu: unstable (CV" in result.stderr
    # 3 warm-up reads, then one 10 ms sample per round: 30, 12, 10, 20, 11 ms, whose median is 12 ms.
    assert watch.reads == 3 + 5 and "12.000" in result.stdout


def test_busy_machine_flags_rows_with_one_warning_line(machine_load):
    machine_load(1.5)
    result = invoke(TINY, "--batch", "1,2", *FAST, "--no-save", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["busy"], r["load_others_cores"]) for r in rows] == [(True, pytest.approx(1.5))] * 2
    warnings = [line for line in result.stderr.splitlines() if "BUSY" in line]
    assert len(warnings) == 1 and "2 of 2 rows" in warnings[0] and "wait for a quieter machine" in warnings[0]

    machine_load(0.0)
    quiet = invoke(TINY, *FAST, "--no-save", "--format", "json")
    assert json.loads(quiet.stdout)[0]["busy"] is False and "BUSY" not in quiet.stderr


def test_second_row_has_a_ratio_interval_and_verdict(monkeypatch):
    times = {1: 0.010, 2: 0.030}  # batch 2 reads three times slower per call, every sample
    monkeypatch.setattr(backends, "stopwatch", lambda config: ScriptedStopwatch(times[config.batch]))
    result = invoke(TINY, "--batch", "1,2", *FAST, "--no-save")
    assert result.exit_code == 0, result.output
    assert "Time ÷ #1 (95% CI)" in result.stdout and "3.00 [3.00–3.00]" in result.stdout
    assert re.search(r"3\.00 \[3\.00–3\.00\]\s*│\s*slower", result.stdout)
    rows = json.loads(invoke(TINY, "--batch", "1,2", *FAST, "--no-save", "--format", "json").stdout)
    assert rows[0]["verdict"] == "" and rows[1]["verdict"] == "slower"
    assert rows[1]["ratio_low"] == rows[1]["ratio_to_first"] == rows[1]["ratio_high"] == pytest.approx(3.0)


def test_ctrl_c_keeps_whole_rounds(isolated, monkeypatch):
    real = rounds.sample
    calls = []

    def interrupt_in_round_two(*args):
        calls.append(1)
        if len(calls) == 4:  # three batches per round: the first slice of round 2
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(rounds, "sample", interrupt_in_round_two)
    result = invoke(TINY, "--batch", "1,2,4", *FAST)
    assert result.exit_code == 130
    (saved,) = (isolated / "results").glob("time-*.jsonl")
    assert TINY in result.stdout
    assert result.stderr.splitlines()[-1] == f"interrupted: 3 rows saved to results/{saved.name}"
    lines = [json.loads(line) for line in saved.read_text().splitlines()]
    assert [row["batch"] for row in lines] == [1, 2, 4] and {row["rounds"] for row in lines} == {1}


def test_markdown_table():
    result = invoke(TINY, *FAST, "--no-save", "--format", "md")
    assert result.exit_code == 0
    assert "| Model" in result.stdout and "Median (ms) |" in result.stdout and TINY in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        ([TINY, "--batch", "0"], "--batch takes positive integers"),
        ([TINY, "--batch", "1,x"], "--batch takes positive integers"),
        ([TINY, "--dtype", "fp8"], "--dtype: unknown value 'fp8'"),
        ([TINY, "--backend", "tensorrt"], "--backend: unknown value 'tensorrt'"),
        ([TINY, "--backend", ","], "--backend needs at least one"),
        ([TINY, "--backend", "cudagraph"], "needs --device cuda"),
        ([TINY, "--backend", "onnxruntime", "--dtype", "bf16"], "not bf16"),
        ([TINY, "--threads", "0"], "--threads must be at least 1"),
        ([TINY, "--min-time", "0"], "--min-time must be a positive number"),
        ([TINY, "--min-time", "inf"], "--min-time must be a positive number"),
        ([TINY, "--rounds", "0"], "--rounds must be from 1 to 10,000, got 0"),
        ([TINY, "--device", "tpu"], "--device"),
        (["mobilenett"], "unknown model 'mobilenett'"),
        ([], "Missing argument"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mnv1-bench: error:") and message in lines[0], lines
    assert "Traceback" not in result.output


def test_cuda_without_a_gpu_is_one_line_and_exit_2(monkeypatch):
    monkeypatch.setattr(backends, "cuda_available", lambda: False)
    result = invoke(TINY, "--device", "cuda")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        "mnv1-bench: error: --device cuda needs an NVIDIA GPU, but torch.cuda.is_available() is False here"
    )


@pytest.mark.cuda
def test_cuda_rows(isolated):
    args = (TINY, "--device", "cuda", "--backend", "eager,cudagraph", "--dtype", "fp32,fp16", "--batch", "1,8")
    result = invoke(*args, *FAST, "--format", "json", "--no-save")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 8 and {r["device"] for r in rows} == {"cuda"}
    assert {(r["backend"], r["dtype"]) for r in rows} == {(b, d) for b in ("eager", "cudagraph")
                                                          for d in ("fp32", "fp16")}  # fmt: skip
    assert all(r["median_ms"] > 0 and r["roofline_fraction"] > 0 for r in rows)


def test_time_ratio_is_the_ratio_of_measured_medians(fake_timing, counted):
    """The stand-in's latencies (1.25 ms, 3.0 ms) are unrelated to mult-adds: each column keeps its own source."""
    result = invoke("mobilenet-0.25-224", "mobilenet-0.25-128", "--no-save", "--format", "json")
    assert result.exit_code == 0, result.output
    first, second = json.loads(result.stdout)
    assert (first["median_ms"], second["median_ms"]) == pytest.approx((1.25, 3.0))
    assert second["time_vs_first"] == pytest.approx(3.0 / 1.25)
    mult_adds = counted("mobilenet-0.25-128")[1].mult_adds / counted("mobilenet-0.25-224")[1].mult_adds
    assert second["mult_adds_vs_first"] == pytest.approx(mult_adds) and mult_adds < 0.5
    assert second["throughput_per_s"] == pytest.approx(1e3 / 3.0)


def test_results_names_the_folder_rows_are_saved_in(isolated, fake_timing):
    result = invoke(TINY, "--results", "elsewhere", "--format", "csv")
    assert result.exit_code == 0, result.output
    (saved,) = (isolated / "elsewhere").glob("time-*.jsonl")
    assert f"saved 1 row to elsewhere/{saved.name}" in result.stderr and not (isolated / "results").exists()
    (isolated / "afile").write_text("not a folder\n")
    refused = invoke(TINY, "--results", "afile")
    assert refused.exit_code == 2
    assert refused.stderr == "mnv1-bench: error: --results afile exists and is not a folder\n"
