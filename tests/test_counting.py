"""Counts checked against exact integers derived by hand, other builders, and a second counter."""

from __future__ import annotations

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from mnv1_bench.models.archs import alexnet, squeezenet

# Exact integers: MobileNet from Table 1 by hand (TF-Slim's docstring gives the same body figures),
# the others from their papers' layer tables by hand, or torchvision's documented parameter counts.
EXACT = {
    # name: (mult_adds, params)
    "mobilenet": (568_740_352, 4_231_976),
    "vgg16": (15_470_264_320, 138_357_544),  # torchvision documents 138,357,544 params, 15.47 GFLOPS (MACs)
    "alexnet": (724_406_816, 60_965_224),  # two towers, summed by hand layer by layer
}
# SqueezeNet, GoogLeNet (both), Inception V3 and VGG16's layers: derived from their papers in test_derivations.py.


@pytest.mark.parametrize("name", EXACT)
def test_exact_counts(counted, name):
    _, cost = counted(name)
    assert (cost.mult_adds, cost.params) == EXACT[name]


def test_mobilenet_weights_and_bn_split(counted):
    """4,209,088 weights (TF-Slim: 3,185,088 body + 1,024,000 FC); the rest is BN scale/shift and the FC bias."""
    _, cost = counted("mobilenet")
    assert cost.weights == 4_209_088
    bn_channels = 32 + sum(c for c in (32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024))
    bn_channels += sum((64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024))
    assert cost.params == cost.weights + 2 * bn_channels + 1000


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
