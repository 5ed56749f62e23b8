"""Deployment precision: OpenVINO, int8 (static QDQ) for onnxruntime and OpenVINO, numerics against fp32 eager,
calibration and weights inputs, and skip-with-warning for combinations a backend cannot run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from mnv1_bench.cli import app
from mnv1_bench.errors import UsageProblem
from mnv1_bench.models.registry import resolve
from mnv1_bench.timing import backends, calibration, numerics, openvino_runtime, weights
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.exports import in_batches
from mnv1_bench.timing.run import supported

TINY = "mobilenet-0.25-64"
ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


# The real run happens in a child process, so that a crash in a runtime cannot take the test session with it.
CHILD = """
import json, sys, tempfile
tempfile.tempdir = sys.argv[1]
from mnv1_bench.models.registry import resolve
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.run import time_runs
pairs = [("eager", "fp32"), ("openvino", "fp32"), ("onnxruntime", "int8"), ("openvino", "int8")]
configs = [TimingConfig(backend=b, dtype=d, threads=1, min_time_s=0.02) for b, d in pairs]
run = time_runs([resolve("mobilenet-0.25-64")], configs, None, rounds=1, probe=lambda: None)
print(json.dumps([row.as_dict() for row in run.rows]))
"""


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """One real run: fp32 eager, fp32 OpenVINO and int8 onnxruntime/OpenVINO of the tiny MobileNet (one export,
    one quantization, shared), in a private temp folder so that leftovers would show."""
    temp = tmp_path_factory.mktemp("temp")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", CHILD, str(temp)], capture_output=True, text=True, env=env,
                          check=False, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [SimpleNamespace(**row) for row in json.loads(done.stdout.strip().splitlines()[-1])]
    return {(row.backend, row.dtype): row for row in rows}, temp


def test_openvino_fp32_computes_the_same_network(deployed):
    rows, _ = deployed
    row = rows["openvino", "fp32"]
    assert row.median_ms > 0 and "OpenVINO" in row.settings and "inference precision f32" in row.settings
    assert row.numerics_cosine > 0.99 and row.top1_agreement == 1.0
    assert row.numerics_max_abs < 1e-3


def test_int8_rows_run_int8_with_numerics(deployed):
    rows, _ = deployed
    for backend in ("onnxruntime", "openvino"):
        row = rows[backend, "int8"]
        assert row.median_ms > 0 and "int8 QDQ" in row.settings
        assert "calibration: synthetic seed 0, 16 inputs" in row.settings
        assert 0.9 < row.numerics_cosine <= 1.0 + 1e-9  # int8 noise: close to, but not exactly, fp32
        assert row.numerics_max_abs > 0 and 0.0 <= row.top1_agreement <= 1.0
    # Table 1: 27 convolutions, every one of them executed in int8 by OpenVINO
    assert "executed graph: 27 of 27 convolutions in int8" in rows["openvino", "int8"].settings


def test_sizes_on_disk_follow_the_bytes_per_weight(deployed):
    rows, _ = deployed
    params = sum(p.numel() for p in resolve(TINY).build().parameters())
    fp32, int8 = rows["openvino", "fp32"].size_mb, rows["onnxruntime", "int8"].size_mb
    assert fp32 == pytest.approx(4 * params / 1e6, rel=0.1)  # fp32: 4 bytes a weight, plus a small graph
    assert 1 * params / 1e6 < int8 < fp32 / 2.5  # int8: 1 byte a weight, plus scales and zero points


def test_fp32_eager_is_the_reference_and_no_onnx_file_is_left(deployed):
    rows, temp = deployed
    eager = rows["eager", "fp32"]
    assert eager.numerics_cosine is None and eager.size_mb is None
    assert not list(temp.rglob("*.onnx")) and not list(temp.glob("mnv1-bench-onnx-*"))


def test_agreement_on_known_logits():
    reference = np.array([[1.0, 0.0], [0.0, 1.0]])
    same = numerics.agreement(reference, reference)
    assert (same.cosine, same.max_abs, same.top1_agreement) == (pytest.approx(1.0), 0.0, 1.0)
    # first input: orthogonal (cosine 0, arg-max moved); second: same direction, twice as long (cosine 1)
    got = numerics.agreement(reference, np.array([[0.0, 1.0], [0.0, 2.0]]))
    assert got.cosine == pytest.approx(0.5) and got.max_abs == 1.0 and got.top1_agreement == 0.5


def test_in_batches_fills_the_fixed_batch():
    inputs = np.arange(5).reshape(5, 1)
    chunks = in_batches(inputs, 2)
    assert [c[:, 0].tolist() for c in chunks] == [[0, 1], [2, 3], [4, 0]]
    (one,) = in_batches(inputs, 8)
    assert one[:, 0].tolist() == [0, 1, 2, 3, 4, 0, 1, 2]


def test_supported_keeps_what_runs_and_says_what_not():
    configs = [TimingConfig(backend="eager", dtype="int8"), TimingConfig(backend="onnxruntime", dtype="int8"),
               TimingConfig(backend="eager", dtype="int8", batch=2)]  # fmt: skip
    kept, skipped = supported(configs)
    assert kept == [configs[1]]
    assert len(skipped) == 1 and str(skipped[0]).startswith("skipped eager int8: ") and "not int8" in str(skipped[0])
    with pytest.raises(UsageProblem, match="not int8"):
        supported([configs[0]])


def test_openvino_bf16_needs_the_cpu_capability(monkeypatch):
    config = TimingConfig(backend="openvino", dtype="bf16")
    monkeypatch.setattr(openvino_runtime, "capabilities", lambda: ["FP32", "INT8"])
    with pytest.raises(UsageProblem, match="no bf16 on this CPU"):
        backends.check_supported(config)
    monkeypatch.setattr(openvino_runtime, "capabilities", lambda: ["FP32", "BF16", "INT8"])
    assert backends.check_supported(config) is None
    monkeypatch.setattr(backends, "cuda_available", lambda: True)
    with pytest.raises(UsageProblem, match="CPU only"):
        backends.check_supported(TimingConfig(backend="openvino", device="cuda"))


def test_calibration_images_are_cropped_and_normalised(tmp_path):
    mean = tuple(round(255 * m) for m in calibration.IMAGENET_MEAN)
    for i, size in enumerate([(40, 30), (64, 64), (50, 80)]):
        Image.new("RGB", size, mean).save(tmp_path / f"{i}.png")
    (tmp_path / "notes.txt").write_text("not an image")
    got = calibration.from_folder(str(tmp_path), 32)
    assert tuple(got.inputs.shape) == (3, 3, 32, 32)
    assert got.inputs.abs().max() < 0.02  # ImageNet's mean colour normalises to 0 (within 8-bit rounding)
    assert got.description == f"calibration: {tmp_path} (3 images)"


def test_pinned_weights_are_the_same_in_every_build(tmp_path):
    spec = resolve(TINY)
    one, two = weights.pinned(spec).build(), weights.pinned(spec).build()
    for a, b in zip(one.state_dict().values(), two.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    torch.save(one.state_dict(), tmp_path / "w.pt")
    loaded = weights.pinned(resolve(TINY), tmp_path / "w.pt").build()
    assert torch.equal(loaded.state_dict()["fc.weight"], one.state_dict()["fc.weight"])


def test_many_asked_skips_the_unsupported_with_one_line_each(fake_timing, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["time", TINY, "--backend", "eager,onnxruntime", "--dtype", "fp32,bf16",
                                 "--batch", "1,2", "--min-time", "0.02", "--no-save", "--format", "csv"])  # fmt: skip
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: skipped")]
    assert warnings == [line for line in warnings if "onnxruntime bf16" in line] and len(warnings) == 1
    assert len(result.stdout.strip().splitlines()) == 1 + 3 * 2  # header; eager fp32, bf16, ORT fp32 at 2 batches


def _bad_inputs(tmp_path) -> dict[str, list[str]]:
    empty, broken = tmp_path / "empty", tmp_path / "broken"
    empty.mkdir()
    broken.mkdir()
    (broken / "a.jpg").write_bytes(b"not a jpeg")
    torch.save(resolve("mobilenet-0.5-64").build().state_dict(), tmp_path / "other.pt")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    state = resolve(TINY).build().state_dict()
    first = next(iter(state))
    torch.save({**state, first: torch.full_like(state[first], float("nan"))}, tmp_path / "nan.pt")
    torch.save({f"model.{key}": value for key, value in state.items()}, tmp_path / "renamed.pt")
    return {
        f"{first} holds NaN or infinite values": ["--weights", str(tmp_path / "nan.pt")],
        f"does not fit mobilenet-0.25-64: {len(state)} missing (e.g. {first}); {len(state)} unexpected (e.g. "
        f"model.{first})": ["--weights", str(tmp_path / "renamed.pt")],
        "of another shape (e.g. ": ["--weights", str(tmp_path / "other.pt")],
        "no images in it": ["--calibration", str(empty)],
        "cannot read": ["--calibration", str(broken)],
        "does not fit mobilenet-0.25-64": ["--weights", str(tmp_path / "other.pt")],
        "cannot read it as a state dict": ["--weights", str(tmp_path / "junk.pt")],
        "no such file": ["--weights", str(tmp_path / "missing.pt")],
    }


def test_bad_calibration_and_weights_are_one_line_and_exit_2(fake_timing, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for message, args in _bad_inputs(tmp_path).items():
        result = runner.invoke(app, ["time", TINY, "--backend", "onnxruntime", "--dtype", "int8", "--no-save", *args])
        lines = result.stderr.strip().splitlines()
        assert result.exit_code == 2 and result.stdout == "", (message, result.output)
        assert len(lines) == 1 and lines[0].startswith("mnv1-bench: error:") and message in lines[0], lines
        assert not (tmp_path / "results").exists()


SIGTERM_CHILD = """
import os, signal, sys, time
from mnv1_bench.models.registry import resolve
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.run import time_runs
configs = [TimingConfig(backend="openvino", batch=b, threads=1, min_time_s=0.02) for b in (1, 2)]
time_runs([resolve("mobilenet-0.25-64")], configs, None, rounds=1, probe=lambda: None)
seen = []
signal.signal(signal.SIGTERM, lambda *args: seen.append(1))
os.kill(os.getpid(), signal.SIGTERM)
time.sleep(0.5)
print("handled" if seen else "missed")
"""


def test_sigterm_after_two_openvino_rows_reaches_the_handler():
    # with one OpenVINO Core per compiled model, this signal crashed the process (exit -11) before the handler ran
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", SIGTERM_CHILD], capture_output=True, text=True, env=env,
                          check=False, timeout=600)  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip().endswith("handled"), (done.returncode, done.stderr[-1000:])
