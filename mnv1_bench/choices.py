"""Where, in what precision and with what engine a model can be timed: one set of names for the CLI and the library.

Typer shows these as the choices of ``--device``, ``--dtype`` and ``--backend``; the timing library keys its
backend registry by them. Being ``StrEnum`` members, they compare equal to their plain names ("cpu" == Device.cpu)
and print as them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


class Device(StrEnum):
    cpu = "cpu"
    cuda = "cuda"


class Dtype(StrEnum):
    """Weights and inputs."""

    fp32 = "fp32"
    fp16 = "fp16"
    bf16 = "bf16"
    int8 = "int8"  # static post-training quantization (exported backends): int8 weights and activations


FLOAT_DTYPES = frozenset({Dtype.fp32, Dtype.fp16, Dtype.bf16})


class Backend(StrEnum):
    eager = "eager"  # PyTorch eager
    compile = "compile"  # torch.compile (Inductor)
    cudagraph = "cudagraph"  # a CUDA graph replaying PyTorch eager (CUDA only)
    onnxruntime = "onnxruntime"  # exported with torch.onnx, run by onnxruntime
    openvino = "openvino"  # the same ONNX export, run by the OpenVINO Runtime (CPU)


BYTES_PER_ELEMENT = {Dtype.fp32: 4, Dtype.fp16: 2, Dtype.bf16: 2, Dtype.int8: 1}
# An int8 model is quantized inside its runtime: it is built, exported and fed in fp32.
_TORCH_NAMES = {Dtype.fp32: "float32", Dtype.fp16: "float16", Dtype.bf16: "bfloat16", Dtype.int8: "float32"}


def torch_dtype(dtype: str) -> torch.dtype:
    """The torch dtype a model and its input are built in for a Dtype name ("fp16" -> torch.float16; "int8" ->
    torch.float32, as quantizing runtimes take them); torch is imported only when asked."""
    import torch

    return getattr(torch, _TORCH_NAMES[Dtype(dtype)])
