"""Timing models: the clock and its sampling loop, statistics, backends, roofline floors, and `run`, which alone
composes them. Import the submodule you need (``from mnv1_bench.timing.run import time_spec``); this package
imports nothing, so that ``mnv1-bench --help`` stays fast.

Imports run one way, each module only from those before it (and from choices, environment, files, counting):
clock -> stats, rounds; config -> pytorch, calibration -> exports -> onnx_runtime, openvino_runtime -> backends;
exports -> numerics; clock, config -> roofline; weights (alone); run (backends, numerics, roofline, rounds,
stats, weights, results) -> report.
"""
