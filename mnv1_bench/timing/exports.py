"""ONNX files for the exported backends: torch.onnx's export, and its static int8 QDQ quantization.

Inside :func:`run_cache` (one timing run) every file is made once, in one temporary folder, and shared: the
onnxruntime and OpenVINO rows of one model, batch and dtype read the same export or quantized model. Outside it
each file lives in its own temporary folder for as long as the backend reads it. Either way the folder is
removed at the end, on Ctrl-C and SIGTERM too: no .onnx file is left behind.

int8 is onnxruntime's static post-training quantization (``quantize_static``) in QDQ format: per-channel
symmetric int8 weights, per-tensor uint8 activations with MinMax ranges from the calibration set
(:mod:`.calibration`), after onnxruntime's ``quant_pre_process`` (shape inference and graph clean-up).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mnv1_bench.choices import Dtype, torch_dtype
from mnv1_bench.errors import UsageProblem
from mnv1_bench.timing.calibration import calibration_set
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.pytorch import example_input

if TYPE_CHECKING:
    import numpy as np
    import torch
    from torch import nn

    from mnv1_bench.models.registry import ModelSpec

TEMP_PREFIX = "mnv1-bench-onnx-"


@dataclass(frozen=True)
class OnnxFile:
    path: Path
    settings: list[str]  # how it was made: the exporter, and for int8 the quantization and calibration
    extra: dict = field(default_factory=dict)  # one-off costs in seconds: export_s, quantize_s

    @property
    def size_mb(self) -> float:
        """Its size on disk, in MB (10^6 bytes)."""
        return self.path.stat().st_size / 1e6


_run_folder: Path | None = None
_made: dict[tuple, OnnxFile] = {}


@contextlib.contextmanager
def run_cache() -> Iterator[None]:
    """Share exports and quantized models between the backends prepared inside; remove them all on exit."""
    global _run_folder
    with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as tmp:
        _run_folder = Path(tmp)
        try:
            yield
        finally:
            _run_folder = None
            _made.clear()


def export_config(config: TimingConfig) -> TimingConfig:
    """The float configuration a model is exported in: fp16 stays fp16 (CUDA), every other dtype exports fp32."""
    return replace(config, dtype=Dtype.fp16 if config.dtype == Dtype.fp16 else Dtype.fp32, channels_last=False)


@contextlib.contextmanager
def onnx_model(spec: ModelSpec, config: TimingConfig) -> Iterator[OnnxFile]:
    """The ONNX file for `spec` in `config` (int8: quantized), readable until the block (or the run) ends."""
    if _run_folder is None:
        with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as tmp:
            exported = _export(spec, config, Path(tmp))
            yield exported if config.dtype != Dtype.int8 else _quantize(spec, config, exported, Path(tmp))
        return
    yield _cached(spec, config)


def _cached(spec: ModelSpec, config: TimingConfig) -> OnnxFile:
    """Made once per run: an int8 model is quantized from the run's fp32 export of the same model and batch."""
    dtype = config.dtype if config.dtype == Dtype.int8 else export_config(config).dtype  # bf16 runs the fp32 file
    key = (spec.name, spec.num_classes, config.device, config.batch, dtype, config.calibration)
    if key not in _made:
        folder = Path(tempfile.mkdtemp(dir=_run_folder))
        if config.dtype == Dtype.int8:
            _made[key] = _quantize(spec, config, _cached(spec, export_config(config)), folder)
        else:
            _made[key] = _export(spec, config, folder)
    return _made[key]


def _export(spec: ModelSpec, config: TimingConfig, folder: Path) -> OnnxFile:
    float_config = export_config(config)
    model = spec.build().eval().to(device=config.device, dtype=torch_dtype(float_config.dtype))
    x = example_input(spec, float_config).contiguous()
    start = time.perf_counter()
    exporter = export_onnx(model, x, folder / "model.onnx")
    return OnnxFile(folder / "model.onnx", [exporter], {"export_s": round(time.perf_counter() - start, 3)})


def _quantize(spec: ModelSpec, config: TimingConfig, exported: OnnxFile, folder: Path) -> OnnxFile:
    calibration = calibration_set(config.calibration, spec.input_size)
    start = time.perf_counter()
    quantize(exported.path, folder / "model-int8.onnx", calibration.inputs.numpy(), config.batch)
    settings = [*exported.settings, "int8 QDQ (static, per-channel int8 weights, per-tensor uint8 activations, "
                "MinMax)", calibration.description]  # fmt: skip
    extra = {**exported.extra, "quantize_s": round(time.perf_counter() - start, 3)}
    return OnnxFile(folder / "model-int8.onnx", settings, extra)


def export_onnx(model: nn.Module, x: torch.Tensor, path: Path) -> str:
    """Export with torch.onnx's dynamo exporter (torch >= 2.5's default); fall back to the TorchScript one.

    Returns the exporter used. Progress lines the exporter prints are swallowed: stdout carries results only.
    """
    import torch

    errors = []
    for dynamo in (True, False):
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                warnings.simplefilter("ignore")
                torch.onnx.export(model, (x,), str(path), dynamo=dynamo, external_data=False,
                                  input_names=["input"], output_names=["logits"], verbose=False)  # fmt: skip
            return "dynamo exporter" if dynamo else "TorchScript exporter"
        except Exception as error:  # the next exporter may still succeed; both failing is reported below
            errors.append(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
    raise UsageProblem(f"torch.onnx could not export this model ({'; '.join(errors)})")


def in_batches(inputs: np.ndarray, batch: int) -> list[np.ndarray]:
    """`inputs` cut into batches of exactly `batch` (the exports have a fixed batch), the last one filled up by
    repeating inputs from the start."""
    import numpy as np

    needed = -(-len(inputs) // batch) * batch  # whole batches
    padded = np.concatenate([inputs] * -(-needed // len(inputs)))[:needed]
    return [np.ascontiguousarray(padded[i : i + batch]) for i in range(0, len(padded), batch)]


def quantize(source: Path, target: Path, calibration: np.ndarray, batch: int) -> None:
    """Static int8 QDQ quantization of `source` into `target`, calibrated on `calibration` (N x 3 x H x W)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.calibrate import CalibrationMethod
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter(in_batches(calibration, batch))

        def get_next(self) -> dict | None:
            chunk = next(self.batches, None)
            return None if chunk is None else {"input": chunk}

    prepared = target.with_name("model-prepared.onnx")
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
        quantize_static(str(prepared), str(target), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=CalibrationMethod.MinMax)  # fmt: skip
    prepared.unlink()
