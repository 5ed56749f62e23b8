"""The figures checked by what they show: points, labels and error bars read back from matplotlib's artists."""

from __future__ import annotations

import json
import statistics

import pytest
from matplotlib.figure import Figure

from mnv1_bench.choose.sweep import grid_frame
from mnv1_bench.counting import count
from mnv1_bench.store.runs import load_results
from mnv1_bench.tables import figures
from mnv1_bench.tables.latency import latency_frame

# Cited ImageNet top-1 (%) of the paper's Tables 6, 7 and 9, typed in: the only grid models with a printed accuracy.
PRINTED_TOP1 = {
    "1.0 MobileNet-224": 70.6, "0.75 MobileNet-224": 68.4, "0.5 MobileNet-224": 63.7, "0.25 MobileNet-224": 50.6,
    "1.0 MobileNet-192": 69.1, "1.0 MobileNet-160": 67.2, "1.0 MobileNet-128": 64.4, "0.5 MobileNet-160": 60.2,
}  # fmt: skip
REGISTRY_NAME = {label: f"mobilenet-{label.split()[0]}-{label.rsplit('-', 1)[1]}" for label in PRINTED_TOP1}


@pytest.fixture
def drawn(monkeypatch):
    """Every Figure saved while the test runs, in order (the PNG is still written)."""
    saved: list[Figure] = []
    original = Figure.savefig

    def capture(self, *args, **kwargs):
        saved.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", capture)
    return saved


def flat(points) -> list[float]:
    """Sorted (x, y) points as one flat list, which pytest.approx compares."""
    return [value for point in sorted(points) for value in point]


def scatter_points(ax) -> dict[str, list[tuple[float, float]]]:
    """Legend label -> the (x, y) points of that scatter series."""
    return {c.get_label(): [tuple(p) for p in c.get_offsets()] for c in ax.collections}


@pytest.fixture(scope="module")
def grid():
    return grid_frame(count)


@pytest.mark.parametrize(("x", "number"), [("mult_adds", 4), ("weights", 5)])
def test_accuracy_figure_points_are_measured_counts_against_cited_accuracy(drawn, counted, grid, tmp_path, x, number):
    figures.accuracy_figure(grid, x, tmp_path / "f.png")
    (ax,) = drawn[-1].axes
    points = scatter_points(ax)
    expected: dict[str, list[tuple[float, float]]] = {}
    for label, top1 in PRINTED_TOP1.items():
        cost = counted(REGISTRY_NAME[label])[1]
        count = cost.mult_adds if x == "mult_adds" else cost.weights
        expected.setdefault(f"width multiplier {label.split()[0]}", []).append((count / 1e6, top1))
    assert set(points) == set(expected)
    for series, want in expected.items():
        assert flat(points[series]) == pytest.approx(flat(want)), series
    annotations = {t.get_text(): t.xy for t in ax.texts}
    assert set(annotations) == set(PRINTED_TOP1)
    for label, (px, py) in annotations.items():
        cost = counted(REGISTRY_NAME[label])[1]
        count = cost.mult_adds if x == "mult_adds" else cost.weights
        assert (px, py) == pytest.approx((count / 1e6, PRINTED_TOP1[label])), label
    assert ax.get_xscale() == "log"
    assert ax.get_title().startswith(f"Figure {number}: ImageNet accuracy vs ")
    assert ("Mult-Adds (millions" if x == "mult_adds" else "Parameters (millions") in ax.get_xlabel()
    assert "cited" in ax.get_ylabel()


def _row(model: str, mult_adds: int, samples: list[float], device: str = "cpu", **extra) -> dict:
    quartiles = statistics.quantiles(samples, n=4, method="inclusive")  # linear interpolation between ranks
    row = {"model": model, "device": device, "backend": "eager", "dtype": "fp32", "batch": 1,
           "channels_last": False, "samples_ms": samples, "median_ms": quartiles[1],
           "iqr_ms": quartiles[2] - quartiles[0], "mult_adds": mult_adds, "utc": "2026-01-01T00:00:00+00:00",
           "threads": 2, "cpu_model": "Test CPU", "gpu_name": None}  # fmt: skip
    return {**row, **extra}


# Skewed samples (a slow tail), as real latency samples are: median 11, quartiles 10.5 and 14.
SKEWED = [10.0, 10.5, 11.0, 14.0, 20.0]
RESULTS = [
    _row("mobilenet-1.0-224", 568_740_352, SKEWED),
    _row("mobilenet-0.5-160", 76_497_792, [2.0, 2.1, 2.2, 2.3, 2.4]),
    _row("vgg16", 15_470_264_320, [300.0, 310.0, 320.0, 330.0, 400.0]),
    _row("mobilenet-1.0-224", 568_740_352, [1.0, 1.1, 1.2, 1.3, 1.4], device="cuda", gpu_name="Test GPU"),
]


@pytest.fixture
def latency_axes(drawn, tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    (results / "time-20260101T000000Z-test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RESULTS))
    figures.latency_figure(latency_frame(load_results(results)), tmp_path / "latency.png")
    (ax,) = drawn[-1].axes
    return ax


def error_bars(ax) -> dict[str, list[tuple[float, float, float, float]]]:
    """Series label -> (x, median, bar bottom, bar top) per point."""
    out = {}
    for container in ax.containers:
        data_line, _caps, (bars,) = container.lines
        points = data_line.get_xydata()
        out[container.get_label()] = [
            (x, y, min(seg[0][1], seg[1][1]), max(seg[0][1], seg[1][1]))
            for (x, y), seg in zip(points, bars.get_segments(), strict=True)
        ]
    return out


def test_latency_figure_points_labels_and_bar_lengths(latency_axes):
    bars = error_bars(latency_axes)
    assert set(bars) == {
        "MobileNet grid, Test CPU, 2 threads", "reference networks, Test CPU, 2 threads", "MobileNet grid, Test GPU"
    }  # fmt: skip
    grid_cpu = sorted(bars["MobileNet grid, Test CPU, 2 threads"])
    assert flat((x, y) for x, y, _, _ in grid_cpu) == pytest.approx([76.497792, 2.2, 568.740352, 11.0])
    (vgg,) = bars["reference networks, Test CPU, 2 threads"]
    assert vgg[:2] == pytest.approx((15_470.26432, 320.0))
    (gpu,) = bars["MobileNet grid, Test GPU"]
    assert gpu[:2] == pytest.approx((568.740352, 1.2))
    # Each bar is as long as the samples' interquartile range.
    assert [top - bottom for _, _, bottom, top in grid_cpu] == pytest.approx([0.2, 3.5])
    assert vgg[3] - vgg[2] == pytest.approx(20.0)
    assert {t.get_text() for t in latency_axes.texts} == {"vgg16"}  # only reference networks are named
    assert (latency_axes.get_xscale(), latency_axes.get_yscale()) == ("log", "log")
    assert "Median latency per image (ms" in latency_axes.get_ylabel()
    assert "Mult-adds per image (millions" in latency_axes.get_xlabel()


def test_latency_figure_bars_span_the_25th_to_75th_percentile(latency_axes):
    grid_cpu = sorted(error_bars(latency_axes)["MobileNet grid, Test CPU, 2 threads"])
    _, median, bottom, top = grid_cpu[1]
    assert (median, bottom, top) == pytest.approx((11.0, 10.5, 14.0))
