"""Roofline floors for a timing row (placeholder until calibration lands: floors are unknown)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Floors:
    compute_ms: float | None
    memory_ms: float | None
    fraction: float | None


def floors_for(cost, config, threads: int, median_ms: float) -> Floors:
    return Floors(None, None, None)
