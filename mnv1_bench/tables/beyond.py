"""`tables/beyond_the_paper.md`: what the paper does not measure, one section per device, written by `proxy`.

Each device's section holds the measured Table 2 (1.0 MobileNet-224's time per layer type) and the fits of
latency against mult-adds and parameters, with the machine and software that produced them. A run replaces
its own device's section only; `mnv1-bench tables` includes the file in the index.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mnv1_bench.choices import Device
from mnv1_bench.choose import proxy
from mnv1_bench.choose.proxy import ProxyResult
from mnv1_bench.counting import frames
from mnv1_bench.files import write_atomic
from mnv1_bench.formatting import Column, fixed, markdown_table, millions, ratio, records, threads_text, word
from mnv1_bench.layers import frames as layer_frames, timing as layer_timing
from mnv1_bench.layers.timing import LayerTiming
from mnv1_bench.tables import published

SECTIONS_FILE = "beyond_the_paper.md"
DEVICES = tuple(Device)
INTRO = (
    "What the paper does not measure: where MobileNet's time goes on real hardware, and how far mult-adds can be "
    "trusted as a proxy for latency across networks. Each device's part below is written by "
    "`mnv1-bench proxy --device DEVICE` on a machine with that device and replaced only by the next such run."
)

MODEL_COLUMNS = (
    word("model", "Model"),
    word("family", "Family", priority=2),
    Column("mult_adds", "Mult-adds (M)", millions(1)),
    Column("params", "Params (M)", millions(2)),
    Column("latency_ms", "Latency (ms)", fixed(2)),
    Column("iqr_ms", "IQR (ms)", fixed(2), priority=1),
    Column("predicted_ms_mult_adds", "Fit on mult-adds (ms)", fixed(2)),
    Column("ratio_mult_adds", "Measured ÷ fit (mult-adds)", ratio()),
    Column("predicted_ms_params", "Fit on params (ms)", fixed(2), priority=3),
    Column("ratio_params", "Measured ÷ fit (params)", ratio(), priority=3),
)
FIT_COLUMNS = (
    word("against", "Latency fitted against"),
    Column("n", "Models", fixed(0)),
    Column("slope", "Slope (log-log)", fixed(2)),
    Column("pearson_log", "Pearson r (logs)", fixed(3)),
    Column("spearman", "Spearman rho", fixed(3)),
    Column("r2_log", "R² (logs)", fixed(3)),
    word("furthest", "Furthest from the fit (measured ÷ fit)"),
)
TABLE2_COLUMNS = (
    word("type", "Type"),
    Column("mult_adds_pct", "% mult-adds", fixed(2)),
    Column("paper_mult_adds_pct", "Paper % mult-adds", fixed(2)),
    Column("bytes_pct", "% bytes", fixed(2)),
    Column("time_ms", "Time (ms)", fixed(2)),
    Column("time_pct", "% time (measured)", fixed(2)),
    Column("gflops_per_s", "GFLOP/s", fixed(1)),
)


def spread(frame: pd.DataFrame) -> str:
    """How noisy the latencies were: the median CV over the models, how many were flagged unstable and how many
    were timed while the machine was busy (:func:`mnv1_bench.tables.published.of_section` reads these counts
    back)."""
    stated = published.of_frame(frame).stated(busy_counted="busy" in frame)
    return f"Spread of the measurements: median CV {frame['cv'].median():.1%} {stated}"


PUBLISHED_SETTING = ("eager", "fp32")  # the setting of the published sections: Table 2 is fp32 eager PyTorch


def figure_name(device: str, backend: str = "eager", dtype: str = "fp32") -> str:
    """ "proxy_cpu.png" for the published setting, "proxy_cpu_onnxruntime_int8.png" for another."""
    return f"proxy_{device}.png" if (backend, dtype) == PUBLISHED_SETTING else f"proxy_{device}_{backend}_{dtype}.png"


def publish_decision(out: Path, result: ProxyResult, device: str, whole: bool, force: bool) -> published.Decision:
    """Whether this run replaces ``device``'s figure and section in ``out``: a run over a subset of the models
    (``whole`` False) never replaces a published figure, and a run replaces a published section only when it is
    at least as stable (:func:`mnv1_bench.tables.published.decide`); ``force`` overrides both."""
    figure = out / figure_name(device)
    if not whole and figure.exists() and not force:
        said = f"kept {figure}: a run over a subset of models never replaces it; pass --force to replace it"
        return published.Decision(False, said)
    path = out / SECTIONS_FILE
    old = published.of_section(section_body(path.read_text() if path.exists() else "", device))
    return published.decide(published.of_frame(result.frame), old, f"{figure} and the {device} section", force)


def table2_invalid(result: ProxyResult, table2: LayerTiming) -> str:
    """Why the measured Table 2 cannot be published beside this run, or "": its per-layer times must add up to
    the same network's whole-network time from the run, within layer_timing.AGREEMENT_TOLERANCE_PCT."""
    whole = _whole_ms(result, table2)
    if whole is None:
        return ""
    agreement = layer_timing.agreement_pct(table2.sum_ms, whole)
    if abs(agreement) <= layer_timing.AGREEMENT_TOLERANCE_PCT:
        return ""
    return (f"{table2.model}'s per-layer times add up to {agreement:+.1f}% of its whole-network time, beyond "
            f"±{layer_timing.AGREEMENT_TOLERANCE_PCT:g}%")  # fmt: skip


