"""`mnv1-bench pick` on the fake timing engine: frontier, pick, no fit, reuse, --fresh, re-takes, limits, bad input.

Latencies come from conftest.FAKE_LATENCY_MS (mobilenet-0.25-224 1.25 ms, -0.25-128 3.0, -0.5-160 4.5, -1.0-224
7.0, -0.25-96 2.2). Every expected accuracy is typed in from its source: the MobileNet paper's Tables 6 and 9,
TF-Slim's checkpoint table (mobilenet_v1.md) and torchvision's model documentation.
"""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from mnv1_bench import environment
from mnv1_bench.choose import latencies as latency_store, pick as pick_lib
from mnv1_bench.choose.candidates import Cited, cited_top1, default_candidates
from mnv1_bench.choose.latencies import median_ci
from mnv1_bench.cli import app
from mnv1_bench.models.registry import resolve
from mnv1_bench.timing import backends, machine_speed, roofline, run
from mnv1_bench.timing.flags import Flag

FOUR = "mobilenet-0.25-224,mobilenet-0.25-128,mobilenet-0.5-160,mobilenet-1.0-224"
FAST = ("--min-time", "0.05", "--rounds", "2")
ROW_KEYS = {"model", "top1", "top1_source", "median_ms", "ci_low_ms", "ci_high_ms", "params", "mult_adds", "pareto",
            "picked"}  # fmt: skip
PAPER_T6, PAPER_T9, SLIM = "MobileNet paper, Table 6", "MobileNet paper, Table 9", "TF-Slim MobileNet v1 checkpoints"


@pytest.fixture
def prepared(tmp_path, monkeypatch, fake_timing, counted, machine_load):
    """An empty working folder, the fake engine on a quiet machine, counts from the session cache; returns the
    names the engine prepared, in order (each timing of a model prepares it once)."""
    monkeypatch.chdir(tmp_path)
    machine_load(0.0)
    monkeypatch.setattr("mnv1_bench.choose.pick.count", lambda spec: counted(spec.name)[1])
    roofline.set_default_cache(roofline.PeakCache(calibrate=lambda d, t, n: roofline.Peaks(5e10, 1e10, d, t, n, "x")))
    names: list[str] = []
    fake_prepare = backends.prepare

    def spy(spec, config, threads):
        names.append(spec.name)
        return fake_prepare(spec, config, threads)

    monkeypatch.setattr(backends, "prepare", spy)
    threads = torch.get_num_threads()
    yield names
    torch.set_num_threads(threads)  # the command sets threads for the whole process
    roofline.set_default_cache(None)


def pick(*args: str):
    return CliRunner().invoke(app, ["pick", *args, *FAST])


def rows_of(result) -> dict[str, dict]:
    assert result.exit_code == 0, result.output
    return {row["model"]: row for row in json.loads(result.stdout)}


def test_picks_the_most_accurate_under_the_budget_with_frontier_and_runners_up(prepared):
    rows = rows_of(pick("--budget-ms", "5", "--candidates", FOUR, "--format", "json"))
    assert ROW_KEYS <= set(rows["mobilenet-0.5-160"])
    cited = {m: (r["top1"], r["top1_source"]) for m, r in rows.items()}
    assert cited == {"mobilenet-0.25-224": (50.6, PAPER_T6), "mobilenet-0.25-128": (41.5, SLIM),
                     "mobilenet-0.5-160": (60.2, PAPER_T9), "mobilenet-1.0-224": (70.6, PAPER_T6)}  # fmt: skip
    assert [m for m, r in rows.items() if r["picked"]] == ["mobilenet-0.5-160"]
    # 0.25-128 (3.0 ms, 41.5%) is slower and less accurate than 0.25-224 (1.25 ms, 50.6%): off the frontier.
    assert {m for m, r in rows.items() if r["pareto"]} == {"mobilenet-0.25-224", "mobilenet-0.5-160",
                                                           "mobilenet-1.0-224"}  # fmt: skip
    for model, ms in {"mobilenet-0.25-224": 1.25, "mobilenet-0.5-160": 4.5, "mobilenet-1.0-224": 7.0}.items():
        assert rows[model]["median_ms"] == pytest.approx(ms, rel=0.03)
        assert rows[model]["ci_low_ms"] <= rows[model]["median_ms"] <= rows[model]["ci_high_ms"]
    assert list(rows) == ["mobilenet-0.25-224", "mobilenet-0.25-128", "mobilenet-0.5-160", "mobilenet-1.0-224"]

    text = pick("--budget-ms", "5", "--candidates", FOUR).stdout
    assert "mobilenet-0.5-160 is the most accurate network under 5 ms per call here: 60.2% top-1 (cited from " \
           "MobileNet paper, Table 9), 4.50 ms measured (95% CI" in text  # fmt: skip
    assert "Runner-up within the budget: mobilenet-0.25-224: 50.6% top-1" in text
    assert "Next past the budget: mobilenet-1.0-224: 70.6% top-1" in text and "(+10.4 points of top-1" in text
    assert "Headroom: 0.50 ms (10% of the budget)" in text


