"""Tables 11-14: every new network's exact counts from the architectures typed in here (MobileNet's Table 1,
TF-Slim's Inception V2, VGG16's configuration D, the SSD and Faster R-CNN heads), and each printed row's
agreement or its documented reason."""

from __future__ import annotations

import pytest

from mnv1_bench import paper
from mnv1_bench.models.registry import ModelNameError, resolve
from mnv1_bench.paper import applications as paper_applications
from mnv1_bench.tables.applications import application_table
from mnv1_bench.tables.costs import spec_and_cost

COCO = 91  # 90 classes + background
RPN_ANCHORS = 12


def up(size: int, stride: int) -> int:
    """'SAME' padding: the output size rounds up."""
    return -(-size // stride)


def conv(cin: int, cout: int, k: int, size: int, batch: int = 1, dw: bool = False) -> tuple[int, int]:
    """(mult-adds, weights) of one conv producing a size x size map (a depthwise conv when dw)."""
    weights = k * k * cin if dw else k * k * cin * cout
    return batch * size * size * weights, weights


def total(layers: list[tuple[int, int]]) -> tuple[int, int]:
    return sum(m for m, _ in layers), sum(w for _, w in layers)


# MobileNet's Table 1 (1.0): stride of each dw conv and channels of each 1x1 conv, Conv 1 to Conv 13.
MOBILENET = [(1, 64), (2, 128), (1, 128), (2, 256), (1, 256), (2, 512)] + [(1, 512)] * 5 + [(2, 1024), (1, 1024)]


def mobilenet(res: int, first: int = 1, last: int = 13, size: int | None = None, batch: int = 1):
    """Layers of Conv `first` to Conv `last` (the stem before Conv 1); returns (layers, out size, channels)."""
    layers, cin = [], 32
    if first == 1:
        size = up(res, 2)
        layers.append(conv(3, 32, 3, size))
    else:
        cin = MOBILENET[first - 2][1]
    for stride, cout in MOBILENET[first - 1 : last]:
        size = up(size, stride)
        layers += [conv(cin, cin, 3, size, batch, dw=True), conv(cin, cout, 1, size, batch)]
        cin = cout
    return layers, size, cin


# TF-Slim's Inception V2 mixed blocks, in the inception table's columns: #1x1, #3x3 reduce, #3x3, #double 3x3
# reduce, #double 3x3, pool proj (0 and a stride 2: a reduction block with a bare max pool).
INCEPTION_V2 = {
    "3b": (64, 64, 64, 64, 96, 32), "3c": (64, 64, 96, 64, 96, 64), "4a": (0, 128, 160, 64, 96, 0),
    "4b": (224, 64, 96, 96, 128, 128), "4c": (192, 96, 128, 96, 128, 128), "4d": (160, 128, 160, 128, 160, 96),
    "4e": (96, 128, 192, 160, 192, 96), "5a": (0, 128, 192, 192, 256, 0), "5b": (352, 192, 320, 160, 224, 128),
    "5c": (352, 192, 320, 192, 224, 128),
}  # fmt: skip


def inception_v2(names: list[str], cin: int, size: int, batch: int = 1):
    layers = []
    for name in names:
        b0, r3, c3, rd, cd, proj = INCEPTION_V2[name]
        reduce = b0 == 0
        out = up(size, 2) if reduce else size
        layers += [conv(cin, r3, 1, size, batch), conv(r3, c3, 3, out, batch)]
        layers += [conv(cin, rd, 1, size, batch), conv(rd, cd, 3, size, batch), conv(cd, cd, 3, out, batch)]
        if not reduce:
            layers += [conv(cin, b0, 1, size, batch), conv(cin, proj, 1, size, batch)]
        cin, size = (c3 + cd + cin) if reduce else (b0 + c3 + cd + proj), out
    return layers, size, cin


def inception_v2_stem(res: int):
    s2 = up(res, 2)
    s4 = up(s2, 2)
    layers = [conv(3, 3, 7, s2, dw=True) for _ in range(8)] + [conv(24, 64, 1, s2)]  # separable 7x7, multiplier 8
    return layers + [conv(64, 64, 1, s4), conv(64, 192, 3, s4)], up(s4, 2)


VGG_D = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512]


