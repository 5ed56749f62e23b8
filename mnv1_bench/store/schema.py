"""The run-file schema: what a saved timing row may hold, field by field, and the one check every reader uses.

A row is a JSON object. ``schema`` is its version (:data:`SCHEMA_VERSION`; a row without it is version 1, read as
before; a newer one is refused: this version cannot know its fields). Each field below has a type and the
physical bounds its values must lie in: times are positive and finite, counts are not negative, samples are not
empty. A field may be absent or null unless it is required. Fields not listed (the environment, pick's own
fields, a backend's extras) are kept as they are.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

# 2 adds ``schema`` itself, ``flags`` (a list of {kind, value, limit}) and ``repeat_rounds``.
SCHEMA_VERSION = 2
MIN_MS = 1e-6  # per call: a nanosecond; below it no clock this tool reads can see a call
MAX_MS = 1e7  # per call: under three hours; anything longer is not a measured time
MAX_COUNT = 1e15  # mult-adds, parameters: far above any network the tool counts


@dataclass(frozen=True)
class Field:
    """One field's type (``float``, ``int``, ``str``, ``bool``, a list of floats or ints) and bounds."""

    kind: str  # "float", "int", "str", "bool", "floats", "ints"
    low: float = -math.inf
    high: float = math.inf
    low_open: bool = False  # the value must be above `low`, not at it
    required: bool = False
    non_empty: bool = False  # for lists


FIELDS: dict[str, Field] = {
    "schema": Field("int", 1, SCHEMA_VERSION),
    "model": Field("str", required=True),
    "median_ms": Field("float", MIN_MS, MAX_MS, required=True),
    "device": Field("str"),
    "backend": Field("str"),
    "dtype": Field("str"),
    "batch": Field("int", 1),
    "threads": Field("int", 1),
    "iqr_ms": Field("float", 0, MAX_MS),
    "p90_ms": Field("float", 0, MAX_MS, low_open=True),
    "runs": Field("int", 1),
    "cv": Field("float", 0),
    "unstable": Field("bool"),
    "busy": Field("bool"),
    "slow": Field("bool"),
    "throughput_per_s": Field("float", 0),
    "mult_adds": Field("int", 0, MAX_COUNT),
    "params": Field("int", 0, MAX_COUNT),
    "weights": Field("int", 0, MAX_COUNT),
    "classes": Field("int", 1),
    "compute_floor_ms": Field("float", 0, MAX_MS),
    "memory_floor_ms": Field("float", 0, MAX_MS),
    "roofline_fraction": Field("float", 0),
    "rounds": Field("int", 1),
    "repeats": Field("int", 1),
    "round_sizes": Field("ints", 1),
    "repeat_rounds": Field("ints", 1),
    "samples_ms": Field("floats", MIN_MS, MAX_MS, non_empty=True),
    "load_others_cores": Field("float", 0),
    "load_avg_1m": Field("float", 0),
    "machine_speed": Field("float", 0, 1e3, low_open=True),
    "machine_drift": Field("float", 0),
    "ratio_to_first": Field("float", 0, low_open=True),
    "ratio_low": Field("float", 0),
    "ratio_high": Field("float", 0),
    "size_mb": Field("float", 0),
    "utc": Field("str"),
}


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fits(value: object, field: Field, integer: bool) -> bool:
    if not _number(value) or (integer and not isinstance(value, int)):
        return False
    above = value > field.low if field.low_open else value >= field.low
    return above and value <= field.high


def _value_problem(value: object, field: Field) -> str:
    """Why `value` is not a valid `field` ("" when it is)."""
    if field.kind == "str":
        return "" if isinstance(value, str) else "not text"
    if field.kind == "bool":
        return "" if isinstance(value, bool) else "not true or false"
    if field.kind in ("float", "int"):
        return "" if _fits(value, field, field.kind == "int") else f"not a number in {_bounds(field)}"
    if not isinstance(value, list) or (field.non_empty and not value):
        return "not a list" if not isinstance(value, list) else "empty"
    integer = field.kind == "ints"
    return "" if all(_fits(v, field, integer) for v in value) else f"holds a value outside {_bounds(field)}"


def _bounds(field: Field) -> str:
    low = "(" if field.low_open else "["
    return f"{low}{field.low:g}, {field.high:g}]"


def problem(record: object) -> str:
    """Why `record` is not a valid saved timing row, in a few words ("" when it is)."""
    if not isinstance(record, dict):
        return "not an object"
    for key, field in FIELDS.items():
        value = record.get(key)
        if value is None:
            if field.required:
                return f"{key} missing"
            continue
        why = _value_problem(value, field)
        if why:
            return f"{key} is {json.dumps(value)[:20]}: {why}"
    samples, sizes = record.get("samples_ms"), record.get("round_sizes")
    if samples is not None and sizes and sum(sizes) != len(samples):
        return f"round_sizes add up to {sum(sizes)}, not the {len(samples)} samples"
    marks = record.get("flags", [])
    if not isinstance(marks, list) or not all(_flag_ok(mark) for mark in marks):
        return "flags is not a list of {kind, value, limit}"
    return ""


def _flag_ok(mark: object) -> bool:
    return (
        isinstance(mark, dict)
        and isinstance(mark.get("kind"), str)
        and all(_number(mark.get(key)) for key in ("value", "limit"))
    )