def test_nothing_fits_says_so_and_names_the_cheapest_with_exit_0(prepared):
    result = pick("--budget-ms", "1", "--candidates", FOUR)
    assert result.exit_code == 0, result.output
    assert "Nothing with a cited accuracy fits under 1 ms per call here; the cheapest candidate is " \
           "mobilenet-0.25-224: 50.6% top-1" in result.stdout  # fmt: skip
    rows = rows_of(pick("--budget-ms", "1", "--candidates", FOUR, "--format", "json"))
    assert not any(r["picked"] for r in rows.values()) and not any(r["fits"] for r in rows.values())


def test_a_candidate_without_a_cited_accuracy_is_timed_and_listed_but_not_picked(prepared):
    # mobilenet-0.25-96 (2.2 ms) is printed by neither the paper nor TF-Slim's table.
    rows = rows_of(pick("--budget-ms", "5", "--candidates", f"{FOUR},mobilenet-0.25-96", "--format", "json"))
    uncited = rows["mobilenet-0.25-96"]
    assert uncited["top1"] is None and uncited["top1_source"] is None
    assert uncited["fits"] and not uncited["picked"] and not uncited["pareto"]
    assert uncited["median_ms"] == pytest.approx(2.2, rel=0.03)
    assert rows["mobilenet-0.5-160"]["picked"]


def test_a_repeat_reuses_the_saved_rows_without_timing_and_fresh_times_again(prepared, monkeypatch, counted):
    first = rows_of(pick("--budget-ms", "5", "--candidates", FOUR, "--format", "json"))
    assert sorted(prepared) == sorted(FOUR.split(","))
    assert len(list(Path("results").glob("time-*.jsonl"))) == 1
    prepared.clear()
    recounted: list[str] = []
    monkeypatch.setattr(
        "mnv1_bench.choose.pick.count", lambda spec: recounted.append(spec.name) or counted(spec.name)[1]
    )
    again = rows_of(pick("--budget-ms", "5", "--candidates", FOUR, "--format", "json"))
    assert prepared == [] and recounted == []  # neither the engine nor the counter was called
    assert {m: r["params"] for m, r in again.items()} == {m: r["params"] for m, r in first.items()}
    assert {m: r["median_ms"] for m, r in again.items()} == {m: r["median_ms"] for m, r in first.items()}
    assert {r["measured"] for r in again.values()} == {"reused"} and again["mobilenet-0.5-160"]["picked"]
    assert len(list(Path("results").glob("time-*.jsonl"))) == 1  # nothing new saved

    fresh = rows_of(pick("--budget-ms", "5", "--candidates", FOUR, "--fresh", "--format", "json"))
    assert sorted(prepared) == sorted(FOUR.split(",")) and {r["measured"] for r in fresh.values()} == {"now"}


