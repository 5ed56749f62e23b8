"""Shared fixtures: each model is built and counted once per test session; CUDA tests skip without a GPU."""

from __future__ import annotations

from functools import cache

import pytest
import torch

from mnv1_bench.counting import Cost, count
from mnv1_bench.registry import ModelSpec, resolve


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs an NVIDIA GPU: torch.cuda.is_available() is False")
    for item in items:
        if "cuda" in item.keywords:
            item.add_marker(skip)


@cache
def _counted(name: str, num_classes: int) -> tuple[ModelSpec, Cost]:
    spec = resolve(name, num_classes)
    return spec, count(spec.build(), spec.input_shape)


@pytest.fixture(scope="session")
def counted():
    """counted(name, num_classes=1000) -> (spec, cost), built and counted once per session."""
    return lambda name, num_classes=1000: _counted(name, num_classes)
