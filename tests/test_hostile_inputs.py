"""Every option of every command given hostile values: exit code 2, one line on stderr, nothing on stdout, no
traceback, and no file changed, all before any model is timed (most before any is built)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mnv1_bench.environment import available_cores
from mnv1_bench.timing import roofline

TINY = "mobilenet-0.25-64"
BAD_INTS = ["0", "-1", "²", "²²⁴", "١٢", "1.5", "1e3", "", " ", "0x10", "nan", "99999999999999999999"]
BAD_POSITIVE_FLOATS = ["0", "-1", "nan", "inf", "1e400", "x", ""]
TOO_MANY_THREADS = str(4 * available_cores() + 1)


def with_each(prefix: list[str], option: str, values: list[str], suffix: tuple[str, ...] = ()) -> list[list[str]]:
    return [[*prefix, option, value, *suffix] for value in values]


CASES: list[list[str]] = [
    # flops
    *with_each(["flops"], "--res", BAD_INTS[:-1] + ["99999999999999999999", "16", "8193", "100000"]),
    *with_each(["flops"], "--classes", BAD_INTS + ["1000000000000", "100001"]),
    *with_each(["flops"], "--alpha", BAD_POSITIVE_FLOATS + ["4.5", "0.00001"]),
    ["flops", "--block", "dense"], ["flops", "--format", "yaml"], ["flops", "mobilenett"],
    ["flops", "mobilenet", "--alpha", "0.5"], ["flops", "mobilenet-1.0-²²⁴"], ["flops", "mobilenet-1.0-١٦٠"],
    ["flops", "mobilenet-1.0-100000"], ["flops", "--per-layer", "--by-type", "--format", "json"],
    ["flops", "--nope"], ["flops", "--alpha", "0.12345"], ["flops", "mobilenet-0.12345-224"], ["flops", "--wide=yes"],
    ["flops", "inception-v2", "--res", "160"], ["flops", "ssd300-mobilenet", "--shallow"],
    ["flops", "ssd300-mobilenet-0.5"], ["flops", "faster-rcnn600-inception-v2", "--classes", "0"],
    # time
    *with_each(["time", TINY], "--batch", ["0", "-1", "²", "1,²", "1,,x", ",", "99999999999999999999", "65537"]),
    *with_each(["time", TINY], "--threads", BAD_INTS + [TOO_MANY_THREADS]),
    *with_each(["time", TINY], "--min-time", BAD_POSITIVE_FLOATS),
    *with_each(["time", TINY], "--dtype", ["fp8", "", ","]),
    *with_each(["time", TINY], "--backend", ["tensorrt", ",", "cudagraph"]),
    ["time", TINY, "--device", "tpu"], ["time", TINY, "--format", "xml"], ["time"], ["time", "mobilenett"],
    ["time", TINY, "mobilenett"], ["time", "mobilenet", "--batch", "65536", "--no-save"],
    ["time", TINY, "--backend", "onnxruntime", "--dtype", "bf16"], ["time", TINY, "--wide=1"],
    ["time", TINY, "--recalibrate=no"], ["time", "ssd300-mobilenett"],
    # numbers without bounds: an hour of timed calls per row at most, 10,000 rounds, no empty list item
    ["time", TINY, "--min-time", "1e308"], ["time", TINY, "--min-time", "1e9"], ["time", TINY, "--batch", "1,,2"],
    ["time", TINY, "--batch", "1,"], ["time", TINY, "--rounds", "99999999999999999999"],
    ["time", TINY, "--rounds", "10001"],
    ["time", TINY, "mobilenet", "--repeats", "0"], ["time", TINY, "mobilenet", "--repeats", "101"],
    ["time", TINY, "mobilenet", "--precision", "0"], ["time", TINY, "mobilenet", "--precision", "nan"],
    ["time", TINY, "--precision", "2"], ["time", TINY, "mobilenet", "--precision", "2", "--max-repeats", "1"],
    ["compare", TINY, "--time", "--min-time", "1e308"], ["pick", "--budget-ms", "5", "--min-time", "1e9"],
    ["pick", "--budget-ms", "5", "--rounds", "10001"], ["pick", "--budget-ms", "5", "--figure", "."],
    ["tables", "--results", "no/such/folder"],
    # compare
    ["compare"], ["compare", "mobilenett"], ["compare", TINY, "--baseline", "nope"],
    *with_each(["compare", TINY, "--time"], "--min-time", BAD_POSITIVE_FLOATS[:4]),
    *with_each(["compare", TINY, "--time"], "--threads", ["0", "²", "", TOO_MANY_THREADS]),
    ["compare", TINY, "--time", "--results", "afile"], ["compare", TINY, "--time", "--results", "afile/sub"],
    ["compare", TINY, "--time", "--device", "tpu"], ["compare", TINY, "--format", "pdf"],
    ["compare", TINY, "--wide=1"], ["compare", "inception-v2", "--baseline", "ssd300"],
    # sweep
    *with_each(["sweep"], "--alphas", ["0", "-1", "x", "", "1,,0.5", "nan", "5"]),
    *with_each(["sweep"], "--resolutions", ["16", "²²⁴", "١٢٨", "224.0", "", "8193", "99999999999999999999"]),
    *with_each(["sweep", "--time"], "--min-time", ["0", "nan"]),
    *with_each(["sweep", "--time"], "--threads", ["0", "²", TOO_MANY_THREADS]),
    ["sweep", "--time", "--results", "afile"], ["sweep", "--format", "html"], ["sweep", "--alphas", "0.12345"],
    ["sweep", "--wide=1"],
    # tables
    ["tables", "--out", "afile"], ["tables", "--out", "afile/sub"], ["tables", "--time", "--results", "afile"],
    ["tables", "--time", "--min-time", "0"], ["tables", "--time", "--threads", "²"], ["tables", "--time",
                                                                                       "--device", "tpu"],
    ["tables", "--wide"],  # the summary of files written has no columns to leave out
    # layers
    *with_each(["layers", TINY], "--batch", BAD_INTS),
    *with_each(["layers", TINY], "--runs", ["0", "-1", "²", "", "1000000"]),
    *with_each(["layers", TINY], "--threads", ["0", "²", TOO_MANY_THREADS]),
    *with_each(["layers", TINY], "--min-time", ["0", "nan", "inf"]),
    ["layers", TINY, "--dtype", "fp64"], ["layers", TINY, "--device", "tpu"], ["layers"], ["layers", "nope"],
    ["layers", "mobilenet", "--batch", "65536"], ["layers", TINY, "--wide=1"],
    # proxy
    *with_each(["proxy"], "--batch", ["0", "²", "99999999999999999999"]),
    *with_each(["proxy"], "--threads", ["0", "²", TOO_MANY_THREADS]),
    *with_each(["proxy"], "--min-time", ["0", "nan"]),
    ["proxy", "--out", "afile"], ["proxy", "--out", "afile/sub"], ["proxy", "--models", "mobilenet,mobilenet"],
    ["proxy", "--models", "mobilenet,mobilenet-1.0-224,1.0-mobilenet-224"], ["proxy", "--models", ","],
    ["proxy", "--models", "nope,mobilenet,vgg16"], ["proxy", "--dtype", "fp8"], ["proxy", "--format", "png"],
    ["proxy", "--wide=1"],
    # models
    ["models", "--all"], ["models", "--wide"], ["models", "mobilenet"], ["nope"],
]  # fmt: skip


def test_there_are_at_least_100_hostile_inputs():
    assert len(CASES) >= 100 and len({tuple(c) for c in CASES}) == len(CASES)


def snapshot(*folders: Path) -> dict[str, bytes | None]:
    return {str(p): (p.read_bytes() if p.is_file() else None) for f in folders for p in sorted(f.rglob("*"))}


@pytest.fixture
def folder(tmp_path, monkeypatch, fake_timing):
    """A working folder with results, tables and a regular file in it; the peak cache in a folder of its own."""
    work = tmp_path / "work"
    (work / "results").mkdir(parents=True)
    (work / "results" / "time-20250101T000000Z-box.jsonl").write_text('{"model": "x"}\n')
    (work / "tables").mkdir()
    (work / "tables" / "table1.md").write_text("old\n")
    (work / "afile").write_text("not a folder\n")
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))

    def no_calibration(device, dtype, threads):
        raise AssertionError("a hostile input reached the roofline calibration")

    roofline.set_default_cache(roofline.PeakCache(calibrate=no_calibration))
    yield tmp_path
    roofline.set_default_cache(None)


@pytest.mark.parametrize("args", CASES, ids=[" ".join(c) for c in CASES])
def test_hostile_input_is_one_line_exit_2_and_changes_nothing(folder, args):
    from mnv1_bench.cli import app

    before = snapshot(folder)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.stdout == "" and "Traceback" not in result.output
    errors = result.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith("mnv1-bench: error: "), result.stderr
    assert snapshot(folder) == before


@pytest.mark.parametrize("name", ["COLUMNS", "LINES"])
@pytest.mark.parametrize("value", ["²", "١٢٠", "abc", "0", "-80", "99999999999999999999"])
def test_a_terminal_size_that_is_not_one_is_set_aside_with_one_warning(name, value):
    """COLUMNS and LINES come from the environment, not the command line: the command still runs, at the width it
    would have without them, and says once on stderr that the value was not used."""
    from mnv1_bench.cli import app

    result = CliRunner().invoke(app, ["models"], env={name: value})
    plain = CliRunner().invoke(app, ["models"], env={name: None})
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert result.stderr.splitlines() == [f"warning: {name}={value!r} is not a size from 1 to 10,000 in digits 0-9; "
                                          "the terminal's own is used"]  # fmt: skip
    assert result.stdout == plain.stdout and "mobilenet-ALPHA-RES" in result.stdout
