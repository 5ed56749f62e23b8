"""`layers --dtype int8`: the simulated int8 model's per-layer signal-to-quantization-noise ratio against fp32."""

from __future__ import annotations

import json
import math

import pytest
import torch
from typer.testing import CliRunner

from mnv1_bench.cli import app
from mnv1_bench.layers.quant_error import fake_quant_activation, fake_quant_weight, sqnr_db

TINY = "mobilenet-0.25-64"
runner = CliRunner()


def test_sqnr_of_known_signals():
    assert sqnr_db(torch.tensor([1.0, 1.0]), torch.tensor([1.0, 0.0])) == pytest.approx(10 * math.log10(2))
    assert sqnr_db(torch.tensor([3.0, 4.0]), torch.tensor([3.0, 4.0])) == math.inf


def test_activation_grid_and_per_channel_weights():
    # range [0, 2.55]: 255 steps of 0.01, zero exact
    got = fake_quant_activation(torch.tensor([0.0, 1.234, 9.0, -1.0]), 0.0, 2.55)
    assert torch.allclose(got, torch.tensor([0.0, 1.23, 2.55, 0.0]), atol=1e-6)
    # one filter 1000x smaller than the other: per-tensor rounds it all to zero, per-channel keeps it
    weight = torch.stack([torch.linspace(-1, 1, 9), torch.linspace(-1e-3, 1e-3, 9)]).reshape(2, 1, 3, 3)
    assert torch.count_nonzero(fake_quant_weight(weight, per_channel=False)[1]) == 0
    small = weight[1]
    assert sqnr_db(small, fake_quant_weight(weight)[1]) > 40  # within half a step of 1/127 of its own peak


def test_layers_int8_reports_every_layer(counted):
    result = runner.invoke(app, ["layers", TINY, "--dtype", "int8", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    types = [layer["type"] for layer in data["layers"]]
    # Table 1: one full 3x3 conv, 13 depthwise and 13 pointwise convs, one FC
    assert (types.count("Conv 3x3"), types.count("Conv dw"), types.count("Conv 1x1"), types.count("FC")) == (
        1,
        13,
        13,
        1,
    )
    for layer in data["layers"]:
        assert 10 < layer["sqnr_db"] < 80  # int8 noise: present, but far below the signal
        assert layer["weight_sqnr_db"] >= layer["weight_sqnr_tensor_db"] - 0.5
    assert data["calibration"] == "calibration: synthetic seed 0, 16 inputs"
    # the noise builds up with depth: the last conv is noisier than the first
    assert data["layers"][26]["sqnr_db"] < data["layers"][0]["sqnr_db"]


def test_layers_int8_bad_calibration_is_one_line(tmp_path):
    result = runner.invoke(app, ["layers", TINY, "--dtype", "int8", "--calibration", str(tmp_path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"mnv1-bench: error: --calibration {tmp_path}: no images in it "
        "(looked for .bmp, .jpeg, .jpg, .png, .ppm, .tif, .tiff, .webp)"
    ]
