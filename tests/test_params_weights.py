"""Params and weights mean one thing in every command and format (docs/conventions.md): params = every learnable
parameter, weights = the weight tensors of conv, FC and attention layers; a column is named after what it shows."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from mnv1_bench.cli import app

# 1.0 MobileNet-224 from Table 1: the conv and FC weight tensors (TF-Slim's 3,185,088 body + 1,024,000 FC), and
# with them batch norm's scale and shift (2 per channel after every conv) and the FC's 1000 biases.
WEIGHTS = 3_185_088 + 1_024_000
BLOCK_IN = (32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024)
BLOCK_OUT = (64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024)
CONV_OUTPUTS = [32] + [c for pair in zip(BLOCK_IN, BLOCK_OUT, strict=True) for c in pair]  # stem, then dw and pw
PARAMS = WEIGHTS + 2 * sum(CONV_OUTPUTS) + 1000

COMMANDS = {
    "flops": ["flops", "mobilenet"],
    "compare": ["compare", "mobilenet-0.5-160"],  # the baseline, mobilenet, is the first row
    "sweep": ["sweep", "--alphas", "1", "--resolutions", "224"],
}


def test_the_expected_integers_follow_table_1():
    assert len(CONV_OUTPUTS) == 27 and PARAMS == 4_231_976  # torchvision-style count of the same network


def _rows(command: str, fmt: str) -> list[dict]:
    result = CliRunner().invoke(app, [*COMMANDS[command], "--format", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        return json.loads(result.stdout)
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(result.stdout)))
    lines = [line for line in result.stdout.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [dict(zip(header, (cell.strip() for cell in line.strip("|").split("|")), strict=True)) for line in lines[2:]]


@pytest.mark.parametrize("command", COMMANDS)
def test_json_and_csv_say_params_and_weights_alike(command):
    (json_row, *_) = _rows(command, "json")
    (csv_row, *_) = _rows(command, "csv")
    assert (json_row["params"], json_row["weights"]) == (PARAMS, WEIGHTS)
    assert (int(csv_row["params"]), int(csv_row["weights"])) == (PARAMS, WEIGHTS)


@pytest.mark.parametrize("command", COMMANDS)
def test_the_table_column_that_shows_weights_is_named_weights(command):
    (row, *_) = _rows(command, "md")
    shown = {name: value for name, value in row.items() if value in ("4.209", "4.232")}
    assert shown.get("Weights (M)") == "4.209"
    assert all(value == "4.232" for name, value in shown.items() if name.startswith("Params"))