def test_rows_of_another_configuration_or_a_shorter_min_time_are_not_reused(prepared):
    rows_of(pick("--budget-ms", "5", "--candidates", "mobilenet-0.25-224", "--format", "json"))
    prepared.clear()
    rows_of(pick("--budget-ms", "5", "--candidates", "mobilenet-0.25-224", "--batch", "2", "--format", "json"))
    assert prepared == ["mobilenet-0.25-224"]
    prepared.clear()
    result = CliRunner().invoke(app, ["pick", "--budget-ms", "5", "--candidates", "mobilenet-0.25-224",
                                      "--min-time", "0.1", "--rounds", "2"])  # fmt: skip
    assert result.exit_code == 0 and prepared == ["mobilenet-0.25-224"]


def test_busy_rows_with_a_precise_median_are_kept_and_reused(prepared, machine_load):
    machine_load(1.5)
    result = pick("--budget-ms", "5", "--candidates", "mobilenet-0.25-224,mobilenet-0.5-160", "--retakes", "2")
    assert result.exit_code == 0, result.output
    assert sorted(prepared) == ["mobilenet-0.25-224", "mobilenet-0.5-160"]  # precise though busy: not re-taken
    prepared.clear()
    machine_load(0.0)
    rows = rows_of(pick("--budget-ms", "5", "--candidates", "mobilenet-0.25-224,mobilenet-0.5-160", "--format",
                        "json"))  # fmt: skip
    assert prepared == [] and {r["measured"] for r in rows.values()} == {"reused"}  # the interval says to trust them


