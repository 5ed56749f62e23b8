"""Every torchvision classifier, counted at its native resolution, agrees with torchvision's own weight metadata.

torchvision's ``meta["_ops"]`` (shown as "GFLOPS" in its docs) and ``meta["num_params"]`` were added by
pytorch/vision#6936 (2022), computed with a TorchDispatchMode counter after Horace He's "ideal PyTorch FLOP
counter with torch_dispatch": it counts convolution and matrix-product kernels (mm, addmm, bmm, ...) as
multiply-accumulates, in GMACs, and nothing else. That is the paper's convention, attention included
(nn.MultiheadAttention ran on bmm then), so the figures compare like with like: mult-adds to the printed three
decimals, parameters exactly. No model needs an exception.

How the weights' builders differ from a plain ``get_model(name, weights=None)`` is repeated here, not papered over:
- googlenet's weights drop the two auxiliary classifiers (``aux_logits`` defaults to False when weights are
  given), so the network is built without them; inception_v3's weights keep its auxiliary classifier (its
  default is True), so its 27.16M params include it, though it does not run at inference;
- the ViTs' position embeddings are sized by ``image_size`` (the SWAG weights of vit_h_14 run at 518).
"""

from __future__ import annotations

from functools import partial

import pytest
import torchvision.models as tvm

from mnv1_bench.counting import count_module

CLASSIFIERS = sorted(tvm.list_models(module=tvm))
FAST = ["resnet18", "mobilenet_v3_small", "vit_b_32", "swin_t", "efficientnet_b0", "squeezenet1_1"]


def native(name: str) -> tuple[tvm.Weights, int, dict]:
    """The default weights, their crop size, and the builder arguments that make the network they describe."""
    weights = tvm.get_model_weights(name).DEFAULT
    crop = weights.transforms().crop_size[0]
    extra = {"aux_logits": False} if name == "googlenet" else {"image_size": crop} if name.startswith("vit_") else {}
    return weights, crop, extra


@pytest.mark.parametrize("name", [n if n in FAST else pytest.param(n, marks=pytest.mark.slow) for n in CLASSIFIERS])
def test_agrees_with_torchvision_metadata(name):
    weights, crop, extra = native(name)
    cost = count_module(partial(tvm.get_model, name, weights=None, **extra), (1, 3, crop, crop))
    assert (f"{cost.mult_adds / 1e9:.3f}", cost.params) == (f"{weights.meta['_ops']:.3f}", weights.meta["num_params"])
    assert cost.unknown_ops == {}


def test_the_list_is_torchvisions_whole_classification_list():
    """Guards the parametrisation: every classifier torchvision ships, ViT and Swin among them."""
    assert len(CLASSIFIERS) >= 80 and {"vit_h_14", "swin_v2_b", "maxvit_t", "regnet_y_128gf"} <= set(CLASSIFIERS)
    assert set(FAST) <= set(CLASSIFIERS)
