"""Mult-adds as a latency proxy: the log-log fit on synthetic latencies, checked against independent formulas;
the sections file; the figure; and one small end-to-end `mnv1-bench proxy` run through CliRunner."""

from __future__ import annotations

import json
import math
import statistics

import pandas as pd
import pytest
from conftest import fake_latency_ms
from typer.testing import CliRunner

from mnv1_bench.choose import proxy
from mnv1_bench.cli import app
from mnv1_bench.models import registry
from mnv1_bench.tables import beyond
from mnv1_bench.timing import roofline


def synthetic(mult_adds: list[float], latency: list[float], params: list[float] | None = None) -> pd.DataFrame:
    n = len(mult_adds)
    return pd.DataFrame(
        {
            "model": [f"m{i}" for i in range(n)],
            "family": proxy.GRID,
            "mult_adds": mult_adds,
            "params": params or [1e6 * (i + 1) for i in range(n)],
            "latency_ms": latency,
        }
    )


def test_an_exact_power_law_is_recovered():
    mult_adds = [1e6, 1e7, 1e8, 1e9, 3e9]
    frame = synthetic(mult_adds, [0.05 * (m / 1e6) ** 0.8 for m in mult_adds])
    fit = proxy.fit_loglog(frame, "mult_adds")
    assert fit.slope == pytest.approx(0.8)
    assert fit.intercept == pytest.approx(math.log(0.05) - 0.8 * math.log(1e6))
    assert fit.pearson == pytest.approx(1.0) and fit.spearman == pytest.approx(1.0) and fit.r2 == pytest.approx(1.0)
    assert fit.predict_ms(1e8) == pytest.approx(0.05 * 100**0.8)


def test_fit_and_correlations_agree_with_independent_formulas():
    mult_adds = [10.0, 20.0, 40.0, 80.0, 160.0]
    latency = [1.0, 3.0, 2.0, 6.0, 7.0]
    fit = proxy.fit_loglog(synthetic(mult_adds, latency), "mult_adds")
    logs_x, logs_y = [math.log(v) for v in mult_adds], [math.log(v) for v in latency]
    slope, intercept = statistics.linear_regression(logs_x, logs_y)  # stdlib least squares, not numpy
    assert (fit.slope, fit.intercept) == pytest.approx((slope, intercept))
    assert fit.pearson == pytest.approx(statistics.correlation(logs_x, logs_y))
    # ranks of latency: 1, 3, 2, 4, 5 -> d = 0, -1, 1, 0, 0 -> rho = 1 - 6 * 2 / (5 * 24) = 0.9
    assert fit.spearman == pytest.approx(0.9)
    assert fit.r2 == pytest.approx(fit.pearson**2)  # one regressor: R^2 is r squared


def test_the_model_furthest_from_the_fit_is_named_first():
    mult_adds = [1e6, 2e6, 4e6, 8e6, 16e6, 32e6]
    latency = [m / 1e6 for m in mult_adds]
    latency[3] *= 4  # m3 runs four times slower than its mult-adds say
    result = proxy.analyse(synthetic(mult_adds, latency))
    worst = proxy.outliers(result, "mult_adds", k=2)
    assert worst.loc[0, "model"] == "m3" and worst.loc[0, "ratio_mult_adds"] > 2
    assert set(result.fits) == {"mult_adds", "params"}
    table = proxy.fits_frame(result)
    assert list(table["against"]) == ["mult-adds", "parameters"] and "m3" in table.loc[0, "furthest"]


@pytest.mark.parametrize(
    ("mult_adds", "latency", "message"),
    [([1.0, 2.0], [1.0, 2.0], "at least 3"), ([1.0, 0.0, 3.0], [1.0, 2.0, 3.0], "positive"),
     ([5.0, 5.0, 5.0], [1.0, 2.0, 3.0], "same")],
)  # fmt: skip
def test_fits_that_cannot_be_made_say_why(mult_adds, latency, message):
    with pytest.raises(ValueError, match=message):
        proxy.fit_loglog(synthetic(mult_adds, latency), "mult_adds")


