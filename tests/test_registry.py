"""Names users type -> the network they mean, with the paper's row where there is one."""

from __future__ import annotations

import pytest

from mnv1_bench import paper
from mnv1_bench.archs.mobilenet import MobileNetConfig
from mnv1_bench.registry import ModelNameError, grid_names, resolve


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
    ("name", "classes"), [("mobilenet-0.75-192", 1000), ("vgg16", 120), ("torchvision:vgg16", 1000)]
)
def test_no_paper_row(name, classes):
    assert resolve(name, classes).paper_row() is None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("mobilenet-5-224", "alpha must be in (0, 4]"),
        ("mobilenet-0-224", "alpha must be in (0, 4]"),
        ("mobilenet-1.0-16", "resolution must be an integer of at least 32"),
        ("mobilnet", "did you mean mobilenet"),
        ("vgg19", "did you mean vgg16"),
        ("torchvision:resnet5", "did you mean torchvision:resnet50"),
    ],
)
def test_bad_names(name, message):
    with pytest.raises(ModelNameError, match=message.replace("(", r"\(").replace(")", r"\)")):
        resolve(name)


def test_bad_classes():
    with pytest.raises(ModelNameError, match="at least 1"):
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
    assert paper.agrees(measured, printed) is ok
