"""`mnv1-bench compare`: Table 8's rows in every format, the ratios to the baseline checked against counts
derived independently (by hand from VGG's configuration D, and the paper notes' analytic MobileNet count)."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import pytest
from typer.testing import CliRunner

from mnv1_bench.cli import app

MODELS = ["mobilenet-1.0-224", "vgg16", "googlenet"]
MOBILENET_MULT_ADDS = 568_740_352  # analytic (TF-Slim's docstring body 567,716,352 + FC 1,024,000)
MOBILENET_WEIGHTS = 4_209_088  # analytic, conv and FC weights


def vgg16_by_hand() -> tuple[int, int, int]:
    """VGG16 configuration D from its paper: (mult-adds, weights, all params) of 13 3x3 convs and 3 FC layers."""
    convs = [(3, 64, 224), (64, 64, 224), (64, 128, 112), (128, 128, 112), (128, 256, 56), (256, 256, 56),
             (256, 256, 56), (256, 512, 28), (512, 512, 28), (512, 512, 28), (512, 512, 14), (512, 512, 14),
             (512, 512, 14)]  # fmt: skip
    fcs = [(512 * 7 * 7, 4096), (4096, 4096), (4096, 1000)]
    mult_adds = sum(9 * cin * cout * size * size for cin, cout, size in convs) + sum(i * o for i, o in fcs)
    weights = sum(9 * cin * cout for cin, cout, _ in convs) + sum(i * o for i, o in fcs)
    biases = sum(cout for _, cout, _ in convs) + sum(o for _, o in fcs)
    return mult_adds, weights, weights + biases


@pytest.fixture(scope="module")
def outputs() -> dict[str, object]:
    runner = CliRunner()
    return {fmt: runner.invoke(app, ["compare", "vgg16", "googlenet", "--format", fmt])
            for fmt in ("table", "json", "csv", "md")}  # fmt: skip


def test_vgg16_by_hand_is_torchvisions_documented_count():
    assert vgg16_by_hand()[2] == 138_357_544  # torchvision's documented num_params for vgg16


def test_json_rows_baseline_first_with_paper_columns(outputs):
    result = outputs["json"]
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["model"] for r in rows] == MODELS
    required = {"model", "paper_top1", "paper_mult_adds_m", "mult_adds", "paper_params_m", "params"}
    assert all(required <= set(r) for r in rows)
    # Table 8 as printed.
    assert [r["paper_top1"] for r in rows] == [70.6, 71.5, 69.8]
    assert [r["paper_mult_adds_m"] for r in rows] == [569, 15300, 1550]
    assert [r["paper_params_m"] for r in rows] == [4.2, 138, 6.8]


def test_ratios_check_the_papers_claims(outputs):
    rows = {r["model"]: r for r in json.loads(outputs["json"].stdout)}
    vgg_mult_adds, vgg_weights, vgg_params = vgg16_by_hand()
    vgg = rows["vgg16"]
    assert vgg["mult_adds"] == vgg_mult_adds and vgg["params"] == vgg_params
    assert vgg["weights_ratio"] == pytest.approx(vgg_weights / MOBILENET_WEIGHTS)  # "32 times smaller"
    assert round(vgg["weights_ratio"]) == 33 and int(vgg["weights_ratio"]) == 32
    assert vgg["mult_adds_ratio"] == pytest.approx(vgg_mult_adds / MOBILENET_MULT_ADDS)  # "27 times less compute"
    assert int(vgg["mult_adds_ratio"]) == 27
    assert vgg["paper_params_ratio"] == pytest.approx(138 / 4.2)
    assert vgg["paper_mult_adds_ratio"] == pytest.approx(15300 / 569)
    assert rows["googlenet"]["mult_adds_ratio"] > 2.5  # "more than 2.5 times less computation"
    base = rows["mobilenet-1.0-224"]
    assert base["mult_adds_ratio"] == base["weights_ratio"] == base["paper_mult_adds_ratio"] == 1.0


def test_table_format_shows_rows_in_order_and_checks_the_claims(outputs):
    result = outputs["table"]
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("mobilenet-1.0-224") < out.index("vgg16") < out.index("googlenet")
    assert "27.2x" in out and "32.9x" in out  # measured ratios: 15,470.3 / 568.7 and 138.344 / 4.209
    assert "Top-1" in out and "(paper)" in out  # the header may wrap in a 120-column table
    claims = notes_about(out, 8)
    assert len(claims) == 3 and all("borne out" in c and "not borne out" not in c for c in claims)


def test_csv_and_md_formats(outputs):
    rows = list(csv.DictReader(io.StringIO(outputs["csv"].stdout)))
    assert [r["model"] for r in rows] == MODELS
    assert rows[1]["paper_mult_adds_m"] == "15300.0" and int(rows[1]["mult_adds"]) == vgg16_by_hand()[0]
    md = outputs["md"]
    assert md.exit_code == 0
    lines = [line for line in md.stdout.splitlines() if line.startswith("|")]
    assert len(lines) == 2 + 3  # header, rule, three rows
    assert "Weights ÷ base" in lines[0] and "weights_ratio" not in lines[0]  # the table's headers and values
    assert "32.9x" in lines[3]


def test_baseline_option_checks_table_9s_claims():
    result = CliRunner().invoke(app, ["compare", "squeezenet", "alexnet", "--baseline", "mobilenet-0.5-160"])
    assert result.exit_code == 0, result.output
    claims = notes_about(result.stdout, 9)
    assert len(claims) == 3
    # SqueezeNet's printed 1700 is a FLOP count: in mult-adds, the "22x" claim is about 10.7x.
    assert any("'22× less computation'" in c and "not borne out" in c for c in claims)


def notes_about(out: str, table: int) -> list[str]:
    """The claim notes under a table, each joined back into one line (notes wrap at the console's width)."""
    flat = " ".join(out.split())
    return [note for note in re.split(r"(?=Table \d+'s text: )", flat) if note.startswith(f"Table {table}'s text")]


def test_figures_of_another_classifier_are_not_compared():
    """Inception V3's Table 10 row is Stanford Dogs: 84.0% top-1 and 23.2M params at 120 classes. Beside
    1000-class networks only its mult-adds (a 1000-class figure) are compared."""
    result = CliRunner().invoke(app, ["compare", "inception-v3", "--format", "json"])
    assert result.exit_code == 0, result.output
    base, inception = json.loads(result.stdout)
    assert inception["paper_top1"] is None and inception["paper_params_m"] is None
    assert inception["weights_diff_pct"] is None and inception["paper_params_ratio"] is None
    assert inception["paper_mult_adds_m"] == 5000 and inception["paper_mult_adds_ratio"] == pytest.approx(5000 / 569)
    assert base["paper_params_m"] == 4.2  # Table 6's 1.0 MobileNet-224, 1000 classes


def test_unknown_model_is_one_line_and_exit_2():
    result = CliRunner().invoke(app, ["compare", "vgg61"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert result.stderr.startswith("mnv1-bench: error: unknown model 'vgg61'; did you mean vgg16")
    assert result.stdout == ""


def test_time_adds_latency_and_saves_rows_with_provenance(fake_timing, tmp_path):
    from mnv1_bench.store.runs import load_results

    args = ["compare", "mobilenet-0.25-128", "--baseline", "mobilenet-0.25-224", "--time", "--min-time", "0.01",
            "--results", str(tmp_path), "--format", "json"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    base, small = json.loads(result.stdout)
    assert {"median_ms", "iqr_ms", "throughput_per_s", "runs", "unstable", "time_ratio"} <= set(small)
    assert base["time_ratio"] == 1.0
    # The stand-in's latencies are unrelated to mult-adds: the time ratio is the ratio of its medians, not of counts.
    assert (base["median_ms"], small["median_ms"]) == pytest.approx((1.25, 3.0))
    assert small["time_ratio"] == pytest.approx(3.0 / 1.25, rel=0.01)  # the medians' ratio
    assert small["time_ratio"] != pytest.approx(small["mult_adds_ratio"], rel=0.05)
    assert small["iqr_ms"] == pytest.approx(3.0 * (1.02 - 0.99))
    saved = load_results(tmp_path)
    assert sorted(saved["model"]) == ["mobilenet-0.25-128", "mobilenet-0.25-224"]
    assert {"cpu_model", "git_commit", "command", "classes"} <= set(saved.columns)


def test_time_no_save_writes_nothing(fake_timing, tmp_path):
    args = ["compare", "mobilenet-0.25-128", "--baseline", "mobilenet-0.25-224", "--time", "--no-save",
            "--results", str(tmp_path)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Median" in result.stdout and "Images/s" in result.stdout  # headers may wrap in a narrow table
    assert list(tmp_path.iterdir()) == []


def test_bad_min_time_is_one_line_and_exit_2():
    result = CliRunner().invoke(app, ["compare", "vgg16", "--time", "--min-time", "0"])
    assert result.exit_code == 2
    assert result.stderr == "mnv1-bench: error: --min-time must be a positive number of seconds, at most 3600, got 0\n"
    assert "Traceback" not in result.output


def test_the_title_names_the_baseline_and_ratios_keep_three_significant_figures():
    # The case: small MobileNets against VGG16 printed 0.1x, 0.14x and 0.041x in one column.
    args = ["compare", "mobilenet-0.25-128", "mobilenet-0.5-160", "mobilenet", "--baseline", "vgg16"]
    table = CliRunner().invoke(app, [*args, "--wide"])
    assert table.exit_code == 0, table.output
    title = table.stdout.splitlines()[0]
    assert "vgg16" in title and "VGG 16" in title and "Table 8" not in title
    rows = json.loads(CliRunner().invoke(app, [*args, "--format", "json"]).stdout)
    for row in rows:
        for key in ("mult_adds_ratio", "weights_ratio"):
            value = row[key]
            decimals = 2 - math.floor(math.log10(value))  # three significant figures, e.g. 0.0412 or 1.00
            assert f"{value:.{decimals}f}x" in table.stdout, (row["model"], key, value)
    assert "0.0x" not in table.stdout and "0.1x" not in table.stdout


def test_the_default_baseline_is_named_with_its_table():
    result = CliRunner().invoke(app, ["compare", "vgg16", "--wide"])
    assert result.exit_code == 0, result.output
    title = result.stdout.splitlines()[0]
    assert "mobilenet-1.0-224" in title and "Table 8" in title
