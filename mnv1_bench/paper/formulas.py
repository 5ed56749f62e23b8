"""Closed-form costs of convolution and fully connected layers, in the paper's convention.

One mult-add is one multiply-accumulate. These are the formulas of the paper's Section 3 (D_K, M, N, D_F)
and serve both Table 3 and the tests, which check the traced counts against them.
"""

from __future__ import annotations


def conv_mult_adds(kernel: int, cin: int, cout: int, out_size: int, groups: int = 1) -> int:
    """D_K * D_K * (M / groups) * N * D_F * D_F for a square kernel and square output map."""
    return kernel * kernel * (cin // groups) * cout * out_size * out_size


def conv_params(kernel: int, cin: int, cout: int, groups: int = 1, bias: bool = False) -> int:
    return kernel * kernel * (cin // groups) * cout + (cout if bias else 0)


def depthwise_separable_mult_adds(kernel: int, cin: int, cout: int, out_size: int) -> int:
    """The paper's equation (5): D_K*D_K*M*D_F*D_F + M*N*D_F*D_F."""
    return conv_mult_adds(kernel, cin, cin, out_size, groups=cin) + conv_mult_adds(1, cin, cout, out_size)


def depthwise_separable_params(kernel: int, cin: int, cout: int) -> int:
    return conv_params(kernel, cin, cin, groups=cin) + conv_params(1, cin, cout)


def conv_out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1
