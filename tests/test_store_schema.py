"""Stored rows read through the schema: a row of the wrong type or outside physical bounds is skipped with one
warning naming the file and the line, the rest are read; a FIFO named like a run file is skipped, not waited on."""

from __future__ import annotations

import json
import os
import warnings

import pytest

from mnv1_bench.errors import Trouble
from mnv1_bench.store import schema
from mnv1_bench.store.runs import load_results

GOOD = {"model": "a", "median_ms": 2.0, "device": "cpu", "backend": "eager", "dtype": "fp32", "batch": 1,
        "samples_ms": [1.9, 2.0, 2.1, 2.0], "round_sizes": [2, 2], "rounds": 2, "cv": 0.04, "mult_adds": 10,
        "machine_speed": 0.9, "flags": [{"kind": "busy", "value": 0.5, "limit": 0.25}]}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"samples_ms": "abc"}, 'samples_ms is "abc": not a list'),
        ({"samples_ms": []}, "samples_ms is []: empty"),
        ({"samples_ms": [1.0, -2.0]}, "samples_ms is [1.0, -2.0]: holds a value outside [1e-06, 1e+07]"),
        ({"rounds": "x"}, 'rounds is "x": not a number in [1, inf]'),
        ({"cv": "x"}, 'cv is "x": not a number in [0, inf]'),
        ({"round_sizes": ["a"]}, 'round_sizes is ["a"]: holds a value outside [1, inf]'),
        ({"round_sizes": [2, 3]}, "round_sizes add up to 5, not the 4 samples"),
        ({"machine_speed": "fast"}, 'machine_speed is "fast": not a number in (0, 1000]'),
        ({"machine_speed": 0}, "machine_speed is 0: not a number in (0, 1000]"),
        ({"median_ms": 1e-300}, "median_ms is 1e-300: not a number in [1e-06, 1e+07]"),
        ({"median_ms": 1e300}, "median_ms is 1e+300: not a number in [1e-06, 1e+07]"),
        ({"mult_adds": -1}, "mult_adds is -1: not a number in [0, 1e+15]"),
        ({"batch": 1.5}, "batch is 1.5: not a number in [1, inf]"),
        ({"schema": 3}, "schema is 3: not a number in [1, 2]"),
        ({"flags": [{"kind": "busy", "value": "lots", "limit": 0.25}]}, "flags is not a list of {kind, value, limit}"),
        ({"model": None}, "model missing"),
    ],
)
def test_a_row_outside_the_schema_is_skipped_with_its_file_and_line(tmp_path, change, why):
    assert schema.problem(GOOD) == ""
    bad = {**GOOD, **change}
    (tmp_path / "time-1-a.jsonl").write_text(json.dumps(GOOD) + "\n" + json.dumps(bad) + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = load_results(tmp_path)
    assert list(frame["model"]) == ["a"]  # the good row is still read
    (warning,) = [w for w in caught if issubclass(w.category, Trouble)]
    assert str(warning.message) == f"skipped 1 of 2 rows (line 2: {why}) in {tmp_path / 'time-1-a.jsonl'}"


def test_a_version_1_row_without_schema_or_flags_is_read():
    old = {key: value for key, value in GOOD.items() if key != "flags"}
    assert schema.problem(old) == "" and schema.problem({**old, "schema": 1}) == ""


def test_a_fifo_named_like_a_run_file_is_skipped_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "time-0-fifo.jsonl")
    (tmp_path / "time-1-a.jsonl").write_text(json.dumps(GOOD) + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = load_results(tmp_path)
    assert list(frame["model"]) == ["a"]
    assert [str(w.message) for w in caught] == [
        f"skipped the whole file (it is not a regular file) in {tmp_path / 'time-0-fifo.jsonl'}"
    ]