def write_section(out: Path, result: ProxyResult, table2: LayerTiming, env: dict, figure: str) -> Path:
    """Set this run's device section of ``out/beyond_the_paper.md``, keeping the other devices' sections."""
    path = out / SECTIONS_FILE
    existing = path.read_text() if path.exists() else ""
    write_atomic(path, merge_sections(existing, env["device"], section(result, table2, env, figure)))
    return path


def _markers(device: str) -> tuple[str, str]:
    return f"<!-- mnv1-bench proxy --device {device}: begin -->", f"<!-- mnv1-bench proxy --device {device}: end -->"


def section_body(existing: str, device: str) -> str | None:
    """``device``'s section of the Markdown file, None when it has none."""
    begin, end = _markers(device)
    if begin in existing and end in existing.split(begin, 1)[1]:
        return existing.split(begin, 1)[1].split(end, 1)[0].strip("\n")
    return None


def merge_sections(existing: str, device: str, body: str) -> str:
    """The Markdown file with ``device``'s section set to ``body`` and every other device's section kept."""
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
    bodies = {other: text for other in DEVICES if (text := section_body(existing, other)) is not None}
    bodies[device] = body.strip("\n")
    parts = [INTRO]
    for other in DEVICES:
        if other in bodies:
            begin, end = _markers(other)
            parts.append(f"{begin}\n{bodies[other]}\n{end}")
        else:
            parts.append(f"_No {other.upper()} results yet: `mnv1-bench proxy --device {other}` on a machine with "
                         "one writes them here._")  # fmt: skip
    return "\n\n".join(parts) + "\n"


def _whole_ms(result: ProxyResult, table2: LayerTiming) -> float | None:
    """The proxy run's whole-network time of the model whose layers were timed, None when it was not timed."""
    rows = result.frame[result.frame["model"] == table2.model]
    return None if rows.empty else float(rows["latency_ms"].iloc[0])


def _whole(result: ProxyResult, table2: LayerTiming) -> str:
    """The whole-network time of the same model from the proxy run, for comparison with the per-layer sum."""
    whole = _whole_ms(result, table2)
    if whole is None:
        return ""
    return (f", against {whole:.2f} ms for the whole network timed without hooks "
            f"({layer_timing.agreement_pct(table2.sum_ms, whole):+.1f}%)")  # fmt: skip


def _md(frame: pd.DataFrame, columns: tuple[Column, ...]) -> str:
    return markdown_table(records(frame), [c for c in columns if c.key in frame])


def section(result: ProxyResult, table2: LayerTiming, env: dict, figure: str) -> str:
    """One device's part of beyond_the_paper.md: the measured Table 2 and the proxy fits, with provenance."""
    by_type = layer_frames.by_type_frame(table2, with_paper=True)
    dw = by_type.set_index("type").loc["Conv dw 3x3"]
    fit = result.fits["mult_adds"]
    worst = proxy.outliers(result, "mult_adds", k=3)
    commit = env["git_commit"] or "unknown"
    commit = commit[:12] + ("-dirty" if commit.endswith("-dirty") else "")
    machine = (f"{env['device_name']} ({env['cpu_cores']} cores), {threads_text(env['env_threads'])} (intra-op), batch "
               f"{env['batch']}, {env['dtype']}, PyTorch eager with batch norm folded, torch {env['torch']}, "
               f"mnv1-bench commit {commit}, {env['utc'][:10]}")  # fmt: skip
    where = env["device"].upper()
    return "\n".join([
        f"### Where the time goes on {where}: Table 2 with measured time (1.0 MobileNet-224)",
        "",
        f"Measured by `mnv1-bench proxy --device {env['device']}` on {machine}. "
        f"Per-layer times: {table2.runs} hooked passes, median per layer; {layer_timing.ATTRIBUTION}.",
        "",
        _md(by_type, TABLE2_COLUMNS),
        "",
        f"The depthwise layers hold {dw['mult_adds_pct']:.1f}% of the mult-adds (paper: 3.06%) but "
        f"{dw['bytes_pct']:.1f}% of the bytes moved and {dw['time_pct']:.1f}% of the measured time. "
        f"Per-layer times sum to {table2.sum_ms:.2f} ms{_whole(result, table2)}. {frames.TABLE2_SOURCE}",
        "",
        f"### Mult-adds as a latency proxy on {where} ({fit.n} models)",
        "",
        f"The paper's 16-model grid, Conv MobileNet and the five reference networks, each timed for at least "
        f"{env['min_time_s']:g} s (median per call). Fit: log(latency) = a + slope x log(x), least squares. "
        + spread(result.frame),
        "",
        _md(proxy.fits_frame(result), FIT_COLUMNS),
        "",
        f"Against mult-adds the slope is {fit.slope:.2f} (1.0 would mean time in proportion to mult-adds); "
        f"the models furthest from the line: "
        + "; ".join(f"{r.model}, {r.ratio_mult_adds:.2f}x the prediction" for r in worst.itertuples())
        + ".",
        "",
        f"![Latency vs mult-adds and params, log-log, {where}]({figure})",
        "",
        "<details><summary>Per-model latency and fits</summary>",
        "",
        _md(result.frame, MODEL_COLUMNS),
        "",
        "</details>",
    ])  # fmt: skip
