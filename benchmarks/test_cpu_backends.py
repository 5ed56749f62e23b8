"""The CPU backend target: 1.0 MobileNet-224, batch 1, fp32 — the tool's fastest backend within 1.1x of plain
onnxruntime (default session options, the same intra-op thread count), measured side by side in one process.

"Plain onnxruntime" (benchmarks/conftest.py) is written independently of mnv1_bench.timing.backends:
torch.onnx.export's default exporter, an InferenceSession with only intra_op_num_threads set, timed by
pytest-benchmark.
"""

from __future__ import annotations

import torch

from mnv1_bench.counting import count_module
from mnv1_bench.environment import available_cores
from mnv1_bench.models.registry import resolve
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.run import time_spec

TARGET_RATIO = 1.1
MIN_TIME_S = 3.0


def test_fastest_backend_within_target_of_plain_onnxruntime(benchmark, plain_session):
    threads = available_cores()
    spec = resolve("mobilenet")
    model = spec.build().eval()
    x = torch.randn(spec.input_shape)
    run_plain = plain_session(model, x, threads)
    benchmark.pedantic(run_plain, rounds=200, warmup_rounds=20)
    plain_ms = benchmark.stats.stats.median * 1e3

    cost = count_module(model, spec.input_shape)
    rows = {
        backend: time_spec(spec, TimingConfig(backend=backend, threads=threads, min_time_s=MIN_TIME_S), cost)
        for backend in ("eager", "compile", "onnxruntime")
    }
    fastest = min(rows.values(), key=lambda row: row.median_ms)
    benchmark.extra_info.update({f"{k}_median_ms": round(r.median_ms, 3) for k, r in rows.items()})
    benchmark.extra_info["plain_onnxruntime_median_ms"] = round(plain_ms, 3)
    assert fastest.median_ms <= TARGET_RATIO * plain_ms, (
        f"fastest {fastest.backend} {fastest.median_ms:.2f} ms vs plain onnxruntime {plain_ms:.2f} ms "
        f"({threads} threads)"
    )
