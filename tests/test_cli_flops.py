"""`mnv1-bench flops` and `mnv1-bench models` through Typer's CliRunner: output, formats, bad input."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from mnv1_bench.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_headline():
    result = invoke("flops", "--alpha", "1.0", "--res", "224", "--wide")  # every column, each on one line
    assert result.exit_code == 0, result.output
    assert "mobilenet-1.0-224" in result.stdout and "Table 6: 1.0 MobileNet-224" in result.stdout
    assert "568.7" in result.stdout and "4.232" in result.stdout  # measured
    assert "569" in result.stdout and "578.9" in result.stdout  # paper; fvcore's all-ops total
    assert "multiply-accumulates of conv and FC layers" in result.stdout


def test_json_rows():
    result = invoke("flops", "mobilenet", "torchvision:alexnet", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["model"] for r in rows] == ["mobilenet-1.0-224", "torchvision:alexnet"]
    mobilenet, tv_alexnet = rows
    assert (mobilenet["mult_adds"], mobilenet["params"]) == (568_740_352, 4_231_976)
    assert mobilenet["fvcore_total"] == 578_875_904
    assert (mobilenet["paper_mult_adds_m"], mobilenet["paper_params_m"]) == (569, 4.2)
    assert tv_alexnet["paper_mult_adds_m"] is None and tv_alexnet["paper_params_m"] is None
    assert tv_alexnet["params"] == 61_100_840  # torchvision documents 61,100,840 for its single-tower AlexNet


def test_options_build_mobilenet_variants():
    result = invoke("flops", "--alpha", "0.5", "--res", "160", "--block", "standard", "--format", "json")
    (row,) = json.loads(result.stdout)
    assert row["model"] == "conv-mobilenet-0.5-160" and row["paper_mult_adds_m"] is None
    result = invoke("flops", "--shallow", "--classes", "10", "--format", "json")
    (row,) = json.loads(result.stdout)
    assert row["model"] == "shallow-mobilenet-1.0-224" and row["classes"] == 10


@pytest.mark.parametrize("fmt", ["csv", "md"])
def test_csv_and_md_come_from_the_same_frame(fmt):
    (expected,) = json.loads(invoke("flops", "mobilenet-0.25-128", "--format", "json").stdout)
    result = invoke("flops", "mobilenet-0.25-128", "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        (row,) = list(csv.DictReader(io.StringIO(result.stdout)))
        assert list(row) == list(expected)
        assert int(row["mult_adds"]) == expected["mult_adds"] and row["paper_table"] == ""
    else:
        from mnv1_bench.cli.flops import SUMMARY_COLUMNS

        header, rule, row = [line for line in result.stdout.splitlines() if line.startswith("|")]
        assert [cell.strip() for cell in header.strip("|").split("|")] == [c.header for c in SUMMARY_COLUMNS]
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert cells[2] == f"{expected['mult_adds'] / 1e6:,.1f}" and "<NA>" not in row  # as the table shows it


def test_per_layer_and_by_type():
    result = invoke("flops", "--per-layer", "--format", "json")
    layers = json.loads(result.stdout)
    assert len(layers) == 28 and layers[1]["type"] == "Conv dw 3x3"
    assert sum(layer["mult_adds"] for layer in layers) == 568_740_352
    result = invoke("flops", "--by-type", "--format", "json")
    by_type = {r["type"]: r for r in json.loads(result.stdout)}
    assert by_type["Conv 3x3"]["paper_mult_adds_pct"] == 1.19 and round(by_type["Conv 3x3"]["mult_adds_pct"], 2) == 1.91
    result = invoke("flops", "--by-type", "--per-layer")
    assert result.exit_code == 0 and "transposition" in result.stdout and "features.block13.pw.conv" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["flops", "--alpha", "0"], "alpha must be in (0, 4]"),
        (["flops", "--alpha", "4.5"], "alpha must be in (0, 4]"),
        (["flops", "--res", "16"], "resolution must be an integer of at least 32"),
        (["flops", "--res", "22.5"], "Invalid value for '--res'"),
        (["flops", "--classes", "0"], "at least 1"),
        (["flops", "mobilnet"], "did you mean mobilenet"),
        (["flops", "--format", "xml"], "'xml' is not one of"),
        (["flops", "vgg16", "--alpha", "0.5"], "when no MODEL is named"),
        (["flops", "--per-layer", "--by-type", "--format", "json"], "choose --per-layer or --by-type"),
        (["flops", "--bogus"], "No such option"),
        (["nonsense"], "No such command"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mnv1-bench: error:") and message in lines[0]
    assert "Traceback" not in result.output


def test_models_lists_every_name():
    result = invoke("models")
    assert result.exit_code == 0
    for name in ("mobilenet", "conv-mobilenet", "shallow-mobilenet", "vgg16", "googlenet", "alexnet",
                 "squeezenet", "inception-v3", "torchvision:NAME"):  # fmt: skip
        assert any(line.split()[0] == name for line in result.stdout.splitlines())
    assert "299x299" in result.stdout


def test_help_explains_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("flops", "models"):
        assert command in result.stdout
    assert invoke().stdout == result.stdout  # no command: the same help
