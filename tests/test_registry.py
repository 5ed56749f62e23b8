"""Names users type -> the network they mean, with the paper's row where there is one."""

from __future__ import annotations

import math
import re

import pytest
import torch

from mnv1_bench import paper
from mnv1_bench.models import registry
from mnv1_bench.models.archs.mobilenet import MobileNetConfig
from mnv1_bench.models.archs.mobilenet_range import MAX_ALPHA, MIN_RESOLUTION
from mnv1_bench.models.registry import ModelNameError, grid_names, resolve


@pytest.mark.parametrize(
    ("name", "config"),
    [
        ("mobilenet", MobileNetConfig()),
        ("mobilenet-0.75-160", MobileNetConfig(0.75, 160)),
        ("0.75 MobileNet-160", MobileNetConfig(0.75, 160)),
        ("1.0 MobileNet-224", MobileNetConfig()),
        ("mobilenet-0.5", MobileNetConfig(0.5, 224)),
        ("conv-mobilenet", MobileNetConfig(block="standard")),
        ("Conv MobileNet", MobileNetConfig(block="standard")),
        ("shallow-mobilenet", MobileNetConfig(shallow=True)),
        ("Shallow MobileNet", MobileNetConfig(shallow=True)),
    ],
)
def test_mobilenet_names(name, config):
    assert resolve(name).mobilenet == config


def test_paper_spelling_round_trips():
    for name in grid_names():
        spec = resolve(name)
        assert resolve(spec.label).name == name


@pytest.mark.parametrize(
    ("name", "classes", "table", "label"),
    [
        ("mobilenet", 1000, 6, "1.0 MobileNet-224"),
        ("mobilenet-1.0-160", 1000, 7, "1.0 MobileNet-160"),
        ("conv-mobilenet", 1000, 4, "Conv MobileNet"),
        ("shallow-mobilenet", 1000, 5, "Shallow MobileNet"),
        ("mobilenet-0.5-160", 1000, 9, "0.50 MobileNet-160"),
        ("mobilenet-0.75-192", 120, 10, "0.75 MobileNet-192"),
        ("vgg16", 1000, 8, "VGG 16"),
        ("inception-v3", 120, 10, "Inception V3"),
    ],
)
def test_paper_rows(name, classes, table, label):
    row = resolve(name, classes).paper_row()
    assert (row.table, row.label) == (table, label)


@pytest.mark.parametrize(
    ("name", "classes"),
    [("mobilenet-0.75-192", 1000), ("vgg16", 120), ("torchvision:vgg16", 1000), ("inception-v3", 1000)],
)
def test_no_paper_row(name, classes):
    assert resolve(name, classes).paper_row() is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("mobilenet-5-224", "alpha must be in (0, 4]"),
        ("mobilenet-0-224", "alpha must be in (0, 4]"),
        ("mobilenet-1.0-16", "resolution must be an integer from 32 to 8192"),
        ("mobilnet", "did you mean mobilenet"),
        ("vgg19", "did you mean torchvision:vgg19, timm:vgg19, vgg16?"),  # the same name elsewhere first
        ("torchvision:resnet5", "did you mean torchvision:resnet50"),
    ],
)
def test_bad_names(name, message):
    with pytest.raises(ModelNameError, match=re.escape(message)):
        resolve(name)


@pytest.mark.parametrize("alpha", [0.333, 2.5, 4, 0.1, 0.75, 1, 0.0001, 3.9999])
@pytest.mark.parametrize(("block", "shallow"), [("separable", False), ("standard", False), ("separable", True)])
def test_every_printed_name_parses_back_to_the_same_network(alpha, block, shallow):
    spec = registry.mobilenet(alpha, 96, block=block, shallow=shallow, num_classes=10)
    assert spec.mobilenet == MobileNetConfig(alpha, 96, block, shallow, 10)  # the exact float is kept
    assert resolve(spec.name, 10) == spec
    assert resolve(spec.label, 10) == spec  # the paper's spelling too
    assert "e" not in spec.name.split("mobilenet-")[1]  # no exponent


@pytest.mark.parametrize(
    ("alpha", "spelled"), [(0.333, "0.333"), (2.5, "2.5"), (4, "4.0"), (0.1, "0.1"), (1, "1.0"), (0.5, "0.5")]
)
def test_alpha_spelling(alpha, spelled):
    assert registry.mobilenet(alpha).name == f"mobilenet-{spelled}-224"


