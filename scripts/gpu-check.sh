#!/usr/bin/env bash
# GPU check for mnv1-bench, on a machine with an NVIDIA GPU, in under 4 minutes:
#   1. the CUDA tests (pytest -m cuda);
#   2. a timing table: separable vs standard MobileNet, VGG16, GoogLeNet; batch 1 and 256; fp32 and fp16;
#      eager and cudagraph for every row;
#   3. `layers mobilenet` and `proxy` on CUDA (the proxy writes tables/proxy_cuda.png and its section);
#   4. torch.compile for as many rows as the time left allows.
# Everything printed goes to results/gpu-check-<UTC>.txt; timing rows (with provenance) go to
# results/time-<UTC>-<host>.jsonl as `mnv1-bench time --save` writes them. Copies land in $OUT when it is set.
#
# Runs under the machine's own python3 (torch, torchvision, typer, rich, pandas, onnxruntime installed there).
# fvcore and anything else missing comes from wheels carried in .whl/ (installed with --no-deps into /tmp/site).
# Usage: scripts/gpu-check.sh    (from anywhere: it works in the repository root)
# Knobs: GPU_CHECK_BUDGET_S (default 230 s for the whole check), GPU_CHECK_MIN_TIME (0.2 s per row), PYTHON.
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
BUDGET_S=${GPU_CHECK_BUDGET_S:-230}
MIN_TIME=${GPU_CHECK_MIN_TIME:-0.2}
PYTHON=${PYTHON:-python3}
START=$(date +%s)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p results
LOG="results/gpu-check-$STAMP.txt"

if compgen -G ".whl/*.whl" >/dev/null; then
    "$PYTHON" -m pip install --quiet --no-index --no-deps --target /tmp/site .whl/*.whl >/dev/null 2>&1 \
        || echo "warning: could not install the carried wheels from .whl/" >&2
fi
export PYTHONPATH="/tmp/site:.${PYTHONPATH:+:$PYTHONPATH}"

# The CLI without an installed entry point; argv[0] as users type it, for the recorded command line.
MNV1=("$PYTHON" -c 'import sys; sys.argv[0] = "mnv1-bench"; from mnv1_bench.cli import main; main()')
MODELS=(mobilenet conv-mobilenet vgg16 googlenet)

left() { echo $((BUDGET_S - ($(date +%s) - START))); }

# SIGINT makes `mnv1-bench time` print the rows it finished and exit 130; each row is saved as it finishes.
timed() { timeout --preserve-status -s INT -k 15 "$(left)" "${MNV1[@]}" time "$@"; }

header() {
    echo "# mnv1-bench GPU check, $STAMP (UTC), host $(hostname)"
    echo "# commit $(git rev-parse HEAD 2>/dev/null || echo unknown)"
    nvidia-smi -L 2>/dev/null || echo "nvidia-smi not found"
    "$PYTHON" -c '
import sys
import torch
print(f"python {sys.version.split()[0]}, torch {torch.__version__}, CUDA {torch.version.cuda}, "
      f"cuDNN {torch.backends.cudnn.version()}")
if not torch.cuda.is_available():
    sys.exit("torch.cuda.is_available() is False: this check needs an NVIDIA GPU")
print(f"GPU: {torch.cuda.get_device_name()}")
'
}

checks() {
    local status=0 code dtype
    echo
    echo "## 1. CUDA tests: pytest -m cuda"
    if "$PYTHON" -c "import pytest" 2>/dev/null; then
        # addopts is replaced: pyproject's --benchmark-skip needs pytest-benchmark, which may be absent here
        timeout 100 "$PYTHON" -m pytest -q -m cuda -o addopts="-ra" -p no:cacheprovider tests || status=1
    else
        echo "pytest is not installed for $PYTHON: CUDA tests not run"
        status=1
    fi

    echo
    echo "## 2. Timing: eager and CUDA graphs, every row (min-time $MIN_TIME s per row; $(left) s left)"
    timed "${MODELS[@]}" --device cuda --batch 1,256 --dtype fp32,fp16 --backend eager,cudagraph \
        --min-time "$MIN_TIME" || status=1

    echo
    echo "## 3. Where the time goes on CUDA: layers and the mult-adds proxy ($(left) s left)"
    timeout 40 "${MNV1[@]}" layers mobilenet --device cuda --runs 20 || status=1
    if [ "$(left)" -gt 90 ]; then
        # writes tables/proxy_cuda.png and the CUDA part of tables/beyond_the_paper.md
        timeout 80 "${MNV1[@]}" proxy --device cuda --min-time "$MIN_TIME" || status=1
    else
        echo "proxy skipped: $(left) s left of the $BUDGET_S s budget"
    fi

    for dtype in fp16 fp32; do
        echo
        if [ "$(left)" -lt 30 ]; then
            echo "## 4. torch.compile $dtype skipped: $(left) s left of the $BUDGET_S s budget"
            continue
        fi
        echo "## 4. Timing: torch.compile, $dtype ($(left) s left; rows finished before the limit are kept)"
        timed "${MODELS[@]}" --device cuda --batch 1,256 --dtype "$dtype" --backend compile --min-time "$MIN_TIME"
        code=$?
        if [ "$code" -eq 130 ]; then
            echo "(stopped at the time budget)"
        elif [ "$code" -ne 0 ]; then
            status=1
        fi
    done
    echo
    echo "# done in $(($(date +%s) - START)) s; exit status $status"
    return "$status"
}

header 2>&1 | tee "$LOG"
if [ "${PIPESTATUS[0]}" -ne 0 ]; then
    echo "gpu-check: no usable GPU; see $LOG" >&2
    exit 1
fi
checks 2>&1 | tee -a "$LOG"
status=${PIPESTATUS[0]}

if [ -n "${OUT:-}" ] && [ -d "${OUT}" ]; then
    cp "$LOG" results/time-*.jsonl tables/beyond_the_paper.md tables/proxy_cuda.png "$OUT"/ 2>/dev/null || true
fi
echo "gpu-check: log in $LOG" >&2
exit "$status"
