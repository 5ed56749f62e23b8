"""Deployment backends and dtypes through `compare --time`, `sweep --time` and `proxy`: one backend and dtype per
run, numerics beside the times, and a combination that cannot run refused in one line."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mnv1_bench.cli import app

ROOT = Path(__file__).resolve().parent.parent
CLI = "import sys; from mnv1_bench.cli import main; sys.argv[0] = 'mnv1-bench'; main()"
runner = CliRunner()


def _cli(*args: str) -> list[dict]:
    """The command's JSON rows from a child process (a crash in a runtime cannot take the test session with it)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", CLI, *args, "--format", "json"], capture_output=True, text=True,
                          env=env, check=False, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.slow
def test_compare_times_onnxruntime_int8_with_numerics():
    rows = _cli("compare", "mobilenet-0.25-64", "--baseline", "mobilenet-0.5-64", "--time", "--backend",
                "onnxruntime", "--dtype", "int8", "--min-time", "0.05", "--threads", "1", "--no-save")  # fmt: skip
    assert [row["model"] for row in rows] == ["mobilenet-0.5-64", "mobilenet-0.25-64"]
    for row in rows:
        assert (row["backend"], row["dtype"]) == ("onnxruntime", "int8") and row["median_ms"] > 0
        assert 0.9 < row["numerics_cosine"] <= 1.0 + 1e-9 and row["numerics_max_abs"] > 0  # int8: close, not equal
        assert 0.0 <= row["top1_agreement"] <= 1.0 and row["size_mb"] > 0
    assert rows[1]["size_mb"] < rows[0]["size_mb"]  # a quarter of the width: fewer int8 weights on disk


@pytest.mark.slow
def test_sweep_times_openvino_fp32_which_computes_the_same_network():
    rows = _cli("sweep", "--alphas", "0.25", "--resolutions", "64", "--time", "--backend", "openvino",
                "--min-time", "0.05", "--threads", "1", "--no-save")  # fmt: skip
    (row,) = rows
    assert (row["model"], row["backend"], row["dtype"]) == ("mobilenet-0.25-64", "openvino", "fp32")
    assert row["median_ms"] > 0 and row["numerics_cosine"] > 0.99 and row["top1_agreement"] == 1.0


def test_fp32_eager_rows_carry_no_numerics(fake_timing):
    result = runner.invoke(app, ["sweep", "--alphas", "0.25", "--resolutions", "64,96", "--time", "--min-time",
                                 "0.01", "--no-save", "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(row["backend"], row["dtype"]) for row in rows] == [("eager", "fp32")] * 2
    assert not any("numerics_cosine" in row or "size_mb" in row for row in rows)


@pytest.mark.parametrize(
    ("command", "args", "message"),
    [(["compare", "vgg16"], ["--dtype", "int8"], "the eager backend runs fp32, fp16 and bf16, not int8"),
     (["sweep"], ["--backend", "openvino", "--dtype", "fp16"], "OpenVINO runs fp32, bf16 and int8 here, not fp16"),
     (["compare", "vgg16"], ["--backend", "onnxruntime", "--dtype", "bf16"], "onnxruntime runs fp32 and int8"),
     (["sweep"], ["--backend", "tflite"], "Invalid value for '--backend'")],
)  # fmt: skip
def test_a_backend_and_dtype_that_cannot_run_is_one_line_and_exit_2(command, args, message, tmp_path):
    result = runner.invoke(app, [*command, "--time", *args, "--results", str(tmp_path / "results")])
    assert result.exit_code == 2 and result.stdout == "", result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "results").exists()


def test_a_calibration_folder_without_images_fails_before_counting(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    costs = importlib.import_module("mnv1_bench.tables.costs")
    monkeypatch.setattr(costs, "count_all", lambda *a: pytest.fail("counted before checking"))
    for command in (["compare", "vgg16"], ["sweep"]):
        result = runner.invoke(app, [*command, "--time", "--backend", "openvino", "--dtype", "int8",
                                     "--calibration", str(empty), "--no-save"])  # fmt: skip
        lines = result.stderr.strip().splitlines()
        assert result.exit_code == 2 and len(lines) == 1 and "no images in it" in lines[0], result.output


def test_proxy_in_another_setting_writes_its_own_figure_and_leaves_the_published_ones(fake_timing, tmp_path):
    published = tmp_path / "beyond_the_paper.md"
    published.write_text("the published section\n")
    (tmp_path / "proxy_cpu.png").write_bytes(b"the published figure")
    args = ["proxy", "--models", "mobilenet-0.25-64,mobilenet-0.5-64,mobilenet-0.25-96", "--backend", "onnxruntime",
            "--dtype", "int8", "--min-time", "0.01", "--out", str(tmp_path)]  # fmt: skip
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    setting = json.loads(result.stdout)["setting"]
    assert (setting["backend"], setting["dtype"]) == ("onnxruntime", "int8")
    assert (tmp_path / "proxy_cpu_onnxruntime_int8.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "proxy_cpu.png").read_bytes() == b"the published figure"
    assert published.read_text() == "the published section\n"
    assert "fp32 eager PyTorch only" in result.stderr
