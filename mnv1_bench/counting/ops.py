"""What each torch function costs, in the paper's convention, and what is free.

Every call a network makes is one of four kinds, by the name of the function it calls:

- a **mult-add op** (convolution, fully connected, matrix products, attention): its multiply-accumulates are
  counted, under the names fvcore gives them ("conv", "linear", ...) and "scaled_dot_product_attention";
- an **fvcore extra** (batch norm, the other norms, adaptive average pooling, upsampling): not a mult-add, but
  priced as fvcore's default handles price it, so that fvcore's all-ops total can be shown beside ours;
- **free**: shape, indexing and bookkeeping only (view, permute, cat, getitem, ``.shape``, ...), never reported;
- anything else is **named**: left out by the convention (activations, pooling, elementwise arithmetic, ...)
  or, when this module does not know it, reported as unknown.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from torch import Tensor

# The op names whose counts are mult-adds; fvcore's ("conv", "linear", ...) and the attention matmuls.
MULT_ADD_OPS = frozenset(
    {"conv", "_convolution", "addmm", "linear", "matmul", "mm", "bmm", "baddbmm", "einsum",
     "scaled_dot_product_attention"}
)  # fmt: skip

FREE_OPS = frozenset(
    {
        "__get__", "__set__", "size", "dim", "numel", "len", "iter", "bool", "format", "repr", "hash",
        "is_floating_point", "is_complex", "is_contiguous", "element_size", "stride", "storage_offset",
        "view", "view_as", "reshape", "reshape_as", "flatten", "unflatten", "permute", "transpose", "transpose_",
        "t", "swapaxes", "movedim", "squeeze", "squeeze_", "unsqueeze", "unsqueeze_", "contiguous", "expand",
        "expand_as", "broadcast_to", "cat", "concat", "concatenate", "stack", "split", "chunk", "unbind",
        "tensor_split", "narrow", "select", "getitem", "setitem", "index_select", "gather", "roll", "flip",
        "repeat", "tile", "repeat_interleave", "clone", "detach", "to", "type", "type_as", "float", "half",
        "double", "bfloat16", "zeros", "zeros_like", "ones", "ones_like", "empty", "empty_like",
        "full", "full_like", "arange", "new_zeros", "new_ones", "new_empty", "new_full", "new_tensor", "tensor",
        "as_tensor", "meshgrid", "masked_fill", "masked_fill_", "copy_", "fill_", "zero_", "requires_grad_",
        "split_with_sizes", "index", "dropout", "dropout1d", "dropout2d", "dropout3d", "feature_dropout",
        "alpha_dropout", "stochastic_depth", "identity", "pad", "constant_pad_nd", "diag", "tril", "triu",
        "_assert", "_assert_async", "sym_size", "is_nonzero", "item", "tolist", "get_device", "cpu", "cuda",
    }
)  # fmt: skip

# Ops with a cost that the paper's convention leaves out; reported by name with their number of calls.
EXCLUDED_BY_CONVENTION = frozenset(
    {
        "batch_norm", "group_norm", "layer_norm", "instance_norm", "local_response_norm", "normalize",
        "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
        "adaptive_avg_pool2d", "adaptive_avg_pool3d", "adaptive_max_pool1d", "adaptive_max_pool2d",
        "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "selu", "celu", "prelu", "hardtanh",
        "hardtanh_", "hardswish", "hardswish_", "hardsigmoid", "hardsigmoid_", "sigmoid", "sigmoid_", "tanh",
        "silu", "silu_", "mish", "gelu", "softplus", "softmax", "log_softmax", "clamp", "clamp_", "clip",
        "add", "add_", "sub", "sub_", "rsub", "mul", "mul_", "div", "div_", "neg", "pow", "sqrt", "rsqrt", "exp",
        "log", "abs", "mean", "sum", "amax", "max", "min", "var", "std", "logsumexp", "cumsum", "where",
        "interpolate", "upsample", "upsample_nearest1d", "upsample_nearest2d", "upsample_nearest3d",
        "upsample_bilinear2d", "upsample_bicubic2d", "upsample_trilinear3d", "upsample_linear1d", "grid_sampler",
        "embedding", "floor_divide", "remainder", "eq", "ne", "lt", "le", "gt", "ge", "logical_not", "sign",
    }
)  # fmt: skip

# In-place initialisers (torch.nn.init's and the tensor methods they call): they fill values, never shapes.
INIT_OPS = frozenset(
    {"normal_", "uniform_", "trunc_normal_", "kaiming_normal_", "kaiming_uniform_", "xavier_normal_",
     "xavier_uniform_", "orthogonal_", "sparse_", "constant_", "zeros_", "ones_", "eye_", "dirac_", "bernoulli_",
     "random_", "exponential_", "cauchy_", "log_normal_", "geometric_", "fill_", "zero_"}
)  # fmt: skip

_DUNDER = {
    "add": "add", "radd": "add", "iadd": "add_", "sub": "sub", "rsub": "sub", "isub": "sub_", "mul": "mul",
    "rmul": "mul", "imul": "mul_", "truediv": "div", "rtruediv": "div", "itruediv": "div_", "floordiv":
    "floor_divide", "rfloordiv": "floor_divide", "mod": "remainder", "matmul": "matmul", "rmatmul": "rmatmul",
    "pow": "pow", "rpow": "pow", "neg": "neg", "getitem": "getitem", "setitem": "setitem", "len": "len",
    "iter": "iter", "bool": "bool", "format": "format", "repr": "repr", "hash": "hash", "eq": "eq", "ne": "ne",
    "lt": "lt", "le": "le", "gt": "gt", "ge": "ge", "invert": "logical_not", "abs": "abs",
}  # fmt: skip


def op_name(func: Callable) -> str:
    """The name a call is reported under: ``x + y`` is "add", ``x[0]`` "getitem", ``F.conv2d`` "conv2d"."""
    name = getattr(func, "__name__", None) or str(func)
    if name.startswith("__") and name.endswith("__") and name not in ("__get__", "__set__"):
        return _DUNDER.get(name[2:-2], name[2:-2])
    return name.rsplit(".", 1)[-1]


def _arg(args: tuple, kwargs: dict, index: int, name: str) -> Any:
    return args[index] if len(args) > index else kwargs.get(name)


def _first(value: Any) -> Tensor:
    return value[0] if isinstance(value, (tuple, list)) else value


Costs = dict[str, int]
Formula = Callable[[tuple, dict, Any], Costs]


def _conv(args, kwargs, out) -> Costs:
    weight = _arg(args, kwargs, 1, "weight")
    return {"conv": _first(out).numel() * math.prod(weight.shape[1:])}


def _conv_transpose(args, kwargs, out) -> Costs:  # fvcore's: every input pixel times the whole kernel
    source, weight = _arg(args, kwargs, 0, "input"), _arg(args, kwargs, 1, "weight")
    return {"conv": source.numel() * math.prod(weight.shape[1:])}


def _linear(args, kwargs, out) -> Costs:
    source, weight = _arg(args, kwargs, 0, "input"), _arg(args, kwargs, 1, "weight")
    return {"linear": source.numel() * (weight.shape[0] if weight.dim() == 2 else 1)}


def _matrix_product(op: str, first: int) -> Formula:
    """Output elements x the shared dimension; ``first`` is the position of the left-hand matrix."""

    def formula(args, kwargs, out) -> Costs:
        left = args[first] if op != "rmatmul" else args[1]
        return {op if op != "rmatmul" else "matmul": max(_first(out).numel(), 1) * left.shape[-1]}

    return formula


def _einsum(args, kwargs, out) -> Costs:
    """Every combination of the indices of two operands is one multiply-accumulate."""
    equation, *operands = args
    operands = operands[0] if len(operands) == 1 and isinstance(operands[0], (list, tuple)) else operands
    sizes: dict[str, int] = {}
    for letters, operand in zip(equation.replace(" ", "").split("->")[0].split(","), operands, strict=False):
        sizes.update(zip(letters, operand.shape, strict=False))
    return {"einsum": math.prod(sizes.values())}


def _attention(args, kwargs, out) -> Costs:
    """Q·Kᵀ (L x S x E per head and batch) and attention·V (L x S x Ev): the two matmuls, per head."""
    query, key, value = args[0], _arg(args, kwargs, 1, "key"), _arg(args, kwargs, 2, "value")
    batch_heads = math.prod(_first(out).shape[:-2])
    return {"scaled_dot_product_attention": batch_heads * query.shape[-2] * key.shape[-2]
            * (query.shape[-1] + value.shape[-1])}  # fmt: skip


def _norm(name: str, affine_index: int, affine_name: str) -> Formula:  # fvcore's rough estimate: 4-5 per element
    def formula(args, kwargs, out) -> Costs:
        affine = _arg(args, kwargs, affine_index, affine_name) is not None
        return {name: args[0].numel() * (5 if affine else 4)}

    return formula


def _batch_norm(args, kwargs, out) -> Costs:
    if _arg(args, kwargs, 5, "training"):
        return _norm("batch_norm", 1, "running_mean")(args, kwargs, out)
    affine = _arg(args, kwargs, 3, "weight") is not None
    return {"batch_norm": args[0].numel() * (2 if affine else 1)}


def _interpolate(args, kwargs, out) -> Costs:
    mode = _arg(args, kwargs, 3, "mode") or "nearest"
    per_output = {"nearest": 1, "bilinear": 4}.get(mode)
    name = f"upsample_{mode}{args[0].dim() - 2}d"
    return {name: _first(out).numel() * per_output} if per_output and args[0].dim() == 4 else {}


FORMULAS: dict[str, Formula] = {
    **dict.fromkeys(("conv1d", "conv2d", "conv3d", "convolution", "_convolution"), _conv),
    **dict.fromkeys(("conv_transpose1d", "conv_transpose2d", "conv_transpose3d"), _conv_transpose),
    "linear": _linear,
    "addmm": _matrix_product("addmm", 1),
    "baddbmm": _matrix_product("baddbmm", 1),
    "mm": _matrix_product("mm", 0),
    "bmm": _matrix_product("bmm", 0),
    "matmul": _matrix_product("matmul", 0),
    "rmatmul": _matrix_product("rmatmul", 0),
    "einsum": _einsum,
    "scaled_dot_product_attention": _attention,
    "batch_norm": _batch_norm,
    "layer_norm": _norm("layer_norm", 2, "weight"),
    "group_norm": _norm("group_norm", 2, "weight"),
    "instance_norm": _norm("instance_norm", 1, "running_mean"),
    "adaptive_avg_pool2d": lambda args, kwargs, out: {"adaptive_avg_pool2d": args[0].numel()},
    "interpolate": _interpolate,
    "grid_sample": lambda args, kwargs, out: {"grid_sampler": _first(out).numel() * 4},
}


_WEIGHT_POSITIONS = {"linear": (1,), "addmm": (1, 2), "baddbmm": (1, 2), "mm": (0, 1), "bmm": (0, 1),
                     "matmul": (0, 1), "rmatmul": (0, 1)}  # fmt: skip


def weight_operands(name: str, args: tuple, kwargs: dict) -> list[Any]:
    """The operands of a mult-add call that can be a layer's weight (never a bias, never a norm's scale)."""
    if name.startswith("conv"):
        return [_arg(args, kwargs, 1, "weight")]
    if name not in _WEIGHT_POSITIONS:
        return []
    return [args[i] for i in _WEIGHT_POSITIONS[name] if i < len(args)] + [kwargs.get("weight")]
