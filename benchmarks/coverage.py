"""Answers that hold: does a run's 95% interval hold the next run's ratio, and does --precision deliver?

Coverage: six back-to-back runs of

    mnv1-bench time mobilenet --backend eager,onnxruntime --min-time 2

on the quiet machine, then six beside a bursty neighbour (one core busy 3 s, idle 3 s); in each set, the share of
ordered pairs (i, j) whose run-j ratio lies inside run i's interval should be at least 75% (honest, independent
95% intervals hold the other run's estimate in about 83% of pairs), and the verdict should be the same in every
run. Precision: three back-to-back runs with ``--precision 2`` should give ratios within 2% of each other, or
say that they stopped at the cap. Run it on an otherwise quiet machine (``make bench`` does). Exit status 0 when
every target is met, 1 when one is not.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from busy_neighbour import NEIGHBOUR

RUNS = 6
PRECISION_RUNS = 3
COVERAGE = 0.75
COMMAND = ["time", "mobilenet", "--backend", "eager,onnxruntime", "--min-time", "2", "--no-save", "--format", "json"]
CLI = "import sys; from mnv1_bench.cli import main; sys.argv[0] = 'mnv1-bench'; main()"


def one_run(*extra: str) -> tuple[dict, str]:
    """The onnxruntime row of one run, and what the run said on stderr."""
    done = subprocess.run([sys.executable, "-c", CLI, *COMMAND, *extra], capture_output=True, text=True, check=True)
    rows = {row["backend"]: row for row in json.loads(done.stdout)}
    return rows["onnxruntime"], done.stderr


def coverage(rows: list[dict]) -> float:
    pairs = [(i, j) for i in range(len(rows)) for j in range(len(rows)) if i != j]
    held = sum(rows[i]["ratio_low"] <= rows[j]["ratio_to_first"] <= rows[i]["ratio_high"] for i, j in pairs)
    return held / len(pairs)


def coverage_target(name: str, neighbour: bool) -> bool:
    process = subprocess.Popen([sys.executable, "-c", NEIGHBOUR]) if neighbour else None
    try:
        if process is not None:
            time.sleep(1)  # the neighbour is in its busy phase when the first run starts
        rows = [one_run()[0] for _ in range(RUNS)]
    finally:
        if process is not None:
            process.terminate()
            process.wait()
    for i, row in enumerate(rows, 1):
        print(f"{name} run {i}: onnxruntime/eager {row['ratio_to_first']:.3f} [{row['ratio_low']:.3f}, "
              f"{row['ratio_high']:.3f}] {row['verdict']}; {row['repeats']} repeats of {row['rounds']} rounds; "
              f"others used {row['load_others_cores']:.2f} cores; busy {row['busy']}")  # fmt: skip
    share, verdicts = coverage(rows), {row["verdict"] for row in rows}
    met = share >= COVERAGE and len(verdicts) == 1
    print(f"{name}: a run's interval holds another run's ratio in {share:.0%} of ordered pairs (target "
          f"{COVERAGE:.0%}); verdicts {sorted(verdicts)}; {'met' if met else 'NOT met'}")  # fmt: skip
    return met


def precision_target(percent: float = 2.0) -> bool:
    runs = [one_run("--precision", f"{percent:g}") for _ in range(PRECISION_RUNS)]
    ratios = [row["ratio_to_first"] for row, _ in runs]
    capped = ["precision not reached" in said for _, said in runs]
    for i, ((row, said), hit) in enumerate(zip(runs, capped, strict=True), 1):
        line = next((s for s in said.splitlines() if "precision" in s), "")
        print(f"precision run {i}: {row['ratio_to_first']:.4f} [{row['ratio_low']:.4f}, {row['ratio_high']:.4f}] "
              f"after {row['repeats']} repeats; {'cap' if hit else 'reached'}: {line}")  # fmt: skip
    spread = max(ratios) / min(ratios) - 1
    met = spread <= percent / 100 or any(capped)
    print(f"precision {percent:g}%: ratios within {spread:.1%} of each other; runs that said they hit the cap: "
          f"{sum(capped)}; {'met' if met else 'NOT met'}")  # fmt: skip
    return met


def main() -> int:
    results = [coverage_target("quiet", False), coverage_target("busy", True), precision_target()]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
