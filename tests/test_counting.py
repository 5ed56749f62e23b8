"""Counts checked against exact integers derived by hand, closed-form sums, and a second counter."""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from mnv1_bench.archs import alexnet, googlenet, squeezenet, vgg
from mnv1_bench.archs.mobilenet import MobileNetConfig, block_rows, width
from mnv1_bench.formulas import conv_mult_adds, conv_out_size, conv_params, depthwise_separable_mult_adds

# Exact integers: MobileNet from Table 1 by hand (TF-Slim's docstring gives the same body figures),
# the others from their papers' layer tables by hand, or torchvision's documented parameter counts.
EXACT = {
    # name: (mult_adds, params)
    "mobilenet": (568_740_352, 4_231_976),
    "vgg16": (15_470_264_320, 138_357_544),  # torchvision documents 138,357,544 params, 15.47 GFLOPS (MACs)
    "alexnet": (724_406_816, 60_965_224),  # two towers, summed by hand layer by layer
    "squeezenet": (818_924_576, 1_248_424),  # torchvision documents 1,248,424 params and 0.82 G ops
    "torchvision:googlenet": (1_498_376_192, 6_624_904),  # torchvision documents 6,624,904 params
    "inception-v3": (5_713_216_096, 23_834_568),  # 27,161,264 (torchvision, with aux) - 3,326,696 (aux head)
}


@pytest.mark.parametrize("name", EXACT)
def test_exact_counts(counted, name):
    _, cost = counted(name)
    assert (cost.mult_adds, cost.params) == EXACT[name]


def mobilenet_closed_form(config: MobileNetConfig) -> tuple[int, int]:
    """Mult-adds and weights of MobileNet from the paper's formulas, without building or tracing it."""
    size = conv_out_size(config.resolution, 3, 2, 1)
    cin = width(32, config.alpha)
    mult_adds, weights = conv_mult_adds(3, 3, cin, size), conv_params(3, 3, cin)
    for row in block_rows(config):
        cout = width(row.out_channels, config.alpha)
        size = conv_out_size(size, 3, row.stride, 1)
        if config.block == "separable":
            mult_adds += depthwise_separable_mult_adds(3, cin, cout, size)
            weights += conv_params(3, cin, cin, groups=cin) + conv_params(1, cin, cout)
        else:
            mult_adds += conv_mult_adds(3, cin, cout, size)
            weights += conv_params(3, cin, cout)
        cin = cout
    return mult_adds + cin * config.num_classes, weights + cin * config.num_classes


MOBILENET_VARIANTS = [
    "mobilenet", "conv-mobilenet", "shallow-mobilenet", "mobilenet-0.75-224", "mobilenet-0.5-224",
    "mobilenet-0.25-224", "mobilenet-1.0-192", "mobilenet-1.0-160", "mobilenet-1.0-128", "mobilenet-0.5-160",
    "mobilenet-0.75-192", "mobilenet-0.25-100",
]  # fmt: skip


@pytest.mark.parametrize("name", MOBILENET_VARIANTS)
def test_mobilenet_matches_closed_form(counted, name):
    spec, cost = counted(name)
    assert (cost.mult_adds, cost.weights) == mobilenet_closed_form(spec.mobilenet)


def test_mobilenet_weights_and_bn_split(counted):
    """4,209,088 weights (TF-Slim: 3,185,088 body + 1,024,000 FC); the rest is BN scale/shift and the FC bias."""
    _, cost = counted("mobilenet")
    assert cost.weights == 4_209_088
    bn_channels = 32 + sum(c for c in (32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024))
    bn_channels += sum((64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024))
    assert cost.params == cost.weights + 2 * bn_channels + 1000


def test_vgg16_closed_form(counted):
    _, cost = counted("vgg16")
    size, cin, mult_adds, params = 224, 3, 0, 0
    for item in vgg.CONFIG_D:
        if item == "M":
            size //= 2
            continue
        mult_adds += conv_mult_adds(3, cin, item, size)
        params += conv_params(3, cin, item, bias=True)
        cin = item
    for fin, fout in ((512 * 7 * 7, 4096), (4096, 4096), (4096, 1000)):
        mult_adds, params = mult_adds + fin * fout, params + fin * fout + fout
    assert (cost.mult_adds, cost.params) == (mult_adds, params)