def test_rows_taken_while_the_machine_ran_slow_are_retaken_flagged_and_never_reused(prepared, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    machine_speed.judge([0.001], environment.set_threads(None))  # this machine's pace: 1 ms a reference
    monkeypatch.setattr(run, "machine_reference", lambda pairs: lambda: 0.002)  # the machine at half its pace
    result = pick("--budget-ms", "5", "--candidates", "mobilenet-0.25-224", "--retakes", "1")
    assert result.exit_code == 0, result.output
    assert prepared == ["mobilenet-0.25-224"] * 2 and "SLOW" in result.stdout  # timed, then re-taken once
    assert "stayed UNSTABLE, BUSY or SLOW after 1 re-take(s)" in result.stderr
    prepared.clear()
    monkeypatch.setattr(run, "machine_reference", lambda pairs: lambda: 0.001)
    rows = rows_of(pick("--budget-ms", "5", "--candidates", "mobilenet-0.25-224", "--format", "json"))
    assert prepared == ["mobilenet-0.25-224"] and rows["mobilenet-0.25-224"]["flag"] == ""  # not reused: measured


def test_count_limits_filter_before_timing(prepared, counted):
    # Params are every learnable parameter: 0.25 MobileNets hold about 0.47M, 0.5-160 1.33M, 1.0-224 4.23M.
    rows = rows_of(pick("--max-params", "1.5e6", "--candidates", FOUR, "--format", "json"))
    assert "mobilenet-1.0-224" not in prepared  # over the limit: not timed
    assert rows["mobilenet-1.0-224"]["median_ms"] is None and not rows["mobilenet-1.0-224"]["fits"]
    assert rows["mobilenet-1.0-224"]["params"] == counted("mobilenet-1.0-224")[1].params
    assert [m for m, r in rows.items() if r["picked"]] == ["mobilenet-0.5-160"]
    assert [m for m, r in rows_of(pick("--max-params", "1e6", "--candidates", FOUR, "--format", "json")).items()
            if r["picked"]] == ["mobilenet-0.25-224"]  # fmt: skip
    # The paper's Table 6 prints 41M mult-adds for 0.25 MobileNet-224; 0.5 MobileNet-160 counts 76.5M (Table 9: 76).
    limited = rows_of(pick("--max-mult-adds", "5e7", "--budget-ms", "5", "--candidates", FOUR, "--format", "json"))
    assert [m for m, r in limited.items() if r["picked"]] == ["mobilenet-0.25-224"]
    assert limited["mobilenet-0.5-160"]["over"] == "over --max-mult-adds"


def test_figure_and_out_folder_are_written(prepared, tmp_path):
    result = pick("--budget-ms", "5", "--candidates", FOUR, "--figure", "fig.png", "--out", "picked")
    assert result.exit_code == 0, result.output
    for path in (tmp_path / "fig.png", tmp_path / "picked" / "figure4_on_this_device.png"):
        assert path.read_bytes().startswith(b"\x89PNG")
    assert "mobilenet-0.5-160 is the most accurate" in (tmp_path / "picked" / "pick.md").read_text()
    saved = json.loads((tmp_path / "picked" / "pick.json").read_text())
    assert [r["model"] for r in saved if r["picked"]] == ["mobilenet-0.5-160"]


@pytest.mark.parametrize(
    "args, message",
    [
        (("--budget-ms", "0"), "--budget-ms must be a positive number, got 0"),
        (("--budget-ms", "-5"), "--budget-ms must be a positive number, got -5"),
        (("--max-params", "nan"), "--max-params must be a positive number"),
        ((), "give a budget: --budget-ms, --max-params, --max-mult-adds or --max-size-mb"),
        (("--budget-ms", "5", "--candidates", "mobilenet-0.25-224,vgg19x"), "unknown model 'vgg19x'"),
        (("--budget-ms", "5", "--candidates", "+"), "'+' must be followed by a model name"),
        (("--budget-ms", "5", "--retakes", "-1"), "--retakes must be from 0 to 5, got -1"),
        (("--budget-ms", "5", "--rounds", "0"), "--rounds must be from 1 to 10,000, got 0"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_any_work(prepared, tmp_path, args, message):
    result = CliRunner().invoke(app, ["pick", *args])
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr
    assert result.stderr.startswith("mnv1-bench: error:") and result.stdout == ""
    assert prepared == [] and not (tmp_path / "results").exists()


def test_cited_accuracy_comes_from_the_first_source_that_prints_one():
    # The paper prints 70.6 for 1.0 MobileNet-224 (Table 6); TF-Slim's retrained checkpoint gives 70.9: the paper wins.
    assert (cited_top1(resolve("mobilenet-1.0-224")).top1, cited_top1(resolve("mobilenet")).source) == (70.6, PAPER_T6)
    assert (cited_top1(resolve("mobilenet-0.75-160")).top1, cited_top1(resolve("mobilenet-0.75-160")).source) == (
        65.3, SLIM)  # fmt: skip
    assert cited_top1(resolve("conv-mobilenet")).top1 == 71.7  # Table 4
    assert cited_top1(resolve("shallow-mobilenet")).top1 == 65.3  # Table 5
    assert [cited_top1(resolve(n)).top1 for n in ("vgg16", "googlenet", "squeezenet", "alexnet")] == [
        71.5, 69.8, 57.5, 57.2]  # fmt: skip  # Tables 8 and 9
    assert cited_top1(resolve("inception-v3")).top1 is None  # the paper prints only its Stanford Dogs accuracy
    assert cited_top1(resolve("mobilenet-0.5-160", num_classes=10)).top1 is None
    tv = cited_top1(resolve("torchvision:mobilenet_v2"))  # torchvision docs: MobileNet_V2_Weights.IMAGENET1K_V2
    assert (tv.top1, tv.source) == (72.154, "torchvision weights metadata")


def test_torchvision_accuracy_is_cited_only_at_the_input_size_it_was_measured_at():
    spec = resolve("torchvision:efficientnet_b1")  # torchvision evaluates EfficientNet_B1_Weights at 240x240
    cited = cited_top1(spec)
    if spec.input_size == 240:
        assert cited.top1 == 79.838
    else:
        assert cited.top1 is None and "240x240" in cited.note


def test_default_set_has_over_30_named_candidates_and_every_grid_point_is_cited():
    names = default_candidates()
    specs = [resolve(name) for name in names]
    assert len({spec.name for spec in specs}) == len(names) >= 30
    sources = [cited_top1(spec).source for spec in specs if spec.mobilenet is not None and spec.name.startswith("m")]
    # Tables 6, 7 and 9 print 8 of the 16 grid models (1.0 at four resolutions, 0.75/0.5/0.25 at 224, 0.5-160).
    assert len(sources) == 16 and sources.count(SLIM) == 8 and all(sources)


def test_median_interval_is_students_t_over_windows_of_rounds():
    assert median_ci([5.0] * 10, [5, 5]) == (5.0, 5.0)
    # four rounds, one window each: window medians 4, 5, 6, 5 around the median of all samples, 5
    samples = [4.0, 4.0, 5.0, 5.0, 6.0, 6.0, 5.0, 5.0]
    logs = [math.log(v) for v in (4.0, 5.0, 6.0, 5.0)]
    half = 3.182 * statistics.stdev(logs) / 2  # t with 3 degrees of freedom, typed in from a t table
    assert median_ci(samples, [2, 2, 2, 2]) == pytest.approx((5.0 * math.exp(-half), 5.0 * math.exp(half)))
    assert all(math.isnan(v) for v in median_ci([1.0, 2.0], [3]))  # round sizes that do not add up
    assert all(math.isnan(v) for v in median_ci([1.0, 2.0], [2]))  # one round: no interval


def test_an_extended_set_times_only_the_added_candidate(prepared):
    rows_of(pick("--budget-ms", "5", "--candidates", "mobilenet-0.25-224,mobilenet-0.5-160", "--format", "json"))
    prepared.clear()
    rows = rows_of(pick("--budget-ms", "5", "--candidates", "mobilenet-0.25-224,mobilenet-0.5-160,+mobilenet-0.25-128",
                        "--format", "json"))  # fmt: skip
    assert prepared == ["mobilenet-0.25-128"]
    measured = {m: r["measured"] for m, r in rows.items()}
    assert measured == {"mobilenet-0.25-224": "reused", "mobilenet-0.5-160": "reused", "mobilenet-0.25-128": "now"}


def _latency(samples: tuple[float, ...], *marks: Flag) -> latency_store.Latency:
    return latency_store.Latency(
        model="m", median_ms=sorted(samples)[len(samples) // 2], samples_ms=samples,
        round_sizes=(len(samples) // 5,) * 5,  # five rounds, one window each
        mult_adds=1, params=1, weights=1, flags=marks, utc="", reused=False, source="",
    )  # fmt: skip


SPREAD_40, SPREAD_60 = Flag("spread", 0.4, 0.1), Flag("spread", 0.6, 0.1)


def test_a_spread_row_with_a_precise_median_is_trusted_and_an_imprecise_one_is_not():
    # 200 samples: most at 10 ms, every fifth 20 ms (CV about 40%), so the median stays at 10 ms in every resample
    precise = _latency(tuple(20.0 if i % 5 == 0 else 10.0 + 0.01 * (i % 7) for i in range(200)), SPREAD_40)
    assert precise.precise() and precise.untrusted == ""
    # 10 samples spread from 5 to 30 ms: the median's interval is far wider than ±5%
    loose = _latency((5.0, 30.0, 8.0, 25.0, 12.0, 20.0, 6.0, 28.0, 9.0, 22.0), SPREAD_60)
    assert not loose.precise() and loose.untrusted == "CV 60% > 10%"
    # too few samples, or a slow machine, are never excused by a precise median; a busy machine is
    few = _latency(precise.samples_ms, SPREAD_40, Flag("few_samples", 4, 5))
    assert few.untrusted == "only 4 samples"  # the spread is excused, the count is not
    busy = _latency(precise.samples_ms, SPREAD_40, Flag("busy", 1.0, 0.25))
    assert busy.untrusted == ""
    slow = _latency(precise.samples_ms, Flag("busy", 1.0, 0.25), Flag("slow", 0.5, 0.8))
    assert slow.untrusted == "the machine ran at 50% of its fastest"
    noisy_and_busy = _latency(loose.samples_ms, SPREAD_60, Flag("busy", 1.0, 0.25))
    assert noisy_and_busy.untrusted == "CV 60% > 10%; other processes used 1.00 cores while timing"


def _candidate(name: str, top1: float, window_medians: tuple[float, ...]) -> pick_lib.Candidate:
    """A candidate whose latency was taken in one round per window, each round's samples at that window's median."""
    samples = tuple(m for m in window_medians for _ in range(3))
    latency = _latency(samples)
    latency = latency_store.Latency(**{**latency.__dict__, "model": name, "round_sizes": (3,) * len(window_medians)})
    return pick_lib.Candidate(resolve(name), Cited(top1, "test"), 1, 1, 1, latency)


def test_a_candidate_fits_only_with_its_whole_interval_and_a_straddling_one_is_named_beside_the_pick():
    budget = pick_lib.Budget(ms=5.0)
    sure = _candidate("mobilenet-0.25-128", 41.5, (4.0, 4.05, 3.95, 4.0, 4.02))  # CI well under 5 ms
    straddles = _candidate("mobilenet-0.5-160", 60.2, (4.4, 5.3, 4.6, 5.2, 4.8))  # median 4.8, CI about 4.3-5.4
    over = _candidate("mobilenet-1.0-224", 70.6, (7.0, 7.1, 6.9, 7.0, 7.05))
    frame = pick_lib.candidate_frame([sure, straddles, over], budget, "fp32")
    status = dict(zip(frame["model"], frame["status"], strict=True))
    assert status == {"mobilenet-0.25-128": "fits", "mobilenet-0.5-160": "borderline", "mobilenet-1.0-224": "over"}
    low, high = frame.set_index("model").loc["mobilenet-0.5-160", ["ci_low_ms", "ci_high_ms"]]
    assert low < 4.8 < 5.0 < high  # its median is under the budget, yet it is not said to fit
    result = pick_lib.choose(frame, budget)
    assert result.picked["model"] == "mobilenet-0.25-128" and result.borderline["model"] == "mobilenet-0.5-160"
    said = pick_lib.rationale(result)
    assert said.startswith("mobilenet-0.25-128 or mobilenet-0.5-160: indistinguishable here at this budget.")
    # without the straddling candidate the answer is the sure one alone
    alone = pick_lib.choose(pick_lib.candidate_frame([sure, over], budget, "fp32"), budget)
    assert alone.borderline is None and pick_lib.rationale(alone).startswith("mobilenet-0.25-128 is the most")


def test_a_more_accurate_borderline_candidate_is_timed_again_for_longer(prepared, monkeypatch):
    from mnv1_bench.choose import pick as lib

    real = lib.choose
    calls = []

    def straddling_once(frame, budget):  # the first look finds 0.5-160 borderline; the re-timed row decides it
        calls.append(1)
        if len(calls) == 1:
            frame = frame.copy()
            frame.loc[frame["model"] == "mobilenet-0.5-160", "status"] = "borderline"
            frame.loc[frame["model"] == "mobilenet-0.5-160", "fits"] = False
        return real(frame, budget)

    timed: list[float] = []
    fake_time = latency_store.time_candidates

    def spy(specs, costs, config, *args):
        timed.append(config.min_time_s)
        return fake_time(specs, costs, config, *args)

    monkeypatch.setattr(lib, "choose", straddling_once)
    monkeypatch.setattr(latency_store, "time_candidates", spy)
    rows = rows_of(pick("--budget-ms", "5", "--candidates", "mobilenet-0.25-224,mobilenet-0.5-160", "--format",
                        "json"))  # fmt: skip
    first, again = timed
    assert again == 2 * first and prepared.count("mobilenet-0.5-160") == 2 and prepared.count("mobilenet-0.25-224") == 1
    assert rows["mobilenet-0.5-160"]["picked"]


def test_a_candidate_named_twice_is_timed_once_and_said(prepared):
    result = pick("--budget-ms", "5", "--candidates", "mobilenet-0.25-224,mobilenet-0.25-224,mobilenet-0.5-160")
    assert result.exit_code == 0, result.output
    assert sorted(prepared) == ["mobilenet-0.25-224", "mobilenet-0.5-160"]
    assert "warning: --candidates: mobilenet-0.25-224 given more than once; each is used once" in result.stderr
