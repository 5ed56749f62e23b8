"""`mnv1-bench sweep`: the 16-model grid, the paper's accuracies where printed, and one-line errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from mnv1_bench.cli import app
from mnv1_bench.models import registry

# Transcribed from the paper (Tables 6, 7 and 9): the grid models with a printed ImageNet top-1.
PRINTED_TOP1 = {
    "mobilenet-1.0-224": 70.6, "mobilenet-1.0-192": 69.1, "mobilenet-1.0-160": 67.2, "mobilenet-1.0-128": 64.4,
    "mobilenet-0.75-224": 68.4, "mobilenet-0.5-224": 63.7, "mobilenet-0.25-224": 50.6, "mobilenet-0.5-160": 60.2,
}  # fmt: skip


@pytest.fixture(scope="module")
def grid() -> list[dict]:
    result = CliRunner().invoke(app, ["sweep", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_default_grid_is_the_papers_16_models(grid):
    names = [f"mobilenet-{a}-{r}" for a in ("1.0", "0.75", "0.5", "0.25") for r in (224, 192, 160, 128)]
    assert [row["model"] for row in grid] == names
    assert {"mult_adds", "params", "weights", "paper_top1", "alpha", "resolution"} <= set(grid[0])


def test_only_printed_accuracies_are_cited(grid):
    cited = {row["model"]: row["paper_top1"] for row in grid if row["paper_top1"] is not None}
    assert cited == PRINTED_TOP1
    assert {row["paper_source"] for row in grid if row["paper_top1"] is not None} == {"Table 6", "Table 7", "Table 9"}


def test_body_mult_adds_scale_with_the_square_of_resolution(grid):
    """Every resolution is a multiple of 32, so each conv's output area scales by (r / 224)^2 exactly;
    the FC layer (1024 * alpha inputs, 1000 outputs) does not change."""
    by_model = {row["model"]: row for row in grid}
    for alpha in ("1.0", "0.75", "0.5", "0.25"):
        fc = int(1024 * float(alpha)) * 1000
        body_224 = by_model[f"mobilenet-{alpha}-224"]["mult_adds"] - fc
        for r in (192, 160, 128):
            row = by_model[f"mobilenet-{alpha}-{r}"]
            assert (row["mult_adds"] - fc) * 224**2 == body_224 * r**2
            assert row["params"] == by_model[f"mobilenet-{alpha}-224"]["params"]  # resolution adds no parameters


def test_custom_lists_and_table_format():
    result = CliRunner().invoke(app, ["sweep", "--alphas", "0.25", "--resolutions", "128,96"])
    assert result.exit_code == 0, result.output
    assert "mobilenet-0.25-128" in result.stdout and "mobilenet-0.25-96" in result.stdout
    assert "cited" in result.stdout and "ImageNet top-1 (paper)" in result.stdout


FOUR_PLACES = "alpha must have at most 4 decimal places (widths change only in steps of 1/1024)"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("--alphas", "5", "alpha must be in (0, 4], got 5"), ("--alphas", "0", "alpha must be in (0, 4], got 0"),
     ("--alphas", "-0.5", "alpha must be in (0, 4], got -0.5"), ("--alphas", "abc", "'abc' is not a number"),
     ("--alphas", "1,,0.5", "expected a comma-separated list, got '1,,0.5'"),
     ("--alphas", "1e-9", f"{FOUR_PLACES}, got 1e-09"), ("--alphas", "0.33333", f"{FOUR_PLACES}, got 0.33333"),
     ("--resolutions", "16", "resolution must be an integer from 32 to 8192, got 16"),
     ("--resolutions", "224.5", "'224.5' is not a whole number of pixels"),
     ("--resolutions", "x", "'x' is not a whole number of pixels"),
     ("--resolutions", "", "expected a comma-separated list, got ''")],
)  # fmt: skip
def test_bad_lists_are_one_line_and_exit_2(option, value, message):
    result = CliRunner().invoke(app, ["sweep", option, value])
    assert result.exit_code == 2, result.output
    assert result.stderr == f"mnv1-bench: error: {option}: {message}\n"
    assert "Traceback" not in result.output and result.stdout == ""


def test_odd_alphas_keep_their_value_and_their_names_parse_back():
    result = CliRunner().invoke(
        app, ["sweep", "--alphas", "0.333,2.5,4,0.1", "--resolutions", "32", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [row["alpha"] for row in rows] == [0.333, 2.5, 4.0, 0.1]
    assert [row["model"] for row in rows] == ["mobilenet-0.333-32", "mobilenet-2.5-32", "mobilenet-4.0-32",
                                              "mobilenet-0.1-32"]  # fmt: skip
    for row in rows:
        assert registry.resolve(row["model"]) == registry.mobilenet(row["alpha"], 32)


def test_time_adds_latency_columns(fake_timing, tmp_path):
    args = ["sweep", "--alphas", "0.25", "--resolutions", "128,96", "--time", "--results", str(tmp_path),
            "--format", "json"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    # Each row carries its own model's latency (the stand-in's are unrelated to mult-adds): no row swapped or derived.
    assert [r["median_ms"] for r in rows] == pytest.approx([2.2 if r["resolution"] == 96 else 3.0 for r in rows])
    assert [r["resolution"] for r in rows] == [128, 96]
    assert all(r["device"].startswith("cpu") for r in rows)
    assert len(list(tmp_path.glob("time-*.jsonl"))) == 1
