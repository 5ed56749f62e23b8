"""Numerics beside speed: how closely a prepared backend's logits agree with fp32 PyTorch eager on the same inputs.

Every row that is not fp32 eager gets, on a fixed seeded batch of NUMERICS_INPUTS inputs (the same for every row
and run, and not the calibration set):

- ``numerics_cosine``: the cosine similarity of each input's logits with fp32 eager's, averaged over the inputs;
- ``numerics_max_abs``: the largest absolute difference of any logit;
- ``top1_agreement``: the share of inputs whose arg-max class is fp32 eager's.

With random weights these say whether the runtime computes the same network, not how accurate it is: accuracy
needs trained weights (``--weights``) and labelled images.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.exports import in_batches
from mnv1_bench.timing.pytorch import first_tensor

if TYPE_CHECKING:
    import numpy as np

    from mnv1_bench.models.registry import ModelSpec
    from mnv1_bench.timing.pytorch import Prepared

NUMERICS_INPUTS = 16
NUMERICS_SEED = 1  # not the synthetic calibration set's seed: a quantized model is not judged on what it saw


@dataclass(frozen=True)
class Numerics:
    cosine: float
    max_abs: float
    top1_agreement: float


def wanted(config: TimingConfig) -> bool:
    """Every row but fp32 eager, which is the reference."""
    return not (config.dtype == "fp32" and config.backend == "eager")


def numerics_inputs(size: int) -> np.ndarray:
    import torch

    generator = torch.Generator().manual_seed(NUMERICS_SEED)
    return torch.randn((NUMERICS_INPUTS, 3, size, size), generator=generator).numpy()


def reference_logits(spec: ModelSpec, inputs: np.ndarray) -> np.ndarray:
    """fp32 PyTorch eager, batch norm as built (not folded), on the CPU: the logits every row is compared with."""
    import torch

    model = spec.build().eval().float()
    with torch.inference_mode():
        return first_tensor(model(torch.from_numpy(inputs))).numpy().astype("float64")


def agreement(reference: np.ndarray, logits: np.ndarray) -> Numerics:
    """Cosine (mean over inputs), largest absolute difference and top-1 agreement of two N x classes arrays."""
    import numpy as np

    ref, out = reference.reshape(len(reference), -1), np.asarray(logits, dtype="float64").reshape(len(reference), -1)
    norms = np.linalg.norm(ref, axis=1) * np.linalg.norm(out, axis=1)
    both_zero = (np.abs(ref).max(axis=1) == 0) & (np.abs(out).max(axis=1) == 0)
    cosine = np.divide((ref * out).sum(axis=1), norms, out=np.where(both_zero, 1.0, 0.0), where=norms > 0)
    return Numerics(
        cosine=float(cosine.mean()),
        max_abs=float(np.abs(ref - out).max()),
        top1_agreement=float((ref.argmax(axis=1) == out.argmax(axis=1)).mean()),
    )


def measure_numerics(prepared: Prepared, config: TimingConfig, reference: np.ndarray, inputs: np.ndarray) -> Numerics:
    """The prepared backend run on `inputs` in batches of the row's batch size, against `reference`."""
    import numpy as np

    outputs = [np.asarray(prepared.infer(chunk), dtype="float64") for chunk in in_batches(inputs, config.batch)]
    logits = np.concatenate(outputs)[: len(inputs)]
    return agreement(reference, logits)


def row_fields(spec: ModelSpec, config: TimingConfig, prepared: Prepared, references: dict) -> dict:
    """The numerics fields of one row ({} for fp32 eager, or a backend that cannot run other inputs), with the
    exported model's size on disk; `references` caches each model's fp32 eager logits across rows."""
    fields = {"size_mb": prepared.extra["size_mb"]} if "size_mb" in prepared.extra else {}
    if not wanted(config) or prepared.infer is None:
        return fields
    if spec.name not in references:
        inputs = numerics_inputs(spec.input_size)
        references[spec.name] = (inputs, reference_logits(spec, inputs))
    inputs, reference = references[spec.name]
    got = measure_numerics(prepared, config, reference, inputs)
    return fields | {
        "numerics_cosine": got.cosine,
        "numerics_max_abs": got.max_abs,
        "top1_agreement": got.top1_agreement,
    }