def vgg_convs(res: int, ceil_pool3: bool = False):
    layers, cin, size, pools = [], 3, res, 0
    for item in VGG_D:
        if item == "M":
            pools += 1
            size = up(size, 2) if ceil_pool3 and pools == 3 else size // 2
            continue
        layers.append(conv(cin, item, 3, size))
        cin = item
    return layers, size


def ssd_tf_head(taps: list[tuple[int, int]], anchors=(3, 6, 6, 6, 6, 6)):
    """TF's SSD: extras (1x1 to half, 3x3 stride 2) of depth 512, 256, 256, 128; 1x1 box predictors."""
    layers, maps = [], list(taps)
    cin, size = taps[-1]
    for depth in (512, 256, 256, 128):
        layers.append(conv(cin, depth // 2, 1, size))
        size = up(size, 2)
        layers.append(conv(depth // 2, depth, 3, size))
        cin = depth
        maps.append((cin, size))
    for (c, s), a in zip(maps, anchors, strict=True):
        layers += [conv(c, a * COCO, 1, s), conv(c, a * 4, 1, s)]
    return layers


def faster_rcnn_heads(channels: int, size: int, features: int):
    rpn = [conv(channels, 512, 3, size), conv(512, RPN_ANCHORS * 2, 1, size), conv(512, RPN_ANCHORS * 4, 1, size)]
    return rpn + [(300 * features * COCO, features * COCO), (300 * features * 360, features * 360)]


def fc(n_in: int, n_out: int, batch: int = 300) -> tuple[int, int]:
    return batch * n_in * n_out, n_in * n_out


def expected(name: str) -> tuple[int, int]:
    res = 600 if "600" in name else 300
    if name == "ssd300-mobilenet":
        at11, s11, _ = mobilenet(res, last=11)
        rest, s13, _ = mobilenet(res, first=12, size=s11)
        return total(at11 + rest + ssd_tf_head([(512, s11), (1024, s13)]))
    if name == "ssd300-inception-v2":
        stem, size = inception_v2_stem(res)
        to4c, s4, c4 = inception_v2(["3b", "3c", "4a", "4b", "4c"], 192, size)
        rest, s5, c5 = inception_v2(["4d", "4e", "5a", "5b", "5c"], c4, s4)
        return total(stem + to4c + rest + ssd_tf_head([(c4, s4), (c5, s5)]))
    if name == "ssd300-vgg16":
        convs, _ = vgg_convs(res, ceil_pool3=True)  # conv4_3 at 38x38, conv5 at 19x19
        layers = convs + [conv(512, 1024, 3, 19), conv(1024, 1024, 1, 19)]  # fc6 (dilated), fc7
        maps, cin, size = [(512, 38), (1024, 19)], 1024, 19
        for reduce, out, stride, pad in ((256, 512, 2, 1), (128, 256, 2, 1), (128, 256, 1, 0), (128, 256, 1, 0)):
            layers.append(conv(cin, reduce, 1, size))
            size = (size + 2 * pad - 3) // stride + 1
            layers.append(conv(reduce, out, 3, size))
            cin = out
            maps.append((cin, size))
        for (c, s), a in zip(maps, (4, 6, 6, 6, 4, 4), strict=True):
            layers += [conv(c, a * COCO, 3, s), conv(c, a * 4, 3, s)]
        return total(layers)
    if name.endswith("mobilenet"):
        first, s11, _ = mobilenet(res, last=11)
        second, _, _ = mobilenet(res, first=12, size=14, batch=300)  # 300 crops of 14x14x512
        return total(first + second + faster_rcnn_heads(512, s11, 1024))
    if name.endswith("inception-v2"):
        stem, size = inception_v2_stem(res)
        first, s4, c4 = inception_v2(["3b", "3c", "4a", "4b", "4c", "4d", "4e"], 192, size)
        second, _, c5 = inception_v2(["5a", "5b", "5c"], c4, 14, batch=300)
        return total(stem + first + second + faster_rcnn_heads(c4, s4, c5))
    convs, size = vgg_convs(res)
    return total(convs + [fc(7 * 7 * 512, 4096), fc(4096, 4096)] + faster_rcnn_heads(512, size, 4096))


DETECTORS = [row.model for row in paper_applications.rows_of(13)]


@pytest.mark.parametrize("name", DETECTORS)
def test_detector_counts_exactly(name):
    _, cost = spec_and_cost(name, 1000)
    assert (cost.mult_adds, cost.weights) == expected(name)
    assert cost.unknown_ops == {}


def test_a_repeated_module_counts_its_mult_adds_per_run_and_its_parameters_once():
    from torch import nn

    from mnv1_bench.counting import count_module
    from mnv1_bench.models.archs.detection import repeated

    def net(times: int) -> nn.Module:
        return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), repeated(nn.Sequential(nn.Conv2d(8, 4, 1)), times))

    once, five = count_module(net(1), (1, 3, 6, 6)), count_module(net(5), (1, 3, 6, 6))
    assert once.mult_adds == 36 * (8 * 27 + 4 * 8) and five.mult_adds == 36 * (8 * 27 + 5 * 4 * 8)
    assert five.params == once.params == (8 * 27 + 8) + (4 * 8 + 4)
    assert [layer.repeats for layer in five.layers] == [1, 5]
    assert sum(layer.mult_adds for layer in five.layers) == five.mult_adds


def test_faster_rcnn_box_classifier_layers_say_they_run_once_per_proposal(counted):
    _, cost = counted("faster-rcnn300-mobilenet")
    repeated = [layer for layer in cost.layers if layer.repeats == 300]
    assert [layer.name for layer in repeated[-2:]] == ["class_scores", "box_refinements"]
    assert repeated[0].name.startswith("second_stage.") and repeated[0].in_shape == (512, 14, 14)
    assert sum(layer.mult_adds for layer in cost.layers) == cost.mult_adds
    second, _, _ = mobilenet(300, first=12, size=14, batch=300)
    assert sum(layer.mult_adds for layer in repeated) == total(second)[0] + 300 * 1024 * (COCO + 360)


def test_inception_v2_classifier_counts_exactly():
    _, cost = spec_and_cost("inception-v2", 1000)
    stem, size = inception_v2_stem(224)
    body, size, cin = inception_v2(list(INCEPTION_V2), 192, size)
    assert size == 7 and cin == 1024
    assert (cost.mult_adds, cost.weights) == total([*stem, *body, (1024 * 1000, 1024 * 1000)])


def test_detectors_are_named_on_the_command_line():
    spec = resolve("faster-rcnn600-mobilenet")
    assert spec.input_shape == (1, 3, 600, 600) and spec.paper_row() is None
    with pytest.raises(ModelNameError, match="fixed COCO head"):
        resolve("ssd300-mobilenet", 5)
    with pytest.raises(ModelNameError, match="did you mean ssd300-mobilenet"):
        resolve("ssd300-mobilnet")


def test_table13_agrees_but_for_the_ssd_vgg_parameters():
    table = application_table(13, spec_and_cost)
    rows = table.frame.to_dict("records")
    assert [r["label"] for r in rows if not r["agrees"]] == ["SSD 300 / deeplab-VGG"]
    vgg = rows[0]
    assert vgg["mult_adds_agree"] and not vgg["params_agree"]
    assert "unexplained" in vgg["note"]
    # The printed Faster R-CNN figures need 14x14 crops: with 7x7 ones MobileNet's second stage shrinks fourfold.
    crops = expected("faster-rcnn300-mobilenet")[0] - total(mobilenet(300, first=12, size=14, batch=300)[0])[0]
    crops_7x7 = (crops + total(mobilenet(300, first=12, size=7, batch=300)[0])[0]) / 1e9
    assert not paper.Printed("25.2", paper.BILLION_MULT_ADDS).agrees(crops_7x7)


def test_table12_head_and_the_width_025_rows():
    rows = {r["label"]: r for r in application_table(12, spec_and_cost).frame.to_dict("records")}
    body, _, _ = mobilenet(224)
    assert rows["1.0 MobileNet-224"]["mult_adds"] == total(body)[0]  # the body: no 1000-way classifier
    assert rows["1.0 MobileNet-224"]["weights"] == total(body)[1] == 3_185_088  # TF-Slim's docstring
    assert [label for label, r in rows.items() if r["agrees"] is False] == ["0.25 MobileNet-224", "0.25 MobileNet-128"]
    for res, printed in ((224, "45"), (128, "15")):
        floor8 = rows[f"0.25 MobileNet-{res}"]["mult_adds"]
        s = up(res, 2)  # a floor of 16 channels widens the first conv, dw and 1x1 conv from 8 to 16
        floor16 = floor8 + s * s * (27 * 8 + 9 * 8 + 16 * 16 - 8 * 16)
        figure = paper.Printed(printed, paper.MILLION_MULT_ADDS)
        assert not figure.agrees(floor8 / 1e6) and figure.agrees(floor16 / 1e6)
    assert rows["Baseline"]["agrees"] is None and "75 million" in rows["Baseline"]["note"]


def test_table11_body_agrees_and_the_typo_is_said():
    rows = {r["label"]: r for r in application_table(11, spec_and_cost).frame.to_dict("records")}
    cells = paper_applications.PLANET_CELLS
    assert rows["PlaNet MobileNet: final layer"]["weights"] == 1024 * cells
    assert rows["PlaNet MobileNet"]["mult_adds"] == total(mobilenet(224)[0])[0] + 1024 * cells
    assert rows["PlaNet MobileNet: body"]["agrees"]
    assert "typo for 0.58 billion" in rows["PlaNet MobileNet"]["note"]


def test_table14_reads_the_duplicated_label_as_160():
    table = application_table(14, spec_and_cost)
    rows = table.frame.to_dict("records")
    assert [r["label"] for r in rows].count("0.75 MobileNet-128") == 2
    assert rows[3]["model"].startswith("mobilenet-0.75-160") and rows[3]["mult_adds_agree"]
    assert rows[4]["model"].startswith("mobilenet-0.75-128")
    body, _, _ = mobilenet(160)
    assert rows[1]["mult_adds"] == total(body)[0] + 1024 * 128  # body + the 128-d embedding
    assert "0.75 MobileNet-128 (row 4)" in table.misses


@pytest.mark.parametrize("number", [11, 12, 13, 14])
def test_every_difference_has_its_reason(number):
    table = application_table(number, spec_and_cost)
    for name, record in zip(table.frame["label"], table.frame.to_dict("records"), strict=True):
        if record["agrees"] is False:
            assert record["note"], (number, name)
    assert "No known reason" not in table.markdown()


def test_models_lists_the_detectors_and_flops_refuses_classes_for_them():
    from typer.testing import CliRunner

    from mnv1_bench.cli import app

    result = CliRunner().invoke(app, ["models"], terminal_width=120)
    names = {line.split()[0] for line in result.stdout.splitlines() if line.strip()}
    assert {"inception-v2", *DETECTORS} <= names
    result = CliRunner().invoke(app, ["flops", "ssd300-mobilenet", "--classes", "5"], terminal_width=120)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and "fixed COCO head" in result.stderr
