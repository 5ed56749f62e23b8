"""Counting on the meta device gives the integers fvcore gives on real tensors, for every registry network; attention
is counted in the paper's convention; weights mean the same everywhere; shape-only ops are never reported."""

from __future__ import annotations

import warnings
from collections import Counter
from functools import partial

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from mnv1_bench.counting import count_module
from mnv1_bench.models import registry

FVCORE_MULT_ADD_OPS = {"conv", "linear", "addmm", "matmul", "mm", "bmm", "einsum"}

# Every registry network: the paper's, MobileNet's variants, Table 13's (detectors included), a few torchvision ones.
FAST = ["mobilenet", "conv-mobilenet", "squeezenet", "faster-rcnn300-mobilenet", "torchvision:resnet18"]
SLOW = ["mobilenet-0.5-160", "shallow-mobilenet-0.75-192", "googlenet", "alexnet", "vgg16", "inception-v3",
        "inception-v2", "ssd300-mobilenet", "ssd300-vgg16", "ssd300-inception-v2", "faster-rcnn300-vgg16",
        "faster-rcnn300-inception-v2", "faster-rcnn600-mobilenet", "faster-rcnn600-vgg16",
        "faster-rcnn600-inception-v2",
        "torchvision:inception_v3", "torchvision:mobilenet_v2", "torchvision:mobilenet_v3_small",
        "torchvision:squeezenet1_0"]  # fmt: skip


def fvcore_on_real_tensors(model: nn.Module, input_shape: tuple[int, ...]) -> dict:
    """The reference: fvcore's jit trace of a real forward pass, each conv and FC module's first shapes and its
    mult-adds (times its ``repeats`` mark), and the conv/FC weights: how the tool counted before it used meta."""
    with warnings.catch_warnings():  # fvcore's import touches the deprecated torch.jit.script
        warnings.simplefilter("ignore")
        from fvcore.nn import FlopCountAnalysis

    def record(name, module, inputs, output) -> None:
        shapes.setdefault(name, (tuple(inputs[0].shape[1:]), tuple(output.shape[1:])))

    model, example = model.eval(), torch.zeros(input_shape)
    shapes, handles = {}, []
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            handles.append(module.register_forward_hook(partial(record, name)))
    with torch.no_grad():
        model(example)
    for handle in handles:
        handle.remove()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = FlopCountAnalysis(model, example).unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        by_op, by_module = Counter({op: int(n) for op, n in analysis.by_operator().items()}), analysis.by_module()
        total = int(analysis.total())
        marked = {n: m.repeats for n, m in model.named_modules() if getattr(m, "repeats", 1) != 1}
        for name, times in marked.items():
            by_op.update({op: (times - 1) * int(n) for op, n in analysis.by_module_and_operator()[name].items()})
            total += (times - 1) * int(by_module[name])
    modules = dict(model.named_modules())

    def times(name: str) -> int:
        return next((t for outer, t in marked.items() if name == outer or name.startswith(outer + ".")), 1)

    return {
        "mult_adds": sum(n for op, n in by_op.items() if op in FVCORE_MULT_ADD_OPS),
        "fvcore_total": total,
        "fvcore_extra": {op: n for op, n in sorted(by_op.items()) if op not in FVCORE_MULT_ADD_OPS and n},
        "params": sum(p.numel() for p in model.parameters()),
        "weights": sum(modules[name].weight.numel() for name in shapes),
        "layers": [(name, *shape, times(name) * int(by_module[name])) for name, shape in shapes.items()],
    }


def meta_count(name: str) -> dict:
    spec = registry.resolve(name)
    cost = count_module(spec.build, spec.input_shape)
    return {
        "mult_adds": cost.mult_adds,
        "fvcore_total": cost.fvcore_total,
        "fvcore_extra": cost.fvcore_extra,
        "params": cost.params,
        "weights": cost.weights,
        "layers": [(layer.name, layer.in_shape, layer.out_shape, layer.mult_adds) for layer in cost.layers],
    }


@pytest.mark.parametrize("name", FAST + [pytest.param(n, marks=pytest.mark.slow) for n in SLOW])
def test_meta_count_equals_fvcore_on_real_tensors(name):
    spec = registry.resolve(name)
    assert meta_count(name) == fvcore_on_real_tensors(spec.build(), spec.input_shape)


def test_the_builder_runs_on_the_meta_device(monkeypatch):
    """No weights are allocated: the network count_module() builds lives on the meta device."""
    built = []
    spec = registry.resolve("mobilenet")
    count_module(lambda: built.append(spec.build()) or built[-1], spec.input_shape)
    assert built and all(p.is_meta for p in built[0].parameters())


def test_a_module_with_real_weights_is_counted_on_fake_tensors():
    """A real module (the API's common case) is counted without running it: its output is never computed."""
    spec = registry.resolve("mobilenet")
    model, seen = spec.build(), []
    model.register_forward_hook(lambda m, i, o: seen.append(type(o).__name__))
    assert count_module(model, spec.input_shape).mult_adds == count_module(spec.build, spec.input_shape).mult_adds
    assert seen == ["FakeTensor"]


def test_a_builder_that_needs_real_values_is_built_for_real_without_initialising_weights():
    class WidthsFromTensors(nn.Module):  # RegNet's way: layer widths computed with torch, then .tolist()
        def __init__(self):
            super().__init__()
            widths = (torch.arange(1, 3) * 8).tolist()
            self.convs = nn.Sequential(nn.Conv2d(3, widths[0], 3), nn.Conv2d(widths[0], widths[1], 1))

    model = WidthsFromTensors()
    cost = count_module(lambda: WidthsFromTensors().convs, (1, 3, 10, 10))
    assert cost.mult_adds == 8 * 8 * 8 * 27 + 8 * 8 * 16 * 8
    assert cost.params == sum(p.numel() for p in model.parameters())


