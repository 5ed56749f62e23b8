"""Figures 4 and 5, the latency figure from saved results, and the index's latency and 'Beyond the paper' parts."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import fake_latency_ms
from typer.testing import CliRunner

from mnv1_bench.choose.sweep import grid_frame
from mnv1_bench.cli import app
from mnv1_bench.counting import count
from mnv1_bench.tables import all_tables, figures
from mnv1_bench.tables.index import NOT_MEASURED, Figure, index_markdown
from mnv1_bench.tables.latency import FIGURE, index_lines, latency_frame

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def grid() -> pd.DataFrame:
    return grid_frame(count)


def test_accuracy_figures_are_stable_pngs_without_software_metadata(grid, tmp_path):
    first = figures.accuracy_figure(grid, "mult_adds", tmp_path / "a.png").read_bytes()
    again = figures.accuracy_figure(grid, "mult_adds", tmp_path / "b.png").read_bytes()
    other = figures.accuracy_figure(grid, "weights", tmp_path / "c.png").read_bytes()
    assert first.startswith(PNG) and first == again
    assert other != first
    assert b"matplotlib" not in first  # no "Software: Matplotlib version ..." text chunk
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temporary file, then renamed


def test_accuracy_figure_plots_only_printed_accuracies(grid):
    assert grid["paper_top1"].notna().sum() == 8  # Tables 6 (4), 7 (3 more) and 9 (0.5 MobileNet-160)


def _result(model: str, device: str = "cpu", utc: str = "2026-01-01T00:00:00+00:00", **extra) -> dict:
    row = {"model": model, "device": device, "backend": "eager", "dtype": "fp32", "batch": 1,
           "channels_last": False, "median_ms": 10.0, "iqr_ms": 1.0, "mult_adds": 500_000_000, "utc": utc,
           "threads": 2, "cpu_model": "Test CPU", "gpu_name": None}  # fmt: skip
    return {**row, **extra}


def write_results(folder: Path, rows: list[dict], name: str = "time-20260101T000000Z-test.jsonl") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_latency_frame_keeps_the_latest_batch1_fp32_eager_row_per_model_and_device(tmp_path):
    from mnv1_bench.store.runs import load_results

    write_results(tmp_path, [
        _result("mobilenet-1.0-224", median_ms=30.0),
        _result("mobilenet-1.0-224", utc="2026-02-01T00:00:00+00:00", median_ms=20.0),  # newer: kept
        _result("mobilenet-1.0-224", device="cuda", gpu_name="Test GPU", median_ms=1.0),
        _result("vgg16", batch=32),  # another setting
        _result("vgg16", backend="compile"),
        _result("vgg16", channels_last=True),
        _result("mobilenet-0.25-64"),  # not one of the figure's models
        _result("conv-mobilenet-1.0-224", median_ms=90.0),
        _result("mobilenet-1.0-224", utc="2026-03-01T00:00:00+00:00", classes=120),  # Table 10's classifier
        _result("vgg16", threads=1, median_ms=400.0),
    ])  # fmt: skip
    points = latency_frame(load_results(tmp_path))
    got = {(r.model, r.device_name): (r.median_ms, r.family) for r in points.itertuples()}
    assert got == {
        ("mobilenet-1.0-224", "Test CPU, 2 threads"): (20.0, "MobileNet grid"),
        ("mobilenet-1.0-224", "Test GPU"): (1.0, "MobileNet grid"),
        ("conv-mobilenet-1.0-224", "Test CPU, 2 threads"): (90.0, "Conv MobileNet"),
        ("vgg16", "Test CPU, 1 thread"): (400.0, "reference networks"),
    }
    lines = "\n".join(index_lines(points, tmp_path, True))
    assert "| cpu | Test CPU, 2 threads | 2 |" in lines and "| cuda | Test GPU | 1 |" in lines


def test_error_bars_are_the_quartiles_of_the_saved_samples(tmp_path):
    from mnv1_bench.store.runs import load_results

    # Quartiles by hand (linear interpolation between ranks): sorted 1.0 1.9 2.0 2.4 3.0 -> p25 = 1.9, p75 = 2.4,
    # not the median -/+ IQR / 2 (1.75 and 2.25) that a symmetric bar would draw.
    with_samples = {**_result("mobilenet-1.0-224", median_ms=2.0), "iqr_ms": 0.5,
                    "samples_ms": [2.4, 1.0, 3.0, 1.9, 2.0]}  # fmt: skip
    without = {**_result("vgg16", median_ms=400.0), "iqr_ms": 10.0}
    write_results(tmp_path, [with_samples, without])
    points = latency_frame(load_results(tmp_path)).set_index("model")
    assert (points.loc["mobilenet-1.0-224", "p25_ms"], points.loc["mobilenet-1.0-224", "p75_ms"]) == (1.9, 2.4)
    assert (points.loc["vgg16", "p25_ms"], points.loc["vgg16", "p75_ms"]) == (395.0, 405.0)  # no samples saved


def test_no_results_means_no_latency_figure(tmp_path):
    from mnv1_bench.store.runs import load_results

    points = latency_frame(load_results(tmp_path))
    assert points.empty
    assert "has not been drawn" in index_lines(points, tmp_path, False)[0]


def test_latency_figure_is_a_png(tmp_path):
    points = pd.DataFrame([
        {"model": "mobilenet-1.0-224", "family": "MobileNet grid", "device": "cpu", "device_name": "CPU",
         "mult_adds": 568_740_352, "median_ms": 20.0, "p25_ms": 19.5, "p75_ms": 21.0},
        {"model": "vgg16", "family": "reference networks", "device": "cpu", "device_name": "CPU",
         "mult_adds": 15_470_264_320, "median_ms": 400.0, "p25_ms": 395.0, "p75_ms": 410.0},
    ])  # fmt: skip
    assert figures.latency_figure(points, tmp_path / FIGURE).read_bytes().startswith(PNG)


def test_index_includes_beyond_the_paper_when_it_exists():
    tables = all_tables()
    beyond = "# Beyond the paper\n\nMeasured per-layer time.\n\n## Fit\n\n```\n# not a heading\n```\n"
    index = index_markdown(tables, [Figure("f.png", "F")], ["latency"], beyond)
    section = index.split("## Beyond the paper\n", 1)[1]
    assert "### Beyond the paper" in section and "#### Fit" in section and "\n# not a heading" in section
    assert "Measured per-layer time." in section and NOT_MEASURED not in section
    assert NOT_MEASURED in index_markdown(tables, [], ["latency"], None)
    nested = index_markdown(tables, [], ["latency"], "Intro.\n\n### Where the time goes\n").split(
        "## Beyond the paper\n"
    )[1]
    assert "\n### Where the time goes" in nested  # already nested: left as written


def test_tables_time_writes_timed_tables_and_draws_latency_once_published(fake_timing, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # --time saves its run under ./results, as every command does
    out, published = tmp_path / "tables", tmp_path / "results" / "published"
    published.mkdir(parents=True)  # nothing published yet
    result = CliRunner().invoke(app, ["tables", "--time", "--out", str(out), "--results", str(published)])
    assert result.exit_code == 0, result.output
    (run,) = (tmp_path / "results").glob("time-*.jsonl")
    index = (out / "README.md").read_text(encoding="utf-8")
    assert not (out / FIGURE).exists() and "has not been drawn" in index  # a local run is not published
    run.rename(published / run.name)  # the explicit step: publish the run
    result = CliRunner().invoke(app, ["tables", "--time", "--out", str(out), "--results", str(published)])
    assert result.exit_code == 0, result.output
    for number in range(4, 11):
        timed = (out / f"table{number}_timed.md").read_text(encoding="utf-8")
        assert "Median latency (ms, measured, cpu" in timed
        assert (
            (out / f"table{number}_timed.csv")
            .read_text(encoding="utf-8")
            .splitlines()[0]
            .endswith("median_ms,iqr_ms,throughput_per_s,runs,unstable,busy")
        )
    assert not (out / "table1_timed.md").exists()
    # Each row's latency is its own model's (the stand-in's latencies are unrelated to mult-adds).
    timed6 = pd.read_csv(out / "table6_timed.csv")
    assert list(timed6["model"]) == ["mobilenet-1.0-224", "mobilenet-0.75-224", "mobilenet-0.5-224",
                                     "mobilenet-0.25-224"]  # fmt: skip
    expected = [fake_latency_ms(name) for name in timed6["model"]]
    assert list(timed6["median_ms"]) == pytest.approx(expected) and len(set(expected)) == 4
    assert (out / FIGURE).read_bytes().startswith(PNG)
    index = (out / "README.md").read_text(encoding="utf-8")
    assert f"]({FIGURE})" in index and "has not been drawn" not in index
    # The count tables do not change when timed: same bytes as an untimed run.
    untimed = tmp_path / "untimed"
    (tmp_path / "none").mkdir()
    assert (
        CliRunner().invoke(app, ["tables", "--out", str(untimed), "--results", str(tmp_path / "none")]).exit_code == 0
    )
    for name in ("table4.md", "table8.csv", "table10.md"):
        assert (out / name).read_bytes() == (untimed / name).read_bytes()
