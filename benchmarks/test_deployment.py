"""The deployment target: 1.0 MobileNet-224 at batch 1, the tool's fastest backend and dtype at most 0.45x the median
latency of plain onnxruntime fp32, timed alternately in one run, with the numerics of each candidate beside it;
and batch 32 throughput of the same rows.

"Plain onnxruntime" is written here independently of mnv1_bench.timing.backends: torch.onnx.export's defaults, an
InferenceSession with only intra_op_num_threads set to the cores. The candidates are the tool's own exported
backends and dtypes. MNV1_BENCH_MIN_TIME (seconds of timed work per row, default 3) shortens a trial run.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from mnv1_bench.environment import available_cores, set_threads
from mnv1_bench.models.registry import resolve
from mnv1_bench.timing import backends, exports, numerics
from mnv1_bench.timing.clock import Stopwatch, synced_wall_stopwatch
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.rounds import Slot, interleave
from mnv1_bench.timing.weights import pinned

TARGET_RATIO = 0.45
MIN_TIME_S = float(os.environ.get("MNV1_BENCH_MIN_TIME", "3"))
CANDIDATES = [("onnxruntime", "fp32"), ("openvino", "fp32"), ("onnxruntime", "int8"), ("openvino", "int8")]


def _alternately(benchmark, plain_session, batch: int) -> tuple[float, dict]:
    """Plain onnxruntime fp32 and every candidate, timed round-robin; (plain median ms, candidate -> facts).
    pytest-benchmark then times the fastest candidate on its own, for its table."""
    threads = set_threads(available_cores())
    spec = pinned(resolve("mobilenet"))
    x = torch.randn((batch, 3, 224, 224), generator=torch.Generator().manual_seed(0))
    plain = plain_session(spec.build().eval(), x, threads)
    configs = [TimingConfig(backend=b, dtype=d, batch=batch, threads=threads) for b, d in CANDIDATES]
    with exports.run_cache():
        prepared = [backends.prepare(spec, config, threads) for config in configs]
        watch: Stopwatch = synced_wall_stopwatch("cpu")
        slots = [Slot(plain, watch), *(Slot(p.run, watch) for p in prepared)]
        outcome = interleave(slots, MIN_TIME_S, rounds=5, probe=lambda: None)
        references: dict = {}
        facts = {}
        for config, each, got in zip(configs, prepared, outcome.slots[1:], strict=True):
            median_ms = float(np.median(got.measurement.samples_s)) * 1e3
            agreed = numerics.row_fields(spec, config, each, references)
            facts[f"{config.backend} {config.dtype}"] = {"median_ms": round(median_ms, 3), **agreed}
        fastest = min(range(len(configs)), key=lambda i: list(facts.values())[i]["median_ms"])
        benchmark.pedantic(prepared[fastest].run, rounds=50, warmup_rounds=5)
    plain_ms = float(np.median(outcome.slots[0].measurement.samples_s)) * 1e3
    return plain_ms, facts


def _report(benchmark, batch: int, plain_ms: float, facts: dict) -> str:
    lines = [f"batch {batch}: plain onnxruntime fp32 {plain_ms:.2f} ms ({batch / plain_ms * 1e3:.0f} images/s)"]
    for name, row in facts.items():
        lines.append(f"  {name:18s} {row['median_ms']:8.2f} ms  {row['median_ms'] / plain_ms:5.2f}x plain  "
                     f"{batch / row['median_ms'] * 1e3:7.0f} images/s  cosine {row.get('numerics_cosine', 0):.5f}  "
                     f"max|Δ| {row.get('numerics_max_abs', 0):.3g}  top-1 {row.get('top1_agreement', 0):.0%}  "
                     f"{row.get('size_mb', 0):.1f} MB")  # fmt: skip
    benchmark.extra_info.update({"plain_onnxruntime_ms": round(plain_ms, 3), **facts})
    print("\n" + "\n".join(lines))
    return "\n".join(lines)


def test_fastest_deployment_within_target_of_plain_onnxruntime(benchmark, plain_session):
    plain_ms, facts = _alternately(benchmark, plain_session, batch=1)
    text = _report(benchmark, 1, plain_ms, facts)
    name, fastest = min(facts.items(), key=lambda item: item[1]["median_ms"])
    assert fastest.get("numerics_cosine", 0) > 0.99, f"{name} does not compute the same network:\n{text}"
    assert fastest["median_ms"] <= TARGET_RATIO * plain_ms, f"fastest {name} over target:\n{text}"


@pytest.mark.parametrize("batch", [32])
def test_batch_throughput_of_the_same_rows(benchmark, plain_session, batch):
    plain_ms, facts = _alternately(benchmark, plain_session, batch=batch)
    _report(benchmark, batch, plain_ms, facts)
    best = min(row["median_ms"] for row in facts.values())
    assert best <= plain_ms  # at batch 32 the best deployment is at least as fast as plain fp32