def test_the_model_list_is_the_grid_conv_mobilenet_and_the_references():
    names = proxy.proxy_models()
    assert len(names) == len(set(names)) == 16 + 1 + 5
    assert names[:16] == registry.grid_names()
    families = [proxy.family(registry.resolve(n).name) for n in names]
    assert families.count(proxy.GRID) == 16 and families.count(proxy.CONV_MOBILENET) == 1
    assert families.count(proxy.REFERENCE) == 5


def test_sections_are_replaced_per_device_and_kept_otherwise():
    text = beyond.merge_sections("", "cpu", "### CPU one\nfirst")
    assert beyond.INTRO in text and "### CPU one" in text and "No CUDA results yet" in text
    text = beyond.merge_sections(text, "cuda", "### GPU\nH100")
    text = beyond.merge_sections(text, "cpu", "### CPU two")
    assert "### CPU two" in text and "### CPU one" not in text and "### GPU\nH100" in text
    assert "No CUDA" not in text and not any(line.startswith("# ") for line in text.splitlines())
    assert text == beyond.merge_sections(text, "cpu", "### CPU two")  # idempotent


def test_the_figure_is_a_png_written_atomically(tmp_path):
    result = proxy.analyse(synthetic([1e6, 1e7, 1e8], [1.0, 4.0, 20.0]))
    path = tmp_path / "figs" / "proxy_cpu.png"
    proxy.save_figure(result, path, "test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in path.parent.iterdir()] == ["proxy_cpu.png"]  # no temp file left behind


@pytest.fixture
def fake_peaks(tmp_path):
    """time_spec's roofline floors without a real calibration (seconds) or a cache in the repository."""

    def calibrate(device, dtype, threads):
        return roofline.Peaks(1e11, 1e10, device, dtype, threads, "fake")

    roofline.set_default_cache(roofline.PeakCache(tmp_path / "roofline.json", calibrate))
    yield
    roofline.set_default_cache(None)


TINY_MODELS = "mobilenet-0.25-64,mobilenet-0.5-64,mobilenet-0.25-96"


def test_proxy_cli_end_to_end_on_three_tiny_models(tmp_path, fake_peaks):
    args = ["proxy", "--models", TINY_MODELS, "--min-time", "0.02", "--threads", "1", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [m["model"] for m in data["models"]] == TINY_MODELS.split(",")
    assert all(m["latency_ms"] > 0 for m in data["models"])
    assert [f["against"] for f in data["fits"]] == ["mult-adds", "parameters"]
    assert data["setting"]["env_threads"] == 1 and data["setting"]["device"] == "cpu"
    assert (tmp_path / "proxy_cpu.png").exists()
    assert not (tmp_path / "beyond_the_paper.md").exists()  # a subset never overwrites the committed section
    table = CliRunner().invoke(app, [*args, "--no-save"])
    assert table.exit_code == 0 and "Spearman" in table.stdout and "Slope" in table.stdout  # headers may wrap


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--models", "mobilenet,vgg16"], "a fit needs at least 3 different models, got 2 (mobilenet-1.0-224, vgg16)"),
     (["--models", "mobilenet,nonsense-net,vgg16"], "unknown model 'nonsense-net'"),
     (["--batch", "0"], "batch must be at least 1, got 0"),
     (["--min-time", "0"], "min-time must be a positive number of seconds, at most 3600, got 0")],
)  # fmt: skip
def test_proxy_cli_bad_input_is_one_line(args, message, tmp_path):
    result = CliRunner().invoke(app, ["proxy", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mnv1-bench: error: ") and message in lines[0]
    assert "Traceback" not in result.output


@pytest.mark.cuda
def test_proxy_cli_on_cuda(tmp_path, fake_peaks):
    args = ["proxy", "--device", "cuda", "--models", TINY_MODELS, "--min-time", "0.05", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["setting"]["device"] == "cuda" and (tmp_path / "proxy_cuda.png").exists()


def test_a_device_section_is_self_contained_markdown_with_its_provenance(counted):
    from mnv1_bench.layers.timing import time_layers
    from mnv1_bench.timing.config import TimingConfig

    spec, cost = counted("mobilenet-0.25-64")
    table2 = time_layers(spec, TimingConfig(threads=1, min_time_s=0.01), cost, runs=1, warmup=0)
    frame = synthetic([1e6, 1e7, 1e8], [1.0, 4.0, 20.0]).assign(cv=[0.01, 0.02, 0.2], unstable=[False, False, True])
    frame.loc[0, "model"] = table2.model  # the proxy run's whole-network time of the per-layer model
    env = {"device": "cpu", "device_name": "Test CPU 9000", "cpu_cores": 2, "env_threads": 1, "batch": 1,
           "dtype": "fp32", "torch": "2.x", "git_commit": "0123456789abcdef-dirty", "utc": "2025-01-02T03:04:05",
           "min_time_s": 1.0}  # fmt: skip
    text = beyond.section(proxy.analyse(frame), table2, env, "proxy_cpu.png")
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings and all(h.startswith("### ") for h in headings)
    assert "Test CPU 9000 (2 cores), 1 thread (intra-op)" in text and "0123456789ab-dirty, 2025-01-02" in text
    agreement = 100 * (table2.sum_ms - 1.0) / 1.0
    assert f"against 1.00 ms for the whole network timed without hooks ({agreement:+.1f}%)" in text
    assert "torch 2.x" in text and "![" in text and "(proxy_cpu.png)" in text
    assert "The depthwise layers hold" in text and "94.86" in text  # the paper's Table 2 beside the measured one
    assert "1 flagged unstable" in text and "median CV 2.0%" in text


def test_interrupting_proxy_prints_what_was_measured_and_saves_nothing(tmp_path, fake_timing, monkeypatch):
    """Ctrl-C after two of three models: those two rows are printed (as `time` does), exit 130, no figure or
    section written, and no fit drawn from a partial run."""
    from dataclasses import replace

    from mnv1_bench.timing import run as timing_run

    real = timing_run.time_runs

    def cut_short(*args, **kwargs):
        finished = real(*args, **kwargs)
        return replace(finished, rows=finished.rows[:2], interrupted=True)

    monkeypatch.setattr(timing_run, "time_runs", cut_short)
    args = ["proxy", "--models", TINY_MODELS, "--min-time", "0.02", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "120"})
    assert result.exit_code == 130
    timed = TINY_MODELS.split(",")
    assert timed[0] in result.stdout and timed[1] in result.stdout and timed[2] not in result.stdout
    assert "Spearman" not in result.stdout  # no fit from two models of a cut-short run
    assert "interrupted: the table shows the 2 of 3 models timed before the interrupt" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_table2_that_does_not_add_up_is_not_published(counted):
    from mnv1_bench.layers.timing import time_layers
    from mnv1_bench.timing.config import TimingConfig

    spec, cost = counted("mobilenet-0.25-64")
    table2 = time_layers(spec, TimingConfig(threads=1, min_time_s=0.01), cost, runs=1, warmup=0)
    frame = synthetic([1e6, 1e7, 1e8], [1.0, 4.0, 20.0]).assign(cv=0.01, unstable=False)
    frame.loc[0, "model"] = table2.model
    frame.loc[0, "latency_ms"] = table2.sum_ms * 1.10  # within ±15%: publishable
    assert beyond.table2_invalid(proxy.analyse(frame), table2) == ""
    frame.loc[0, "latency_ms"] = table2.sum_ms * 2.0  # the layers add up to -50% of the whole
    assert "-50.0% of its whole-network time, beyond ±15%" in beyond.table2_invalid(proxy.analyse(frame), table2)


def test_proxy_warns_once_per_unstable_model_with_its_reason_and_once_for_a_busy_machine(
    tmp_path, fake_timing, monkeypatch, machine_load
):
    from mnv1_bench.timing import flags

    spread = flags.Flag("spread", 0.21, flags.UNSTABLE_CV)
    monkeypatch.setattr(flags, "unstable", lambda stats, calls: (spread,) if stats.median_ms > 3 else ())
    machine_load(1.5)
    args = ["proxy", "--models", TINY_MODELS, "--min-time", "0.02", "--no-save"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    unstable = [line for line in result.stderr.splitlines() if ": unstable" in line]
    slow = [m for m in TINY_MODELS.split(",") if fake_latency_ms(m) > 3]
    assert unstable == [f"warning: {m} eager fp32 batch 1 on cpu: unstable (CV 21% > 10%); rerun with a longer "
                        "--min-time or on a quieter machine" for m in slow]  # fmt: skip
    assert sum("flagged BUSY" in line for line in result.stderr.splitlines()) == 1
