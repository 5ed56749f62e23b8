"""Timing rows as a frame and as notes: each model beside the first one timed in the same setting.

What ``mnv1-bench time`` shows: the rows' fields, each row's mult-adds and time over the first row's (the ratio
of their medians, with its 95% confidence interval and a verdict), which floor bounds it, the flags, one warning
line for a busy machine, and notes that say how each row was produced. Nothing here measures or prints.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from mnv1_bench.timing.flags import labels
from mnv1_bench.timing.numerics import NUMERICS_INPUTS
from mnv1_bench.timing.rows import TimingRow
from mnv1_bench.timing.stats import WINDOWS

ONE_OFF = {"compile_s": "compiled", "export_s": "exported to ONNX", "quantize_s": "quantized to int8"}  # one-off
NUMERICS_NOTE = ("Cosine vs fp32 eager, Max |Δ| logit and Top-1 agree: each row's logits against fp32 PyTorch eager "
                 "(batch norm unfolded) on {inputs} seeded random inputs, not the calibration set (mean per-input "
                 "cosine similarity, largest absolute difference of any logit, share of inputs with the same arg-max); "
                 "Size: the exported model file, in MB (10^6 bytes). With random weights these say whether the runtime "
                 "computes the same network, not its accuracy: --weights FILE loads trained weights.")  # fmt: skip


def bound(row: TimingRow) -> str | None:
    """Which roofline floor is higher: "compute" or "memory" (None without floors)."""
    if row.compute_floor_ms is None or row.memory_floor_ms is None:
        return None
    return "compute" if row.compute_floor_ms >= row.memory_floor_ms else "memory"


def flag(row: TimingRow) -> str:
    """The row's flag labels (:mod:`.flags`: UNSTABLE, BUSY, SLOW, OVERSUBSCRIBED), comma-separated, or ""."""
    return ", ".join(labels(row.flags))


def interval_note(first: TimingRow) -> str:
    """What Time ÷ #1 and its interval are, and what the interval covers."""
    how = (f"{first.repeats} repeats (each configuration prepared anew, then timed in interleaved rounds of its "
           "own): Student's t over the repeats' ratios, so the interval includes what changes from one run to the "
           "next on this host" if first.repeats > 1 else
           f"{min(WINDOWS, first.rounds)} windows of consecutive rounds of one preparation: Student's t over the "
           "windows' ratios, which sees drift within this run but not what changes between runs (--repeats 3 "
           "or more covers that)")  # fmt: skip
    return (f"Configurations were timed in {first.rounds} interleaved rounds. Time ÷ #1 (95% CI): each row's median "
            f"over the first row's median, with a 95% interval over {how}; faster or slower when the whole "
            "interval is below or above 1, else indistinguishable. It does not cover other machines, other "
            "software versions or a different load.")  # fmt: skip


def ratio_text(row: TimingRow) -> str:
    """ "0.521 [0.502–0.544]": the ratio to the first row and its 95% interval, to 3 significant figures, a bound
    near 1 with as many more digits as it takes to show on which side of 1 it lies ("" if none); the verdict is
    a column of its own. One space: a narrow column wraps it onto two lines, not three."""
    if row.ratio is None:
        return ""
    if row.ratio.low != row.ratio.low:  # NaN: fewer than two batches, no interval
        return f"{row.ratio.ratio:#.3g}"
    return f"{row.ratio.ratio:#.3g} [{sided(row.ratio.low)}–{sided(row.ratio.high)}]"


def sided(bound: float) -> str:
    """`bound` to 3 significant figures, or more until its text is not 1 unless it is 1 (0.99962 -> "0.9996")."""
    for digits in range(3, 8):
        text = f"{bound:#.{digits}g}"
        if float(text) != 1.0 or bound == 1.0:
            return text
    return text


def compare_frame(rows: Sequence[TimingRow]) -> pd.DataFrame:
    """Rows as a DataFrame, with each row's mult-adds and time over the first row's (``time_vs_first``, the
    ratio of their medians), its 95% interval (``time_vs_first_ci``; the verdict is ``verdict``), the bound and
    the flags."""
    records = []
    for row in rows:
        base = rows[0]
        record = row.as_dict()
        record["mult_adds_vs_first"] = row.mult_adds / base.mult_adds if base.mult_adds else None
        record["time_vs_first"] = 1.0 if row is base else record["ratio_to_first"]
        record["time_vs_first_ci"] = ratio_text(row) or ("1 (row 1)" if row is base and len(rows) > 1 else "")
        record["bound"] = bound(row)
        record["flag"] = flag(row)
        del record["extra"]
        records.append(record)
    return pd.DataFrame.from_records(records)