def test_googlenet_closed_form(counted):
    """The paper's GoogLeNet summed row by row from its Table 1 (5x5 branches and biases included)."""
    _, cost = counted("googlenet")
    mult_adds = conv_mult_adds(7, 3, 64, 112) + conv_mult_adds(1, 64, 64, 56) + conv_mult_adds(3, 64, 192, 56)
    params = conv_params(7, 3, 64, bias=True) + conv_params(1, 64, 64, bias=True) + conv_params(3, 64, 192, bias=True)
    cin, size = 192, 28
    for row in googlenet.INCEPTION_ROWS:
        convs = [(1, cin, row.n1x1), (1, cin, row.n3x3_reduce), (3, row.n3x3_reduce, row.n3x3),
                 (1, cin, row.n5x5_reduce), (5, row.n5x5_reduce, row.n5x5), (1, cin, row.pool_proj)]  # fmt: skip
        mult_adds += sum(conv_mult_adds(k, i, o, size) for k, i, o in convs)
        params += sum(conv_params(k, i, o, bias=True) for k, i, o in convs)
        cin = row.out_channels
        size = (size + 1) // 2 if row.pool_after else size
    assert (cost.mult_adds, cost.params) == (mult_adds + 1024 * 1000, params + 1024 * 1000 + 1000)


def test_squeezenet_matches_torchvision_builder(counted):
    """Our SqueezeNet 1.0 (from its paper's table) counts exactly as torchvision's independent builder."""
    _, ours = counted("squeezenet")
    _, theirs = counted("torchvision:squeezenet1_0")
    assert (ours.mult_adds, ours.params) == (theirs.mult_adds, theirs.params)
    assert len(squeezenet.FIRE_ROWS) == 8


def test_inception_v3_matches_torchvision_builder(counted):
    """Our Inception V3 (from its rows) counts exactly as torchvision's independent builder, layer by layer."""
    _, ours = counted("inception-v3")
    _, theirs = counted("torchvision:inception_v3")
    assert (ours.mult_adds, ours.params, ours.fvcore_total) == (theirs.mult_adds, theirs.params, theirs.fvcore_total)
    assert [layer.mult_adds for layer in ours.layers] == [layer.mult_adds for layer in theirs.layers]


def test_alexnet_towers_are_grouped():
    model = alexnet.build_alexnet()
    groups = [m.groups for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert groups == [1, 2, 1, 2, 2]


@pytest.mark.parametrize("name", ["mobilenet", "conv-mobilenet", "alexnet", "googlenet", "squeezenet"])
def test_fvcore_agrees_with_torch_flop_counter(counted, name):
    """torch.utils.flop_counter counts FLOPs = 2 x multiply-accumulates of the same ops."""
    spec, cost = counted(name)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        spec.build().eval()(torch.zeros(spec.input_shape))
    assert counter.get_total_flops() == 2 * cost.mult_adds == cost.flops


def test_fvcore_total_counts_batch_norm_and_pooling(counted):
    """The 578.9M that fvcore-based tools print for MobileNet is ours plus batch norm and the final pooling."""
    _, cost = counted("mobilenet")
    assert cost.fvcore_total == 578_875_904
    assert cost.fvcore_total - cost.mult_adds == sum(cost.fvcore_extra.values())
    assert set(cost.fvcore_extra) == {"batch_norm", "adaptive_avg_pool2d"}
    assert cost.fvcore_extra["adaptive_avg_pool2d"] == 7 * 7 * 1024


def test_per_layer_rows(counted):
    _, cost = counted("mobilenet")
    assert len(cost.layers) == 28  # Table 1: 1 conv + 13 x (dw + pw) + FC
    assert sum(layer.mult_adds for layer in cost.layers) == cost.mult_adds
    first, dw, pw, fc = cost.layers[0], cost.layers[1], cost.layers[2], cost.layers[-1]
    assert (first.type, first.stride, first.in_shape, first.out_shape) == ("Conv 3x3", 2, (3, 224, 224), (32, 112, 112))
    assert first.mult_adds == 10_838_016  # TF-Slim's docstring figure for the first conv
    assert (dw.type, pw.type, fc.type) == ("Conv dw 3x3", "Conv 1x1", "FC")
    assert cost.layers[25].stride == 1 and cost.layers[25].in_shape == (1024, 7, 7)  # the s2 erratum, fixed


def test_ops_left_out_are_reported(counted):
    _, cost = counted("googlenet")
    assert cost.excluded_ops["max_pool2d"] == 13  # 4 stride-2 pools + 9 inception pool branches
    assert cost.unknown_ops == {}
