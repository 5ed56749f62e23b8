"""`mnv1-bench layers` through CliRunner: JSON rows, the table with its totals, CSV and Markdown, bad input."""

from __future__ import annotations

import csv
import io
import json

import pytest
import torch
from typer.testing import CliRunner

from mnv1_bench.cli import app
from mnv1_bench.timing import roofline

TINY = "mobilenet-0.25-64"
QUICK = ["--runs", "3", "--min-time", "0.02", "--threads", "1"]


@pytest.fixture(scope="module", autouse=True)
def fake_peaks(tmp_path_factory):
    """time_spec's roofline floors without a real calibration (seconds) or a cache in the repository."""

    def calibrate(device, dtype, threads):
        return roofline.Peaks(1e11, 1e10, device, dtype, threads, "fake")

    roofline.set_default_cache(roofline.PeakCache(tmp_path_factory.mktemp("peaks") / "roofline.json", calibrate))
    yield
    roofline.set_default_cache(None)


def invoke(*args: str):
    return CliRunner().invoke(app, ["layers", *args])


@pytest.fixture(scope="module")
def tiny_json(fake_peaks):
    result = CliRunner().invoke(app, ["layers", TINY, *QUICK, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_has_one_row_per_conv_and_fc_layer(tiny_json):
    rows = tiny_json["layers"]
    assert len(rows) == 1 + 2 * 13 + 1  # stem, 13 separable blocks (dw + pw), FC
    assert {"index", "name", "type", "mult_adds", "params", "bytes", "time_ms"} <= set(rows[0])
    assert [r["index"] for r in rows] == list(range(1, 29))
    stem, fc = rows[0], rows[-1]
    # by hand: stem 3 -> 8 channels, 3x3, stride 2 on 64x64: 8*32*32 outputs x 27; FC 256 -> 1000.
    assert (stem["type"], stem["mult_adds"], stem["params"]) == ("Conv 3x3", 8 * 32 * 32 * 27, 8 * 27)
    assert (fc["type"], fc["mult_adds"], fc["params"]) == ("FC", 256 * 1000, 256 * 1000 + 1000)
    assert fc["bytes"] == 4 * (256 * 1000 + 1000 + 256 + 1000)
    assert all(r["time_ms"] > 0 for r in rows)


def test_json_totals_compare_the_layer_sum_with_the_whole_network(tiny_json):
    data = tiny_json
    assert data["sum_ms"] == pytest.approx(sum(r["time_ms"] for r in data["layers"]))
    assert data["whole_ms"] > 0 and data["whole_runs"] >= 5
    assert data["agreement_pct"] == pytest.approx(100 * (data["sum_ms"] - data["whole_ms"]) / data["whole_ms"])
    assert (data["threads"], data["runs"], data["device"], data["dtype"]) == (1, 3, "cpu", "fp32")
    assert "batch norm" in data["attribution"] and "BN folded" in data["settings"]
    by_type = {row["type"]: row for row in data["by_type"]}
    assert set(by_type) == {"Conv 3x3", "Conv dw 3x3", "Conv 1x1", "FC"}
    assert sum(row["time_pct"] for row in by_type.values()) == pytest.approx(100.0)
    assert sum(row["mult_adds_pct"] for row in by_type.values()) == pytest.approx(100.0)


def test_table_shows_layers_by_type_and_both_totals():
    result = invoke(TINY, *QUICK)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "features.block1.dw.conv" in out and "Conv dw 3x3" in out and "% time" in out
    assert "the paper's Table 2, measured" in out
    assert "Whole network, measured without hooks" in out and "Sum of the per-layer medians" in out
    assert "Attribution:" in out and "1 thread;" in out


def test_table2_model_shows_the_papers_shares():
    result = invoke("mobilenet", "--runs", "1", "--min-time", "0.01", "--threads", "1", "--format", "md")
    assert result.exit_code == 0, result.output
    assert "Paper %" in result.stdout and "94.86" in result.stdout and "Table 2 of Howard" in result.stdout


def test_csv_is_the_layer_rows():
    result = invoke(TINY, *QUICK, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 28 and rows[0]["name"] == "features.stem.conv" and float(rows[0]["time_ms"]) > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [(["nonsense-net"], "unknown model 'nonsense-net'; did you mean squeezenet?"),
     ([TINY, "--runs", "0"], "--runs must be at least 1, got 0"),
     ([TINY, "--batch", "0"], "batch must be at least 1, got 0"),
     ([TINY, "--threads", "0"], "threads must be at least 1, got 0"),
     ([TINY, "--dtype", "int4"], "'int4' is not one of 'fp32', 'fp16', 'bf16', 'int8'"),
     ([TINY, "--min-time", "-1"], "min-time must be a positive number of seconds, at most 3600, got -1")],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mnv1-bench: error: ") and message in lines[0]
    assert "Traceback" not in result.output


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message a machine without a GPU gives")
def test_cuda_without_a_gpu_is_a_usage_error():
    result = invoke(TINY, "--device", "cuda")
    assert result.exit_code == 2
    assert result.stderr == (
        "mnv1-bench: error: --device cuda needs an NVIDIA GPU, but torch.cuda.is_available() is False here\n"
    )


@pytest.mark.cuda
def test_layers_on_cuda_json():
    result = invoke(TINY, "--device", "cuda", "--runs", "5", "--min-time", "0.05", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["device"] == "cuda" and len(data["layers"]) == 28 and data["whole_ms"] > 0
    assert data["sum_ms"] == pytest.approx(sum(r["time_ms"] for r in data["layers"]))


def test_layers_that_do_not_add_up_to_the_network_are_marked_invalid(monkeypatch):
    """A busy machine's per-layer sum far from the whole-network time: the tables say INVALID, JSON says so."""
    monkeypatch.setattr("mnv1_bench.layers.timing.agreement_pct", lambda part, whole: -91.7)
    table = invoke(TINY, *QUICK)
    assert table.exit_code == 0, table.output
    assert "INVALID mobilenet-0.25-64: measured time per conv/FC layer" in table.stdout
    assert "INVALID: the per-layer times add up to -91.7% of the whole-network time, beyond ±15%" in table.stdout
    assert table.stderr.startswith("warning: INVALID: the per-layer times add up to -91.7%")
    data = json.loads(invoke(TINY, *QUICK, "--format", "json").stdout)
    assert data["valid"] is False and "-91.7%" in data["invalid_reason"]


def test_layers_that_add_up_are_valid(tiny_json):
    assert tiny_json["valid"] is (abs(tiny_json["agreement_pct"]) <= 15.0)
    assert (tiny_json["invalid_reason"] == "") is tiny_json["valid"]
