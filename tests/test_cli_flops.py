"""`mnv1-bench flops` and `mnv1-bench models` through Typer's CliRunner: output, formats, bad input."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from mnv1_bench.cli import app
from mnv1_bench.models import registry

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_headline():
    result = invoke("flops", "--alpha", "1.0", "--res", "224", "--wide")  # every column, each on one line
    assert result.exit_code == 0, result.output
    assert "mobilenet-1.0-224" in result.stdout and "Table 6: 1.0 MobileNet-224" in result.stdout
    assert "568.7" in result.stdout and "4.232" in result.stdout  # measured
    assert "569" in result.stdout and "578.9" in result.stdout  # paper; fvcore's all-ops total
    assert "multiply-accumulates of conv, FC and attention layers" in result.stdout


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
        (["flops", "--res", "16"], "resolution must be an integer from 32 to 8192"),
        (["flops", "--alpha", "1e-9"], "alpha must have at most 4 decimal places"),
        (["flops", "--res", "22.5"], "Invalid value for '--res'"),
        (["flops", "--classes", "0"], "from 1 to 100,000"),
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


@pytest.mark.parametrize("alpha", ["0.333", "2.5", "4", "0.1"])
def test_the_name_printed_for_an_alpha_parses_back_to_the_network_counted(alpha):
    (row,) = json.loads(invoke("flops", "--alpha", alpha, "--res", "32", "--classes", "10", "--format", "json").stdout)
    expected = registry.mobilenet(float(alpha), 32, num_classes=10)
    assert registry.resolve(row["model"], 10) == expected
    assert row["label"] == expected.label and "e" not in row["model"].removeprefix("mobilenet-")


def test_a_paper_figure_is_compared_only_with_the_network_it_describes():
    """Inception V3's 23.2M params are Table 10's 120-class (Stanford Dogs) figure: the 1000-class network
    counted by default is not compared with it; its 5000M mult-adds are a 1000-class figure and are."""
    result = invoke("flops", "inception-v3")
    assert result.exit_code == 0, result.output
    assert "Table 10" in result.stdout and "+2.6%" not in result.stdout  # +2.6%: 23.799M against 120 classes' 23.2
    (imagenet,) = json.loads(invoke("flops", "inception-v3", "--format", "json").stdout)
    assert imagenet["paper_row"] == "Table 10: Inception V3 (params: 120 classes)"
    assert imagenet["paper_params_m"] is None and imagenet["weights_diff_pct"] is None
    assert imagenet["paper_mult_adds_m"] == 5000 and imagenet["mult_adds_diff_pct"] is not None
    (dogs,) = json.loads(invoke("flops", "inception-v3", "--classes", "120", "--format", "json").stdout)
    assert imagenet["weights"] - dogs["weights"] == 2048 * 880  # the FC layer: 2048 features, 880 fewer classes
    assert dogs["paper_params_m"] == 23.2 and dogs["paper_mult_adds_m"] is None
    assert dogs["weights_diff_pct"] == pytest.approx(100 * (dogs["weights"] / 1e6 - 23.2) / 23.2)


def test_table_10_mobilenet_params_at_120_classes_mult_adds_at_1000():
    (dogs,) = json.loads(invoke("flops", "mobilenet", "--classes", "120", "--format", "json").stdout)
    assert (dogs["paper_row"], dogs["paper_params_m"]) == ("Table 10: 1.0 MobileNet-224 (mult-adds: 1000 classes)", 3.3)
    assert dogs["paper_mult_adds_m"] is None and dogs["agrees_with_paper"] is True  # 3.308M weights vs 3.3
    (row,) = json.loads(invoke("flops", "vgg16", "--classes", "120", "--format", "json").stdout)
    assert row["paper_row"] == "Table 8: VGG 16 (1000 classes: not compared)" and row["agrees_with_paper"] is None


def test_models_lists_every_name():
    result = invoke("models")
    assert result.exit_code == 0
    for name in ("mobilenet", "conv-mobilenet", "shallow-mobilenet", "vgg16", "googlenet", "alexnet",
                 "squeezenet", "inception-v3", "torchvision:NAME"):  # fmt: skip
        assert any(line.split()[0] == name for line in result.stdout.splitlines())
    assert "299x299" in result.stdout
    assert "ALPHA in (0, 4], at most 4 decimals; RES 32 to 8192" in result.stdout


def test_help_explains_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("flops", "models"):
        assert command in result.stdout
    assert invoke().stdout == result.stdout  # no command: the same help
