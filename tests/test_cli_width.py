"""Every table the CLI prints fits a 120-column terminal: no line over 120 characters, no cell cut ("…"),
lower-priority columns left out (and named) where they would not fit, and `--wide` showing them all."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mnv1_bench.cli import app
from mnv1_bench.cli.render import fit, table_width
from mnv1_bench.formatting import Column, markdown_table, word
from mnv1_bench.timing import roofline

WIDTH = 120
TINY = "mobilenet-0.25-128"
FAST = ["--min-time", "0.05", "--no-save"]
COMMANDS = {
    "models": ["models"],
    "flops four models": ["flops", "conv-mobilenet", "vgg16", "googlenet", "torchvision:googlenet"],
    "flops --by-type": ["flops", "--by-type"],
    "flops --per-layer": ["flops", "googlenet", "--per-layer"],
    "compare": ["compare", "vgg16", "googlenet"],
    "compare --time": ["compare", "vgg16", "googlenet", "--time", *FAST],
    "sweep": ["sweep"],
    "sweep --time": ["sweep", "--alphas", "0.25", "--time", *FAST],
    "time one model": ["time", TINY, *FAST],
    "time two models": ["time", TINY, "mobilenet-0.25-160", *FAST],
    "layers": ["layers", TINY, "--runs", "3", "--min-time", "0.05", "--threads", "1"],
    "proxy": ["proxy", "--models", "mobilenet-0.25-128,mobilenet-0.25-160,mobilenet-0.5-128", *FAST],
}


@pytest.fixture(scope="module")
def fake_peaks(tmp_path_factory):
    """time_spec's roofline floors without a real calibration or a cache in the repository."""

    def calibrate(device, dtype, threads):
        return roofline.Peaks(1e11, 1e10, device, dtype, threads, "fake")

    roofline.set_default_cache(roofline.PeakCache(tmp_path_factory.mktemp("peaks") / "roofline.json", calibrate))
    yield
    roofline.set_default_cache(None)


def invoke(args: list[str], columns: str | None = str(WIDTH)):
    return CliRunner().invoke(app, args, env={"COLUMNS": columns})


@pytest.mark.parametrize("name", COMMANDS)
def test_every_table_fits_120_columns_and_no_cell_is_cut(name, fake_timing, fake_peaks):
    result = invoke(COMMANDS[name])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) > 5
    widest = max(lines, key=len)
    assert len(widest) <= WIDTH, f"{len(widest)} characters: {widest!r}"
    assert "…" not in result.stdout


def test_a_column_left_out_is_named_and_wide_shows_it():
    args = COMMANDS["flops four models"]
    narrow = invoke(args)
    assert "fvcore all-ops" not in narrow.stdout.split("Left out")[0]
    assert "Left out to fit 120 columns: 'fvcore all-ops (M)'" in narrow.stdout
    assert "--wide shows every column" in narrow.stdout
    wide = invoke([*args, "--wide"])
    assert wide.exit_code == 0, wide.output
    assert "fvcore" in wide.stdout and "Left out" not in wide.stdout and "…" not in wide.stdout
    assert "4,873.6" in wide.stdout  # Conv MobileNet's fvcore all-ops total, whole


def test_piped_output_without_columns_is_120_wide():
    result = invoke(COMMANDS["flops four models"], columns=None)
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= WIDTH
    assert "Left out to fit 120 columns" in result.stdout


def test_markdown_prints_the_tables_formatted_columns():
    result = invoke(["flops", "conv-mobilenet", "--format", "md"])
    assert result.exit_code == 0, result.output
    header, rule, row = [line for line in result.stdout.splitlines() if line.startswith("|")]
    assert "Mult-adds (M)" in header and "fvcore all-ops (M)" in header and "mult_adds" not in header
    cells = [cell.strip() for cell in row.split("|")]
    assert "4,867.3" in cells and "29.281" in cells  # millions as the table shows them, not 4867301352


NUMBERS = [{"model": "a-long-model-name", "big": 15_470_309_376.0, "note": "words that may wrap", "x": 1.0}]


def test_fit_leaves_out_the_highest_priority_number_first_and_never_shrinks_a_number():
    columns = [
        word("model", "Model"),
        Column("big", "Mult-adds (M)", lambda v: f"{v:,.1f}"),
        Column("x", "Optional ratio", lambda v: f"{v:.1f}x", priority=1),
        word("note", "Note", priority=2),
    ]
    kept, widths, dropped = fit(NUMBERS, columns, 52)
    assert [c.key for c in dropped] == ["note"]  # priority 2 goes before priority 1
    assert widths is not None and table_width(widths) <= 52
    assert widths[1] >= len("15,470,309,376.0")  # the number keeps its full width; its header wraps
    kept, _, dropped = fit(NUMBERS, columns, 40)
    assert [c.key for c in dropped] == ["note", "x"] and [c.key for c in kept] == ["model", "big"]


def test_one_markdown_writer_aligns_words_left_and_numbers_right():
    columns = [word("model", "Model"), Column("x", "Ratio", lambda v: f"{v:.1f}x")]
    assert markdown_table(NUMBERS, columns).splitlines() == [
        "| Model             |   Ratio |",
        "|:------------------|--------:|",
        "| a-long-model-name |    1.0x |",
    ]


def test_ratios_keep_three_significant_figures():
    from mnv1_bench.formatting import ratio

    assert [ratio()(v) for v in (0.1, 0.14, 0.041, 2.7812, 27.23, 1.0)] == [
        "0.100x", "0.140x", "0.0410x", "2.78x", "27.2x", "1.00x"]  # fmt: skip


def test_flops_shows_the_difference_in_the_printed_unit():
    result = invoke(["flops", "conv-mobilenet", "--format", "md"])
    header, _, row = [line for line in result.stdout.splitlines() if line.startswith("|")]
    cells = dict(zip([c.strip() for c in header.split("|")], [c.strip() for c in row.split("|")], strict=True))
    # 4,867.29M counted vs the printed 4866 (1.3M over: no); 29.281M vs 29.3 (0.02M under: within one unit).
    assert (cells["Δ mult-adds (M)"], cells["Δ weights (M)"], cells["Agrees"]) == ("+1.3", "-0.02", "no")
