"""Every architecture's count derived in this file from its paper's layer table and the paper's cost formula.

Nothing here comes from the package: the layer tables are typed in from the papers, and a layer's cost is the
MobileNet paper's Section 3 formula, D_K * D_K * (M / groups) * N * D_F * D_F mult-adds for a D_K x D_K
convolution from M to N channels onto a D_F x D_F output map, and M * N for a fully connected layer.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode


def conv(k: int, m: int, n: int, d_f: int, groups: int = 1) -> tuple[int, int]:
    """(mult-adds, weights) of one convolution: D_K * D_K * M/g * N * D_F^2 and D_K * D_K * M/g * N."""
    weights = k * k * (m // groups) * n
    return weights * d_f * d_f, weights


def fc(m: int, n: int) -> tuple[int, int]:
    return m * n, m * n


def total(layers: list[tuple[int, int]]) -> tuple[int, int]:
    return sum(ma for ma, _ in layers), sum(w for _, w in layers)


# ---------------------------------------------------------------- MobileNet (Howard et al. 2017, Table 1)
# Table 1 typed in: (type, stride, channels in, channels out) at width 1.0. "dw" rows keep their channels.
# Row 18 is printed "Conv dw / s2" but its input and output are both 7x7: stride 1 (the known erratum).
TABLE1 = [
    ("conv", 2, 3, 32),
    ("dw", 1, 32, 32), ("pw", 1, 32, 64),
    ("dw", 2, 64, 64), ("pw", 1, 64, 128),
    ("dw", 1, 128, 128), ("pw", 1, 128, 128),
    ("dw", 2, 128, 128), ("pw", 1, 128, 256),
    ("dw", 1, 256, 256), ("pw", 1, 256, 256),
    ("dw", 2, 256, 256), ("pw", 1, 256, 512),
    *[("dw", 1, 512, 512), ("pw", 1, 512, 512)] * 5,  # the "5x" brace: five dw + pw pairs
    ("dw", 2, 512, 512), ("pw", 1, 512, 1024),
    ("dw", 1, 1024, 1024), ("pw", 1, 1024, 1024),
]  # fmt: skip
FIVE_REPEATS = slice(13, 23)  # Table 5's shallow MobileNet drops the five 14x14x512 pairs


def scaled(channels: int, alpha: float) -> int:
    """TF-Slim's depth rule, as mobilenet_v1.py applies it: floor(channels * alpha), but never under 8."""
    return max(8, math.floor(channels * alpha))


