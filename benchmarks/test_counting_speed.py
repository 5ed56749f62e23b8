"""pytest-benchmark runs of counting from shapes alone (the meta device): a huge input, and many networks at once.

Run with `make bench` (`pytest -q benchmarks --benchmark-only`). Each case runs the command line in a fresh
process, so start-up (importing torch) is included, and its peak memory is that process's maximum resident set.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FLOPS_4000_TARGET_S = 10.0
FLOPS_4000_TARGET_BYTES = 1 << 30  # 1 GiB: real activations at 4000 x 4000 took about 10 GB
MANY_TARGET_S = 60.0

# The 25 torchvision classifiers most used, by the usual shortlists (torchvision's docs table, timm's and
# papers' baselines): every ResNet depth, the mobile networks, EfficientNet B0-B3, the classic CNNs, and the
# transformers ViT-B and Swin-T.
MOST_USED = [
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "mobilenet_v2", "mobilenet_v3_small",
    "mobilenet_v3_large", "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3", "vgg16",
    "densenet121", "convnext_tiny", "regnet_y_400mf", "shufflenet_v2_x1_0", "squeezenet1_0", "googlenet",
    "inception_v3", "vit_b_16", "vit_b_32", "swin_t", "mnasnet1_0", "resnext50_32x4d",
]  # fmt: skip


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("mnv1-bench")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from mnv1_bench.cli import main; main()"]


def _run_measured(args: list[str]) -> tuple[subprocess.CompletedProcess, int]:
    """Run the command in a child of a fresh interpreter, so that its peak RSS is the only child's maximum
    (ru_maxrss: KiB on Linux, bytes on macOS)."""
    probe = (
        "import json, resource, subprocess, sys; "
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "print(json.dumps([r.returncode, r.stdout, r.stderr, "
        "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * (1 if sys.platform == 'darwin' else 1024)]))"
    )
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, check=True)
    code, out, err, peak = json.loads(done.stdout)
    return subprocess.CompletedProcess(args, code, out, err), peak


def test_flops_at_4000_pixels(benchmark):
    result, peak = benchmark.pedantic(_run_measured, args=([*_cli(), "flops", "--res", "4000", "--format", "json"],),
                                      rounds=3, warmup_rounds=1)  # fmt: skip
    assert result.returncode == 0, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["model"] == "mobilenet-1.0-4000" and row["mult_adds"] > 180e9
    benchmark.extra_info["peak_rss_mib"] = round(peak / 2**20)
    assert benchmark.stats.stats.median < FLOPS_4000_TARGET_S
    assert peak < FLOPS_4000_TARGET_BYTES


def test_25_torchvision_classifiers_in_one_call(benchmark):
    command = [*_cli(), "flops", *(f"torchvision:{name}" for name in MOST_USED), "--format", "json"]
    result, peak = benchmark.pedantic(_run_measured, args=(command,), rounds=1, warmup_rounds=0)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == len(MOST_USED) == 25
    benchmark.extra_info["peak_rss_mib"] = round(peak / 2**20)
    assert benchmark.stats.stats.median < MANY_TARGET_S