def test_flops_at_4000_pixels_is_shapes_only():
    """The cost at any resolution comes from shapes alone: MobileNet's at 4000 x 4000 in the paper's Table 1 form."""
    spec = registry.mobilenet(1.0, 224)
    big = count_module(spec.build, (1, 3, 4000, 4000))
    small = count_module(spec.build, spec.input_shape)
    fc = 1024 * 1000
    assert (big.mult_adds - fc) * 112 * 112 == (small.mult_adds - fc) * 2000 * 2000


# Attention: ViT-B/32 from its paper's table (Dosovitskiy et al. 2021): 12 layers, width 768, MLP 3072, 32x32 patches.
def vit_b_32_mult_adds(res: int = 224, classes: int = 1000) -> int:
    width, mlp, layers, patch = 768, 3072, 12, 32
    tokens = (res // patch) ** 2 + 1  # the patches and the class token
    patchify = (tokens - 1) * width * 3 * patch * patch
    attention = tokens * width * 3 * width + 2 * tokens * tokens * width + tokens * width * width
    return patchify + layers * (attention + 2 * tokens * width * mlp) + width * classes


def test_vit_b_32_counts_the_two_attention_matmuls(counted):
    _, cost = counted("torchvision:vit_b_32")
    assert cost.mult_adds == vit_b_32_mult_adds()
    assert round(cost.mult_adds / 1e9, 3) == 4.409  # torchvision's ViT_B_32_Weights metadata, in GMACs
    assert cost.unknown_ops == {}
    assert "unflatten" not in cost.excluded_ops and "scaled_dot_product_attention" not in cost.excluded_ops


def test_fvcore_total_leaves_attention_out_as_fvcore_does(counted):
    """fvcore knows no attention op: its all-ops total is ours minus the attention matmuls, plus the norms."""
    _, cost = counted("torchvision:vit_b_32")
    tokens, width = 50, 768
    assert cost.fvcore_total == cost.mult_adds - 12 * 2 * tokens * tokens * width + cost.fvcore_extra["layer_norm"]


@pytest.mark.parametrize("batch_first", [True, False])
def test_multihead_attention_agrees_with_torch_flop_counter(batch_first):
    """nn.MultiheadAttention (separate key/value sizes): projections and both matmuls, as torch's own counter
    (FLOPs = 2 x multiply-accumulates) counts them on a real forward pass. need_weights=True: the path with
    explicit matrix products, which torch's counter sees (it has no formula for the CPU attention kernel)."""

    class Cross(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = nn.MultiheadAttention(64, 4, kdim=32, vdim=48, batch_first=batch_first)

        def forward(self, x):
            q, k, v = x[:, :10, :64], x[:, :7, :32], x[:, :7, :48]
            if not batch_first:
                q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
            return self.attn(q, k, v, need_weights=True)[0]

    model = Cross().eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(2, 10, 64))
    cost = count_module(model, (2, 10, 64))
    assert 2 * cost.mult_adds == counter.get_total_flops()
    by_hand = 2 * (10 * 64 * 64 + 7 * 32 * 64 + 7 * 48 * 64 + 2 * 10 * 7 * 64 + 10 * 64 * 64)
    assert cost.mult_adds == by_hand
    attn = model.attn
    assert cost.weights == sum(w.numel() for w in (attn.q_proj_weight, attn.k_proj_weight, attn.v_proj_weight,
                                                  attn.out_proj.weight))  # fmt: skip
    assert [layer.type for layer in cost.layers] == ["Attention"]


def test_weights_are_every_weight_tensor_of_a_mult_add_layer(counted):
    """ViT-B/16: conv and FC weights and attention's projections; not biases, norms, tokens or position embeddings."""
    spec, cost = counted("torchvision:vit_b_16")
    model = spec.build()
    embeddings = ("class_token", "encoder.pos_embedding")
    matrices = sum(p.numel() for n, p in model.named_parameters() if p.dim() >= 2 and n not in embeddings)
    assert cost.weights == matrices
    assert cost.params == sum(p.numel() for p in model.parameters()) == 86_567_656  # torchvision's num_params
    assert 86e6 < cost.weights < cost.params


@pytest.mark.parametrize("name", ["torchvision:swin_t", "torchvision:vit_b_32", "torchvision:efficientnet_b0"])
def test_shape_only_ops_are_never_reported(counted, name):
    _, cost = counted(name)
    named = set(cost.excluded_ops) | set(cost.unknown_ops)
    assert cost.unknown_ops == {}
    assert not named & {"view", "reshape", "permute", "transpose", "flatten", "unflatten", "getitem", "cat",
                        "expand", "contiguous", "pad", "roll", "dropout"}  # fmt: skip


def test_an_op_no_formula_knows_is_named_as_unknown():
    class Sorts(nn.Module):
        def forward(self, x):
            return torch.sort(x, dim=-1).values.cumprod(dim=-1)

    cost = count_module(Sorts(), (1, 4))
    assert cost.unknown_ops == {"sort": 1, "cumprod": 1}


def test_the_package_api_is_count_and_count_module_and_importing_the_package_loads_no_torch():
    import subprocess
    import sys

    probe = "import sys, mnv1_bench; print('torch' in sys.modules); print(mnv1_bench.count_module)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    first, second = done.stdout.splitlines()
    assert first == "False" and "function count_module" in second
    import mnv1_bench
    from mnv1_bench.counting import count

    assert mnv1_bench.count is count and mnv1_bench.count_module is count_module
    with pytest.raises(AttributeError):
        mnv1_bench.no_such_name  # noqa: B018