def machine_warnings(rows: Sequence[TimingRow]) -> list[str]:
    """One line for rows taken on a busy machine and one for rows taken while the machine itself ran slow: how
    busy or how slow, and what to do; none when neither."""
    lines = []
    busy = [row for row in rows if row.busy]
    if busy:
        worst = max(row.load_others_cores or 0.0 for row in busy)
        lines.append(f"{len(busy)} of {len(rows)} rows were timed while other processes used up to {worst:.2f} "
                     "cores (flagged BUSY): their times may be high; wait for a quieter machine, use fewer "
                     "--threads, or more --rounds (ratios between rows of one run stay comparable: see the 95% "
                     "intervals)")  # fmt: skip
    slow = [row for row in rows if row.slow]
    if slow:
        speed = min(row.machine_speed or 0.0 for row in slow)
        lines.append(f"{len(slow)} of {len(rows)} rows were timed while this machine ran at {speed:.0%} of the "
                     "fastest it has shown (a reference matmul timed before every round; flagged SLOW; on a "
                     "virtual machine the host's other tenants do this unseen by /proc/stat): their times are high "
                     "and may not repeat, while ratios between rows of one run still hold")  # fmt: skip
    return lines


def row_label(row: TimingRow) -> str:
    return f"{row.model} {row.backend} {row.dtype} batch {row.batch} on {row.device}"


def notes(rows: Sequence[TimingRow], first_model: str, models: int) -> list[str]:
    """How to read the table, each lighter model's saving beside its speed-up, and how each row was produced."""
    lines = ["Median, IQR (p75 - p25) and p90 of per-call times in ms; Runs = samples; CV = stdev / mean; "
             "Images/s = batch / median. UNSTABLE: CV over 10% or samples under 1 ms. BUSY: other processes "
             "used at least a quarter of a core while the row was timed. SLOW: the machine itself ran under 80% "
             "of the fastest it has shown (a reference matmul timed before every round).",
             "Roofline = max(compute floor, memory floor) / median; compute floor = 2 x mult-adds x batch / "
             "measured peak matmul rate; memory floor = weights + input + each conv/FC output written and read, "
             "over measured copy bandwidth (peaks cached in ~/.cache/mnv1-bench/roofline.json or "
             "$XDG_CACHE_HOME/mnv1-bench; --recalibrate measures them afresh)."]  # fmt: skip
    if len(rows) > 1:
        lines.append(interval_note(rows[0]))
    if models > 1:
        lines.append(f"Mult-adds ÷ #1: each model over {first_model} (counted); beside Time ÷ #1, how many times "
                     "fewer mult-adds #1 needs against how many times faster it ran (measured).")  # fmt: skip
        first: dict[tuple, TimingRow] = {}
        for row in rows:
            base = first.setdefault((row.backend, row.dtype, row.batch), row)
            if row is not base:
                lines.append(speedup_note(base, row))
    return lines + how_produced(rows)


def how_produced(rows: Sequence[TimingRow]) -> list[str]:
    """Each backend's settings with the models it ran them for, what the numerics columns mean (where rows have
    them), and the one-off costs (compile, export, quantization) that were not timed."""
    by_settings: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        names = by_settings.setdefault((row.backend, row.settings), [])
        if row.model not in names:
            names.append(row.model)
    lines = [f"{backend} ({', '.join(names)}): {settings}" for (backend, settings), names in by_settings.items()]
    if any(row.numerics_cosine is not None for row in rows):
        lines.append(NUMERICS_NOTE.format(inputs=NUMERICS_INPUTS))
    one_off = one_off_costs(rows)
    if one_off:
        lines.append(f"One-off costs, not timed: {'; '.join(one_off)}.")
    return lines


def one_off_costs(rows: Sequence[TimingRow]) -> list[str]:
    """Each compile, export and quantization once, with the rows that share it (one ONNX export serves them all)."""
    shared: dict[tuple, list[str]] = {}
    for row in rows:
        for key, seconds in row.extra.items():
            if key in ONE_OFF:
                shared.setdefault((row.model, key, seconds, row.batch), []).append(f"{row.backend} {row.dtype}")
    return [f"{model} b{batch} {ONE_OFF[key]} in {seconds:.1f} s ({', '.join(users)})"
            for (model, key, seconds, batch), users in shared.items()]  # fmt: skip


def speedup_note(base: TimingRow, row: TimingRow) -> str:
    """The lighter model's mult-add saving (counted) beside its speed-up (measured), in one setting."""
    light, heavy = (base, row) if base.mult_adds <= row.mult_adds else (row, base)
    saving = heavy.mult_adds / light.mult_adds
    speedup = heavy.median_ms / light.median_ms
    runs = f"runs {speedup:.2f}x faster" if speedup >= 1 else f"runs {1 / speedup:.2f}x slower"
    return (
        f"{light.model} needs {saving:.1f}x fewer mult-adds than {heavy.model} (counted) and {runs} "
        f"({row.backend}, {row.dtype}, batch {row.batch}; measured)"
    )
