"""The deployment table: drawn only from published runs with numerics, the latest row per setting, or it says so."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mnv1_bench.tables.deployment import deployment_frame, deployment_markdown

PUBLISHED = Path("results/published")


def _row(source, utc, backend, dtype, median, cosine=None, model="mobilenet-1.0-224", **more):
    return {"model": model, "device": "cpu", "cpu_model": "AMD EPYC", "threads": 2, "backend": backend,
            "dtype": dtype, "batch": 1, "median_ms": median, "throughput_per_s": 1e3 / median, "source": source,
            "utc": utc, "numerics_cosine": cosine, "numerics_max_abs": None if cosine is None else 0.01,
            "top1_agreement": None if cosine is None else 1.0, "size_mb": None, **more}  # fmt: skip


def test_latest_rows_of_runs_with_numerics_only():
    results = pd.DataFrame([
        _row("old.jsonl", "2026-01-01", "eager", "fp32", 20.0),
        _row("old.jsonl", "2026-01-01", "onnxruntime", "int8", 5.0, 0.99),
        _row("new.jsonl", "2026-02-01", "eager", "fp32", 16.0),
        _row("new.jsonl", "2026-02-01", "onnxruntime", "int8", 4.0, 0.998, size_mb=4.3),
        _row("new.jsonl", "2026-02-01", "onnxruntime", "int8", 9.0, 0.998, model="vgg16"),
        _row("plain.jsonl", "2026-03-01", "onnxruntime", "fp32", 6.0),  # a run without numerics: not shown
    ])  # fmt: skip
    frame = deployment_frame(results)
    assert list(zip(frame["backend"], frame["dtype"], frame["source"], strict=True)) == [
        ("eager", "fp32", "new.jsonl"), ("onnxruntime", "int8", "new.jsonl")]  # fmt: skip
    assert frame["vs_eager_fp32"].tolist() == [pytest.approx(1.0), pytest.approx(4.0 / 16.0)]
    assert frame["processor"].tolist() == ["AMD EPYC, 2 threads"] * 2
    text = deployment_markdown(frame, PUBLISHED)
    assert "| 1.0 MobileNet-224 |" in text and "0.25x" in text and "0.99800" in text and "4.30" in text
    assert "not its accuracy" in text


def test_without_published_deployment_results_it_says_so():
    plain = pd.DataFrame([_row("plain.jsonl", "2026-03-01", "eager", "fp32", 16.0)])
    for results in (pd.DataFrame(), plain):
        frame = deployment_frame(results)
        assert frame.empty
        assert deployment_markdown(frame, PUBLISHED).startswith("No published deployment results under "
                                                                "`results/published/`")  # fmt: skip


def test_a_noisier_run_published_later_does_not_replace_a_steadier_one():
    results = pd.DataFrame([
        _row("steady.jsonl", "2026-01-01", "onnxruntime", "int8", 5.0, 0.99, cv=0.04, unstable=False),
        _row("noisy.jsonl", "2026-02-01", "onnxruntime", "int8", 9.0, 0.99, cv=0.30, unstable=True),
        _row("steady.jsonl", "2026-01-01", "openvino", "int8", 6.0, 0.99, cv=0.20, unstable=True),
        _row("noisy.jsonl", "2026-02-01", "openvino", "int8", 7.0, 0.99, cv=0.12, unstable=True),
        _row("steady.jsonl", "2026-01-01", "openvino", "fp32", 9.0, 1.0, cv=0.05, unstable=False),
        _row("newer.jsonl", "2026-03-01", "openvino", "fp32", 8.0, 1.0, cv=0.06, unstable=False, busy=True),
    ])  # fmt: skip
    frame = deployment_frame(results).set_index(["backend", "dtype"])
    assert frame.loc[("onnxruntime", "int8"), "source"] == "steady.jsonl"  # stable beats a newer unstable row
    assert frame.loc[("openvino", "int8"), "source"] == "noisy.jsonl"  # none stable: the lower CV
    assert frame.loc[("openvino", "fp32"), "source"] == "newer.jsonl"  # both stable: the newer
    assert frame.loc[("openvino", "int8"), "flag"] == "UNSTABLE" and frame.loc[("openvino", "fp32"), "flag"] == "BUSY"
    text = deployment_markdown(frame.reset_index(), PUBLISHED)
    assert "Stability: 3 rows; 1 flagged UNSTABLE" in text and "1 flagged BUSY" in text
