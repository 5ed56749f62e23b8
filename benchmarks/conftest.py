"""What the CPU benchmarks measure against: plain onnxruntime, as a user gets it with no tuning."""

from __future__ import annotations

import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest


def plain_onnxruntime(model, x, threads: int) -> Callable[[], object]:
    """`torch.onnx.export` with its defaults and an InferenceSession with only intra_op_num_threads set; returns
    one call on `x`."""
    import numpy as np
    import onnxruntime as ort
    import torch

    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        path = str(Path(tmp) / "plain.onnx")
        torch.onnx.export(model, (x,), path, verbose=False)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: np.ascontiguousarray(x.numpy())}
    return lambda: session.run(None, feed)


@pytest.fixture
def plain_session():
    """:func:`plain_onnxruntime`, for the benchmarks that compare with it."""
    return plain_onnxruntime