def mobilenet_layers(alpha=1.0, resolution=224, standard=False, shallow=False, classes=1000):
    """Table 1 turned into per-layer (mult-adds, weights, BN channels); D_F = ceil(input / stride) ("same" pad)."""
    table = TABLE1[: FIVE_REPEATS.start] + TABLE1[FIVE_REPEATS.stop :] if shallow else TABLE1
    if standard:  # Table 4's Conv MobileNet: each dw + pw pair becomes one full 3x3 conv with the dw's stride
        pairs = zip(table[1::2], table[2::2], strict=True)
        table = [table[0]] + [("conv", dw[1], dw[2], pw[3]) for dw, pw in pairs]
    size, rows = resolution, []
    for kind, stride, m, n in table:
        size = -(-size // stride)
        m, n = (3 if kind == "conv" and m == 3 else scaled(m, alpha)), scaled(n, alpha)
        if kind == "dw":
            rows.append((*conv(3, m, m, size, groups=m), m))
        else:
            rows.append((*conv(1 if kind == "pw" else 3, m, n, size), n))
    features = scaled(1024, alpha)
    return rows + [(*fc(features, classes), 0)], features, size


@pytest.mark.parametrize(
    ("name", "config"),
    [
        ("mobilenet", {}),
        ("conv-mobilenet", {"standard": True}),
        ("shallow-mobilenet", {"shallow": True}),
        *[
            (f"mobilenet-{a}-{r}", {"alpha": float(a), "resolution": r})
            for a, r in [
                ("0.75", 224),
                ("0.5", 224),
                ("0.25", 224),
                ("1.0", 192),
                ("1.0", 160),
                ("1.0", 128),
                ("0.5", 160),
                ("0.75", 192),
                ("0.25", 100),
            ]
        ],  # 100 is no multiple of 32: D_F's ceiling matters
        # alpha 0.1: 32 -> 3.2 and 64 -> 6.4 are raised to the floor of 8; 256 -> 25.6 is 25, not 26.
        ("mobilenet-0.1-128", {"alpha": 0.1, "resolution": 128}),
    ],
)
def test_mobilenet_from_table1(counted, name, config):
    _, cost = counted(name)
    rows, features, size = mobilenet_layers(**config)
    assert (cost.mult_adds, cost.weights) == (sum(r[0] for r in rows), sum(r[1] for r in rows))
    # torchvision's convention adds BN scale and shift per channel of every conv, and the FC bias.
    assert cost.params == cost.weights + 2 * sum(r[2] for r in rows) + 1000
    assert cost.layers[-1].in_shape == (features,) and cost.layers[-2].out_shape == (features, size, size)


def test_table1_derivation_matches_the_papers_input_sizes():
    """The derivation's D_F per layer at 224 is Table 1's printed input-size column of the next row."""
    sizes, size = [], 224
    for _, stride, _, _ in TABLE1:
        size = -(-size // stride)
        sizes.append(size)
    assert sizes[:3] == [112, 112, 112] and sizes[3:5] == [56, 56] and sizes[7:9] == [28, 28]
    assert sizes[11:13] == [14, 14] and sizes[23:25] == [7, 7] and sizes[-1] == 7


def test_width_floor_reaches_layers_alpha_leaves_under_8(counted):
    """At alpha 0.1 the first conv and first dw have 8 channels (3.2 floored to 3, raised to 8)."""
    _, cost = counted("mobilenet-0.1-128")
    assert cost.layers[0].out_shape[0] == 8 and cost.layers[2].out_shape[0] == 8  # 32*0.1, 64*0.1 -> 8
    assert cost.layers[8].out_shape[0] == 25  # 256*0.1 = 25.6 -> 25 (floor, not round)


# ---------------------------------------------------------------- VGG16 (Simonyan & Zisserman 2014, config D)
VGG16_D = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def test_vgg16_from_configuration_d(counted):
    _, cost = counted("vgg16")
    layers, m, size, biases = [], 3, 224, 0
    for item in VGG16_D:
        if item == "M":
            size //= 2
            continue
        layers.append(conv(3, m, item, size))  # 3x3, stride 1, pad 1: the map keeps its size
        m, biases = item, biases + item
    layers += [fc(512 * 7 * 7, 4096), fc(4096, 4096), fc(4096, 1000)]
    mult_adds, weights = total(layers)
    assert (cost.mult_adds, cost.weights) == (mult_adds, weights)
    assert cost.params == weights + biases + 4096 + 4096 + 1000 == 138_357_544  # torchvision documents 138,357,544


# ---------------------------------------------------------------- GoogLeNet (Szegedy et al. 2014, Table 1)
# Table 1 typed in: (name, output size, #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj, printed ops (M)).
INCEPTIONS = [
    ("3a", 28, 64, 96, 128, 16, 32, 32, 128),
    ("3b", 28, 128, 128, 192, 32, 96, 64, 304),
    ("4a", 14, 192, 96, 208, 16, 48, 64, 73),
    ("4b", 14, 160, 112, 224, 24, 64, 64, 88),
    ("4c", 14, 128, 128, 256, 24, 64, 64, 100),
    ("4d", 14, 112, 144, 288, 32, 64, 64, 119),
    ("4e", 14, 256, 160, 320, 32, 128, 128, 170),
    ("5a", 7, 256, 160, 320, 32, 128, 128, 54),
    ("5b", 7, 384, 192, 384, 48, 128, 128, 71),
]


def googlenet_layers(third_branch_kernel: int = 5) -> tuple[list[tuple[int, int]], list[int]]:
    """Per conv (mult-adds, weights), and each conv's output channels (for biases or BN)."""
    # conv 7x7/2 -> 112x112x64, max pool -> 56, conv 3x3 (with its 1x1 reduce of 64) -> 56x56x192
    layers = [conv(7, 3, 64, 112), conv(1, 64, 64, 56), conv(3, 64, 192, 56)]
    channels = [64, 64, 192]
    m = 192
    for _, size, n1, r3, n3, r5, n5, proj, _ in INCEPTIONS:
        layers += [conv(1, m, n1, size), conv(1, m, r3, size), conv(3, r3, n3, size),
                   conv(1, m, r5, size), conv(third_branch_kernel, r5, n5, size), conv(1, m, proj, size)]  # fmt: skip
        channels += [n1, r3, n3, r5, n5, proj]
        m = n1 + n3 + n5 + proj
    assert m == 1024  # Table 1: avg pool 1x1x1024, then the linear layer
    return layers + [fc(1024, 1000)], channels


# 5a's printed 54M ops is the one figure of the column its own channels do not give (they give 51.1M).
@pytest.mark.parametrize("row", [r for r in INCEPTIONS if r[0] != "5a"], ids=lambda r: r[0])
def test_googlenet_table1_inception_ops_match_their_printed_figures(row):
    """The typed-in rows reproduce Table 1's own "ops" column (millions, printed to the unit)."""
    name, size, n1, r3, n3, r5, n5, proj, printed = row
    m = {"3a": 192, "3b": 256, "4a": 480, "4b": 512, "4c": 512, "4d": 512, "4e": 528, "5a": 832, "5b": 832}[name]
    ops = sum(conv(k, i, o, size)[0] for k, i, o in
              [(1, m, n1), (1, m, r3), (3, r3, n3), (1, m, r5), (5, r5, n5), (1, m, proj)])  # fmt: skip
    assert abs(ops / 1e6 - printed) < 1


def test_googlenet_from_table1(counted):
    _, cost = counted("googlenet")
    layers, channels = googlenet_layers()
    mult_adds, weights = total(layers)
    assert (cost.mult_adds, cost.weights) == (mult_adds, weights)
    assert cost.params == weights + sum(channels) + 1000  # conv biases and the FC bias, no batch norm


def test_torchvision_googlenet_is_table1_with_3x3_in_the_5x5_branch(counted):
    """torchvision's googlenet: the "5x5" branch is a 3x3, no conv biases, batch norm after every conv."""
    _, cost = counted("torchvision:googlenet")
    layers, channels = googlenet_layers(third_branch_kernel=3)
    mult_adds, weights = total(layers)
    assert (cost.mult_adds, cost.weights) == (mult_adds, weights)
    assert cost.params == weights + 2 * sum(channels) + 1000 == 6_624_904  # torchvision documents 6,624,904


# ---------------------------------------------------------------- AlexNet (Krizhevsky et al. 2012), two towers
def test_alexnet_from_its_two_towers(counted):
    """Section 3.5: conv2, conv4 and conv5 see only their own tower's half of the input (groups of 2)."""
    _, cost = counted("alexnet")
    layers = [
        conv(11, 3, 96, 55),  # conv1, stride 4: 55x55x96
        conv(5, 96, 256, 27, groups=2),  # conv2, after a 3x3/2 max pool: 27x27
        conv(3, 256, 384, 13),  # conv3: both towers
        conv(3, 384, 384, 13, groups=2),  # conv4
        conv(3, 384, 256, 13, groups=2),  # conv5, then a max pool to 6x6x256
        fc(256 * 6 * 6, 4096), fc(4096, 4096), fc(4096, 1000),
    ]  # fmt: skip
    mult_adds, weights = total(layers)
    assert (cost.mult_adds, cost.weights) == (mult_adds, weights) == (724_406_816, 60_954_656)
    assert cost.params == weights + 96 + 256 + 384 + 384 + 256 + 4096 + 4096 + 1000


# ---------------------------------------------------------------- SqueezeNet 1.0 (Iandola et al. 2016, Table 1)
# Table 1's fire modules typed in: (s1x1, e1x1, e3x3). Its Caffe model takes 227 pixels (111/55/27/13 maps); at
# 224 the maps are (224 - 7) // 2 + 1 = 109 after conv1, then 54, 27 and 13 after the ceil-mode 3x3/2 pools.
FIRES = [(16, 64, 64), (16, 64, 64), (32, 128, 128), (32, 128, 128),
         (48, 192, 192), (48, 192, 192), (64, 256, 256), (64, 256, 256)]  # fmt: skip
FIRE_SIZES = [54, 54, 54, 27, 27, 27, 27, 13]  # pools before fire2, fire5 and fire9


def test_squeezenet_from_its_table1(counted):
    _, cost = counted("squeezenet")
    layers, m, biases = [conv(7, 3, 96, 109)], 96, 96
    for (s, e1, e3), size in zip(FIRES, FIRE_SIZES, strict=True):
        layers += [conv(1, m, s, size), conv(1, s, e1, size), conv(3, s, e3, size)]
        m, biases = e1 + e3, biases + s + e1 + e3
    layers.append(conv(1, m, 1000, 13))  # conv10, then global average pooling: no FC layer
    mult_adds, weights = total(layers)
    assert (cost.mult_adds, cost.weights) == (mult_adds, weights)
    assert cost.params == weights + biases + 1000 == 1_248_424  # SqueezeNet's Table 1 prints 1,248,424 in total


# ---------------------------------------------------------------- Inception V3 (Szegedy et al. 2015)
def test_inception_v3_agrees_with_the_published_figures(counted):
    """Only rounded figures are published: torchvision documents 5.71 GFLOPS (multiply-adds, as its table
    counts them) and 27,161,264 parameters with the auxiliary head, whose cost is derived here."""
    _, cost = counted("inception-v3")
    assert abs(cost.mult_adds / 1e9 - 5.71) < 0.01  # agreement at the printed precision, not the tool's integer
    aux_head = (1 * 1 * 768 * 128 + 2 * 128) + (5 * 5 * 128 * 768 + 2 * 768) + (768 * 1000 + 1000)
    assert cost.params == 27_161_264 - aux_head
    assert cost.layers[-1].in_shape == (2048,) and cost.layers[0].in_shape == (3, 299, 299)


# ---------------------------------------------------------------- fvcore's all-ops total
def test_fvcore_total_is_ours_plus_batch_norm_and_pooling_elements(counted):
    """fvcore counts two ops per element through each batch norm (scale and shift) and one per pooled element;
    tools quoting fvcore for MobileNet print 578.9M (agreement checked at that precision)."""
    _, cost = counted("mobilenet")
    size, activations = 224, 0
    for _, stride, _, n in TABLE1:
        size = -(-size // stride)
        activations += n * size * size  # every conv is followed by a batch norm over its output
    assert cost.fvcore_extra == {"batch_norm": 2 * activations, "adaptive_avg_pool2d": 1024 * 7 * 7}
    assert cost.fvcore_total == cost.mult_adds + 2 * activations + 1024 * 7 * 7
    assert abs(cost.fvcore_total / 1e6 - 578.9) < 0.1


# ---------------------------------------------------------------- a second counter for every registry model
@pytest.mark.parametrize(
    "name", ["vgg16", "inception-v3", "shallow-mobilenet", "mobilenet-0.75-192", "mobilenet-0.1-128"]
)
def test_torch_flop_counter_agrees(counted, name):
    """torch.utils.flop_counter counts conv and matmul FLOPs as 2 x multiply-accumulates.
    (mobilenet, conv-mobilenet, alexnet, googlenet and squeezenet: tests/test_counting.py.)"""
    spec, cost = counted(name)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        spec.build().eval()(torch.zeros(spec.input_shape))
    assert counter.get_total_flops() == 2 * cost.mult_adds


# ---------------------------------------------------------------- the package's formulas against Table 3
def test_formulas_reproduce_table3():
    """Table 3 of the MobileNet paper (one 3x3 layer, M = N = 512, D_F = 14), printed in millions."""
    from mnv1_bench.paper import formulas as f

    conv_mult_adds, conv_params, conv_out_size = f.conv_mult_adds, f.conv_params, f.conv_out_size
    depthwise_separable_mult_adds, depthwise_separable_params = (
        f.depthwise_separable_mult_adds,
        f.depthwise_separable_params,
    )

    printed = {  # row: (mult-adds, params) as printed
        "Convolution": (conv_mult_adds(3, 512, 512, 14), conv_params(3, 512, 512), "462", "2.36"),
        "Depthwise Separable Conv": (depthwise_separable_mult_adds(3, 512, 512, 14),
                                     depthwise_separable_params(3, 512, 512), "52.3", "0.27"),
        "alpha = 0.75": (depthwise_separable_mult_adds(3, 384, 384, 14), depthwise_separable_params(3, 384, 384),
                         "29.6", "0.15"),
        "rho = 0.714": (depthwise_separable_mult_adds(3, 384, 384, 10), depthwise_separable_params(3, 384, 384),
                        "15.1", "0.15"),
    }  # fmt: skip
    for row, (mult_adds, params, printed_mult_adds, printed_params) in printed.items():
        unit_m, unit_p = (
            10.0 ** -len(printed_mult_adds.partition(".")[2]),
            10.0 ** -len(printed_params.partition(".")[2]),
        )
        assert abs(mult_adds / 1e6 - float(printed_mult_adds)) < unit_m, row
        assert abs(params / 1e6 - float(printed_params)) < unit_p, row
    assert (conv_mult_adds(3, 64, 64, 10, groups=64), conv_params(3, 64, 64, groups=64, bias=True)) == (57_600, 640)
    assert (conv_params(1, 8, 4), conv_params(1, 8, 4, bias=True)) == (32, 36)
    exact = [conv_mult_adds(3, 64, 64, 10, groups=64), conv_params(3, 64, 64, groups=64), conv_out_size(14, 3, 2, 1)]
    assert all(type(n) is int for n in exact)  # exact integers, not floats
    assert [conv_out_size(224, 3, 2, 1), conv_out_size(14, 3, 1, 1), conv_out_size(227, 11, 4, 0)] == [112, 14, 55]
    assert conv_out_size(7, 7, 1, 0) == 1 and conv_out_size(109, 3, 2, 0) == 54