@pytest.mark.parametrize(
    ("alpha", "message"),
    [
        (1e-9, "at most 4 decimal places"),
        (0.33333, "at most 4 decimal places"),
        (MAX_ALPHA + 0.0001, "alpha must be in (0, 4]"),
        (0.0, "alpha must be in (0, 4]"),
        (math.nan, "alpha must be in (0, 4]"),
    ],
)
def test_alphas_without_a_name_are_refused_in_one_line(alpha, message):
    with pytest.raises(ModelNameError) as error:
        registry.mobilenet(alpha)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_limits():
    assert registry.mobilenet(MAX_ALPHA, MIN_RESOLUTION).name == "mobilenet-4.0-32"
    with pytest.raises(ModelNameError, match="from 32 to 8192"):
        registry.mobilenet(1.0, MIN_RESOLUTION - 1)
    with pytest.raises(ModelNameError, match="from 32 to 8192, got 8193"):
        registry.mobilenet(1.0, 8193)
    # The reason for the smallest resolution: Table 1's strides as printed (row 18's s2 is an erratum: s1).
    strides = [1 if row.number == 18 else row.stride for row in paper.TABLE1 if row.number <= 19]
    assert MIN_RESOLUTION == math.prod(strides) == 32


def test_spec_equality_is_the_network_not_the_callable():
    a, b = registry.mobilenet(0.75, 160), resolve("0.75 MobileNet-160")
    assert a == b and hash(a) == hash(b) and a.build is not b.build
    assert a != registry.mobilenet(0.75, 192) and a != registry.mobilenet(0.75, 160, num_classes=120)
    assert resolve("vgg16", 120) != resolve("vgg16")


def test_specs_build_their_own_network():
    assert registry.mobilenet(0.25, 64, num_classes=7).build().fc.out_features == 7
    assert registry.mobilenet(0.25, 64).build().fc.in_features == 256  # 1024 x 0.25
    assert resolve("squeezenet", 5).build()(torch.zeros(1, 3, 224, 224)).shape == (1, 5)


# Typed from the paper: which network each printed label is, and Table 10's Stanford Dogs (120 classes).
PAPER_NETWORKS = {
    "Conv MobileNet": "conv-mobilenet-1.0-224", "MobileNet": "mobilenet-1.0-224",
    "0.75 MobileNet": "mobilenet-0.75-224", "Shallow MobileNet": "shallow-mobilenet-1.0-224",
    "0.50 MobileNet-160": "mobilenet-0.5-160", "GoogleNet": "googlenet", "VGG 16": "vgg16",
    "Squeezenet": "squeezenet", "AlexNet": "alexnet", "Inception V3": "inception-v3",
}  # fmt: skip


@pytest.mark.parametrize("row", paper.ROWS, ids=lambda r: f"{r.table}:{r.label}")
def test_paper_rows_name_their_network(row):
    width, _, size = row.label.partition(" MobileNet-")
    expected = PAPER_NETWORKS.get(row.label) or f"mobilenet-{float(width)}-{size}"
    assert row.model == expected
    assert row.classes == (120 if row.table == 10 else 1000) and row.mult_adds_classes == 1000
    spec = resolve(row.model, row.classes)
    assert spec.name == row.model  # stored under its canonical name
    assert spec.input_size == {"inception-v3": 299}.get(row.model, int(size or 224))


def test_bad_classes():
    with pytest.raises(ModelNameError, match="from 1 to 100,000"):
        resolve("mobilenet", 0)


def test_torchvision_models_build_with_their_input_size():
    spec = resolve("torchvision:inception_v3")
    assert spec.input_shape == (1, 3, 299, 299)
    assert resolve("torchvision:resnet18", 10).build().fc.out_features == 10


@pytest.mark.parametrize(
    ("measured", "printed", "ok"),
    [(568.74, "569", True), (290.68, "290", True), (4.232, "4.2", True), (818.9, "1700", False), (724.4, "720", False)],
)
def test_agreement_at_printed_precision(measured, printed, ok):
    assert paper.Printed(printed, paper.MILLION_MULT_ADDS).agrees(measured) is ok
