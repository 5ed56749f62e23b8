"""The deployment table: latency and numerics per backend and dtype for three corners of the MobileNet family.

The rows come from published timing results (``results/published/time-*.jsonl``), on the same footing as the
latency figure (:mod:`.latency`): only runs that carry numerics (made by ``mnv1-bench time`` with this
version's deployment backends and dtypes), one row per model, processor, backend, dtype and batch: the newest
stable one, or where every published row of that setting is flagged unstable the one with the lowest CV
(:func:`.latency.most_trusted`), so that a noisier run published later does not replace a steadier one.
Each row's latency is also given over fp32 eager of the same run file, where that run timed it. With no such
published results the table is not written, and the text says so: nothing is made up.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mnv1_bench.formatting import Column, fixed, fraction_pct, markdown_table, missing, text
from mnv1_bench.tables.latency import _device_name, most_trusted

FILE = "deployment.md"
MODELS = {"mobilenet-1.0-224": "1.0 MobileNet-224", "mobilenet-0.25-128": "0.25 MobileNet-128",
          "conv-mobilenet-1.0-224": "Conv MobileNet"}  # fmt: skip
COLUMNS = ["label", "processor", "backend", "dtype", "batch", "median_ms", "vs_eager_fp32", "throughput_per_s",
           "numerics_cosine", "numerics_max_abs", "top1_agreement", "size_mb", "cv", "unstable", "busy", "flag",
           "source"]  # fmt: skip
BACKEND_ORDER = {"eager": 0, "compile": 1, "onnxruntime": 2, "openvino": 3}
DTYPE_ORDER = {"fp32": 0, "bf16": 1, "fp16": 2, "int8": 3}


def deployment_frame(results: pd.DataFrame) -> pd.DataFrame:
    """One row per model, processor, backend, dtype and batch (the newest stable, else the steadiest), from runs
    with numerics."""
    needed = {"model", "device", "backend", "dtype", "batch", "median_ms", "source", "numerics_cosine"}
    if results.empty or not needed <= set(results.columns):
        return pd.DataFrame(columns=COLUMNS)
    with_numerics = set(results.loc[results["numerics_cosine"].notna(), "source"])
    rows = results[results["source"].isin(with_numerics) & results["model"].isin(MODELS)].copy()
    if "classes" in rows:
        rows = rows[rows["classes"].fillna(1000) == 1000]
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows["label"] = rows["model"].map(MODELS)
    rows["processor"] = [_device_name(r) for r in rows.to_dict("records")]
    for key in ("numerics_max_abs", "top1_agreement", "size_mb", "cv", "unstable", "busy", "utc", "throughput_per_s"):
        if key not in rows:
            rows[key] = None
    for flag in ("unstable", "busy"):  # True, False or absent (None, NaN) in the saved rows: absent is not flagged
        rows[flag] = rows[flag].eq(True)
    latest = most_trusted(rows, ["model", "processor", "backend", "dtype", "batch"])
    eager = rows[(rows["backend"] == "eager") & (rows["dtype"] == "fp32")]
    base = {(r["source"], r["model"], r["batch"]): r["median_ms"] for r in eager.to_dict("records")}
    latest["vs_eager_fp32"] = [r["median_ms"] / base[k] if (k := (r["source"], r["model"], r["batch"])) in base
                               else None for r in latest.to_dict("records")]  # fmt: skip
    latest["order"] = [(list(MODELS).index(r["model"]), r["processor"], r["batch"], BACKEND_ORDER.get(r["backend"], 9),
                        DTYPE_ORDER.get(r["dtype"], 9)) for r in latest.to_dict("records")]  # fmt: skip
    latest["flag"] = [", ".join(name for name, on in (("UNSTABLE", unstable), ("BUSY", busy)) if on)
                      for unstable, busy in zip(latest["unstable"], latest["busy"], strict=True)]  # fmt: skip
    return latest.sort_values("order")[COLUMNS].reset_index(drop=True)


def _cell(digits: int, suffix: str = ""):
    return lambda v: "-" if missing(v) else f"{float(v):,.{digits}f}{suffix}"


MARKDOWN_COLUMNS = (
    Column("label", "Model", text, "left"),
    Column("processor", "Processor", text, "left"),
    Column("backend", "Backend", text, "left"),
    Column("dtype", "Dtype", text, "left"),
    Column("batch", "Batch", text),
    Column("median_ms", "Median (ms, measured)", fixed(3)),
    Column("vs_eager_fp32", "÷ fp32 eager (same run)", _cell(2, "x")),
    Column("throughput_per_s", "Images/s", fixed(1)),
    Column("numerics_cosine", "Cosine vs fp32 eager", _cell(5)),
    Column("numerics_max_abs", "Max |Δ| logit", lambda v: "-" if missing(v) else f"{float(v):.3g}"),
    Column("top1_agreement", "Top-1 agree", fraction_pct),
    Column("size_mb", "Size (MB)", _cell(2)),
    Column("cv", "CV", fraction_pct),
    Column("flag", "Flag", text, "left"),
    Column("source", "Result file", lambda v: f"`{v}`", "left"),
)


def deployment_markdown(frame: pd.DataFrame, results_dir: Path) -> str:
    """The table with its conventions, or the sentence saying there is nothing published to draw it from."""
    folder = f"{results_dir.parent.name}/{results_dir.name}" if results_dir.parent.name else results_dir.name
    if frame.empty:
        command = ("mnv1-bench time mobilenet mobilenet-0.25-128 conv-mobilenet --backend eager,compile,onnxruntime,"
                   "openvino --dtype fp32,bf16,int8 --batch 1,32")  # fmt: skip
        return f"No published deployment results under `{folder}/`: run `{command}` and move its file there.\n"
    notes = [
        f"Measured by mnv1-bench on the machines named, from the published timing results under `{folder}/`; "
        "median latency per call of `batch` images. ÷ fp32 eager: the row's median over fp32 PyTorch eager "
        "timed in the same run (interleaved rounds), where that run timed it.",
        "Numerics: each row's logits against fp32 PyTorch eager on 16 seeded random inputs (mean per-input cosine "
        "similarity, largest absolute difference, share of inputs with the same arg-max). The results' weights "
        "are in each row's settings; with random weights these say whether the runtime computes the same "
        "network, not its accuracy. Size: the exported model file in MB (10^6 bytes).",
        "int8: static post-training quantization of the ONNX export (QDQ, per-channel int8 weights, per-tensor "
        "uint8 activations, calibration set in each row's settings). A dtype missing from a row set was skipped "
        "on that machine (for example bf16 where the CPU has no bf16 instructions).",
        f"Stability: {len(frame)} rows; {int(frame['unstable'].sum())} flagged UNSTABLE "
        "(CV = stdev / mean over 10%: read their medians as ±10% or more); "
        f"{int(frame['busy'].sum())} flagged BUSY (other processes used a quarter of a "
        "core or more while they were timed). A later published run replaces a row only when it is stable.",
    ]
    table = markdown_table(frame.to_dict("records"), MARKDOWN_COLUMNS)
    return "# Deployment: latency and numerics per backend and dtype\n\n" + table + "\n\n" + "\n\n".join(notes) + "\n"
