"""The weights a timed model runs with: a user's state dict (``--weights FILE``), or seeded random ones.

Every backend builds its own copy of a model, and the numerics compare each with fp32 eager, so all copies must
hold the same weights: :func:`pinned` gives a spec whose ``build`` always returns them. Without a file they are
He-normal (variance-preserving) random weights from a fixed seed: PyTorch's default init shrinks the signal
layer by layer until MobileNet's logits are its FC bias alone, whatever the input, and any runtime would then
"agree". Random weights say whether a runtime computes the same network, never how accurate it is.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from mnv1_bench.errors import UsageProblem

if TYPE_CHECKING:
    from torch import nn

    from mnv1_bench.models.registry import ModelSpec

WEIGHT_SEED = 0


def seeded_random(model: nn.Module, seed: int = WEIGHT_SEED) -> nn.Module:
    """He-normal conv weights, FC weights of std 1/sqrt(fan-in), zero biases, from `seed`; BN left as built."""
    import torch
    from torch import nn

    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Conv2d | nn.Linear):
                fan_in = module.weight[0].numel()
                gain = 2.0 if isinstance(module, nn.Conv2d) else 1.0  # ReLU after each conv halves the variance
                noise = torch.randn(module.weight.shape, generator=generator, dtype=torch.float32)
                module.weight.copy_(noise * (gain / fan_in) ** 0.5)
                if module.bias is not None:
                    module.bias.zero_()
    return model


def load_state(path: Path) -> dict:
    """A state dict from `path` (torch.save of ``model.state_dict()``), read without running pickled code."""
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise UsageProblem.about("{weights} {path}: no such file", path=path) from None
    except IsADirectoryError:
        raise UsageProblem.about("{weights} {path}: a folder, not a file", path=path) from None
    except Exception as error:  # torch raises many kinds (unpickling, zip, weights-only) for a file it cannot read
        raise UsageProblem.about(
            "{weights} {path}: torch.load cannot read it as a state dict ({kind})", path=path, kind=type(error).__name__
        ) from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]  # a training checkpoint that wraps it
    if not isinstance(state, dict) or not state:
        raise UsageProblem.about(
            "{weights} {path}: not a PyTorch state dict (no name -> tensor mapping in it)", path=path
        )
    broken = next((key for key, value in state.items() if _non_finite(value)), None)
    if broken is not None:
        raise UsageProblem.about(
            "{weights} {path}: {key} holds NaN or infinite values (no timing or numerics would mean anything)",
            path=path, key=broken,
        )  # fmt: skip
    return state


def _non_finite(value: object) -> bool:
    import torch

    return isinstance(value, torch.Tensor) and value.is_floating_point() and not bool(torch.isfinite(value).all())


def fit(model: nn.Module, state: dict, path: Path, name: str) -> nn.Module:
    """`model` with `state` loaded; UsageProblem (one line) when names or shapes do not match."""
    why = _misfit(model.state_dict(), state)
    if why:
        raise UsageProblem.about("{weights} {path} does not fit {name}: {why}", path=path, name=name, why=why)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        first = [line.strip() for line in str(error).splitlines() if line.strip()][1:2]
        raise UsageProblem.about(
            "{weights} {path} does not fit {name}: {why}", path=path, name=name, why=(first or ["mismatched"])[0][:160]
        ) from None
    return model


def _misfit(own: dict, state: dict) -> str:
    """How `state`'s names and shapes differ from the network's, counted, each kind with one whole name as an
    example ("" when they match)."""
    missing = [key for key in own if key not in state]
    unexpected = [key for key in state if key not in own]
    shaped = [key for key in own if key in state and getattr(state[key], "shape", None) is not None
              and tuple(state[key].shape) != tuple(own[key].shape)]  # fmt: skip
    parts = [f"{len(keys)} {what} (e.g. {keys[0]})" for what, keys in
             (("missing", missing), ("unexpected", unexpected), ("of another shape", shaped)) if keys]  # fmt: skip
    return "; ".join(parts)


def pinned(spec: ModelSpec, weights: Path | None = None) -> ModelSpec:
    """`spec` whose every build holds the same weights: those of `weights`, else seeded random ones.

    The file is read and checked against the network here, once, so a bad file fails before anything is timed.
    """
    if weights is None:
        return replace(spec, build=lambda: seeded_random(spec.build()))
    state = load_state(weights)
    fit(spec.build(), state, weights, spec.name)
    return replace(spec, build=lambda: fit(spec.build(), state, weights, spec.name))


def weights_text(weights: Path | None) -> str:
    return f"weights: {weights}" if weights else f"weights: random, He-normal, seed {WEIGHT_SEED}"
