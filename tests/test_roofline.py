"""Roofline floors by hand on a made-up network; the peak cache with an injected (fake) calibration."""

from __future__ import annotations

import json

import pytest

from mnv1_bench.counting import Cost, LayerCost
from mnv1_bench.errors import Trouble
from mnv1_bench.timing import roofline
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.roofline import Floors, PeakCache, Peaks, bytes_moved, floors

# conv 3x3 3->8 on 8x8 (stride 1) then FC 8*8*8 -> 10: numbers small enough to check by hand.
CONV = LayerCost(1, "conv", "Conv 3x3", 1, (3, 8, 8), (8, 8, 8), 8 * 8 * 8 * 3 * 9, 8 * 3 * 9, 8 * 3 * 9)
FC = LayerCost(2, "fc", "FC", 1, (512,), (10,), 512 * 10, 5120 + 10, 5120)
COST = Cost(
    mult_adds=CONV.mult_adds + FC.mult_adds,  # 13824 + 5120 = 18944
    fvcore_total=0, params=CONV.params + FC.params, weights=CONV.weights + FC.weights,  # weights 5336
    layers=(CONV, FC), fvcore_extra={}, excluded_ops={}, unknown_ops={},
)  # fmt: skip
PEAKS = Peaks(matmul_flop_per_s=1e9, copy_bytes_per_s=1e8, device="cpu", dtype="fp32", threads=1, device_name="x")


def test_bytes_moved_by_hand():
    # weights 5336 once; per image: input 3*8*8 = 192 read, outputs 512 + 10 written and read (x2)
    per_image = 192 + 2 * (512 + 10)
    assert roofline.bytes_moved(COST, 1, "fp32") == (5336 + per_image) * 4
    assert roofline.bytes_moved(COST, 32, "fp16") == (5336 + 32 * per_image) * 2


def test_floors_by_hand():
    floors = roofline.floors(COST, 4, "fp32", PEAKS, median_ms=1.0)
    assert floors.compute_ms == pytest.approx(2 * 18944 * 4 / 1e9 * 1e3)  # 0.1516 ms
    assert floors.memory_ms == pytest.approx((5336 + 4 * 1236) * 4 / 1e8 * 1e3)  # 0.4112 ms
    assert floors.fraction == pytest.approx(floors.memory_ms / 1.0)
    assert floors.bound == "memory"
    compute_bound = roofline.floors(COST, 4, "fp32", Peaks(1e7, 1e12, "cpu", "fp32", 1, "x"), 100.0)
    assert compute_bound.bound == "compute" and compute_bound.fraction == pytest.approx(15.1552 / 100)


def test_floors_unknown_without_peaks():
    assert Floors(None, None, None).bound is None


class CountingCalibration:
    def __init__(self):
        self.calls: list[tuple] = []

    def __call__(self, device: str, dtype: str, threads: int) -> Peaks:
        self.calls.append((device, dtype, threads))
        return Peaks(1e9 * threads, 1e8, device, dtype, threads, "fake")


def test_cache_calibrates_once_per_dtype_and_threads(tmp_path):
    calibrate = CountingCalibration()
    path = tmp_path / "cache" / "roofline.json"
    cache = PeakCache(path, calibrate)
    first = cache.get("cpu", "fp32", 2)
    assert cache.get("cpu", "fp32", 2) == first
    assert PeakCache(path, calibrate).get("cpu", "fp32", 2) == first  # a new process reads the file
    assert calibrate.calls == [("cpu", "fp32", 2)]
    cache.get("cpu", "bf16", 2)
    cache.get("cpu", "fp32", 1)
    assert len(calibrate.calls) == 3
    entries = json.loads(path.read_text())
    assert len(entries) == 3 and all(e["device_name"] == "fake" for e in entries.values())
    assert not list(path.parent.glob("*.tmp"))  # atomic writes leave no temp files


def test_unreadable_cache_is_measured_again(tmp_path):
    path = tmp_path / "roofline.json"
    path.write_text("{not json")
    calibrate = CountingCalibration()
    assert PeakCache(path, calibrate).get("cpu", "fp32", 1).matmul_flop_per_s == 1e9
    assert len(calibrate.calls) == 1 and json.loads(path.read_text())


def test_floors_for_uses_the_injected_cache(tmp_path):
    cache = PeakCache(tmp_path / "r.json", CountingCalibration())
    floors = roofline.floors_for(COST, TimingConfig(batch=1, threads=1), 1, 2.0, cache)
    assert floors.compute_ms == pytest.approx(2 * 18944 / 1e9 * 1e3)


def test_a_row_faster_than_its_floor_remeasures_and_keeps_the_better_peaks(tmp_path):
    rates = iter([1e6, 1e9, 5e8])  # a busy first calibration, a quiet second, a worse third

    def calibrate(device, dtype, threads):
        return Peaks(next(rates), 1e12, device, dtype, threads, "fake")

    cache = PeakCache(tmp_path / "r.json", calibrate)
    config = TimingConfig(batch=1, threads=1)
    # at 1e6 FLOP/s the compute floor is 37.9 ms, above the 1 ms measured: the peaks must be too low
    floors = roofline.floors_for(COST, config, 1, 1.0, cache)
    assert floors.compute_ms == pytest.approx(2 * 18944 / 1e9 * 1e3) and floors.fraction < 1
    assert cache.get("cpu", "fp32", 1).matmul_flop_per_s == 1e9
    assert cache.remeasure("cpu", "fp32", 1).matmul_flop_per_s == 1e9  # 5e8 measured, 1e9 kept


def test_cached_peaks_far_above_a_fresh_measurement_are_replaced_with_one_warning(tmp_path):
    path = tmp_path / "r.json"
    inflated = PeakCache(path, lambda d, dt, t: Peaks(5e10, 5e12, d, dt, t, "fake"))
    inflated.get("cpu", "fp32", 1)  # 50x what the machine below measures
    honest = PeakCache(path, lambda d, dt, t: Peaks(1e9, 1e11, d, dt, t, "fake"))
    with pytest.warns(Trouble, match="holds peaks over 4x what this machine measures now"):
        peaks = honest.remeasure("cpu", "fp32", 1)
    assert (peaks.matmul_flop_per_s, peaks.copy_bytes_per_s) == (1e9, 1e11)
    assert json.loads(path.read_text())[honest.key("cpu", "fp32", 1)]["matmul_flop_per_s"] == 1e9


def test_real_calibration_runs_small(monkeypatch):
    # The real code path with sizes shrunk so that it takes milliseconds: rates must come out positive.
    monkeypatch.setattr(roofline, "MATMUL_N", {"cpu": 64, "cuda": 64})
    monkeypatch.setattr(roofline, "COPY_BYTES", {"cpu": 2**20, "cuda": 2**20})
    monkeypatch.setattr(roofline, "CALIBRATION_S", 0.01)
    peaks = roofline.measure_peaks("cpu", "fp32", 1)
    assert peaks.matmul_flop_per_s > 0 and peaks.copy_bytes_per_s > 0
    assert (peaks.device, peaks.dtype, peaks.threads) == ("cpu", "fp32", 1) and peaks.device_name


@pytest.mark.cuda
def test_real_cuda_calibration_small(monkeypatch):
    monkeypatch.setattr(roofline, "MATMUL_N", {"cpu": 64, "cuda": 1024})
    monkeypatch.setattr(roofline, "COPY_BYTES", {"cpu": 2**20, "cuda": 2**26})
    monkeypatch.setattr(roofline, "CALIBRATION_S", 0.05)
    peaks = roofline.measure_peaks("cuda", "fp16", 1)
    assert peaks.matmul_flop_per_s > 1e11 and peaks.copy_bytes_per_s > 1e10  # any recent GPU


def good_entry(**change) -> dict:
    return {**dict(matmul_flop_per_s=5e10, copy_bytes_per_s=1e10, device="cpu", dtype="fp32", threads=1,
                   device_name="x", measured_utc=""), **change}  # fmt: skip


@pytest.mark.parametrize(
    "entry",
    [
        good_entry(matmul_flop_per_s=0),
        good_entry(matmul_flop_per_s=None),
        good_entry(matmul_flop_per_s="fast"),
        good_entry(matmul_flop_per_s=1e30),
        good_entry(matmul_flop_per_s=-5e10),
        good_entry(copy_bytes_per_s=0.0),
        good_entry(copy_bytes_per_s=True),
        good_entry(unknown_field=1),
        "a string",
        None,
        [1, 2],
    ],
)
def test_a_hostile_cache_entry_is_ignored_and_measured_again(tmp_path, entry):
    path = tmp_path / "roofline.json"
    calibrate = CountingCalibration()
    key = PeakCache(path, calibrate).key("cpu", "fp32", 1)
    path.write_text(json.dumps({key: entry}))
    floors = roofline.floors_for(COST, TimingConfig(batch=1, threads=1), 1, 2.0, PeakCache(path, calibrate))
    assert calibrate.calls == [("cpu", "fp32", 1)]
    assert floors.compute_ms == pytest.approx(2 * 18944 / 1e9 * 1e3)  # from the fresh 1e9 FLOP/s, not the entry
    assert json.loads(path.read_text())[key]["matmul_flop_per_s"] == 1e9  # the bad entry is replaced


def test_a_valid_entry_is_used_without_measuring(tmp_path):
    path = tmp_path / "roofline.json"
    calibrate = CountingCalibration()
    path.write_text(json.dumps({PeakCache(path, calibrate).key("cpu", "fp32", 1): good_entry()}))
    assert PeakCache(path, calibrate).get("cpu", "fp32", 1).matmul_flop_per_s == 5e10 and not calibrate.calls


@pytest.mark.parametrize("content", [b"", b"null", b"0", b'"x"', b"\xff\xfe", b"[1]"])
def test_a_corrupt_cache_file_is_measured_again(tmp_path, content):
    path = tmp_path / "roofline.json"
    path.write_bytes(content)
    assert PeakCache(path, CountingCalibration()).get("cpu", "fp32", 1).matmul_flop_per_s == 1e9


def test_an_unwritable_cache_warns_once_and_the_run_goes_on(tmp_path, monkeypatch):
    from mnv1_bench.errors import Trouble

    path = tmp_path / "roofline.json"
    path.mkdir()  # a folder where the file should be: neither readable nor writable as a file
    calibrate = CountingCalibration()
    cache = PeakCache(path, calibrate)
    with pytest.warns(Trouble, match=r"the peak cache .*roofline.json cannot be written") as caught:
        for _ in range(3):
            cache.get("cpu", "fp32", 1)
        cache.get("cpu", "fp32", 2)
    assert len(caught) == 1  # one warning for the run
    assert calibrate.calls == [("cpu", "fp32", 1), ("cpu", "fp32", 2)]  # kept in memory, not measured per row
    assert path.is_dir() and not list(tmp_path.glob(".*.tmp"))


def test_recalibrate_measures_once_and_replaces_the_cached_peaks(tmp_path):
    path = tmp_path / "roofline.json"
    calibrate = CountingCalibration()
    path.write_text(json.dumps({PeakCache(path, calibrate).key("cpu", "fp32", 1): good_entry()}))
    cache = PeakCache(path, calibrate, recalibrate=True)
    assert cache.get("cpu", "fp32", 1).matmul_flop_per_s == 1e9 and cache.get("cpu", "fp32", 1)
    assert len(calibrate.calls) == 1  # the 5e10 entry is replaced, not kept as the better one
    assert next(iter(json.loads(path.read_text()).values()))["matmul_flop_per_s"] == 1e9


@pytest.mark.parametrize(
    "xdg, expected",
    [("/xdg", "/xdg/mnv1-bench/roofline.json"), ("", "~/.cache/mnv1-bench/roofline.json"),
     ("relative", "~/.cache/mnv1-bench/roofline.json")],
)  # fmt: skip
def test_the_cache_lives_in_the_users_cache_folder(monkeypatch, xdg, expected):
    from pathlib import Path

    monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert roofline.cache_path() == Path(expected).expanduser()  # the XDG spec ignores a relative path


def layer(out_shape: tuple[int, ...], in_shape: tuple[int, ...] = (3, 4, 4)) -> LayerCost:
    return LayerCost(1, "l", "Conv 3x3", 1, in_shape, out_shape, mult_adds=10, params=5, weights=5)


def cost(layers: tuple[LayerCost, ...], weights: int = 7, mult_adds: int = 1000) -> Cost:
    return Cost(mult_adds, mult_adds, weights, weights, layers, {}, {}, {})


def test_bytes_moved_counts_weights_input_and_each_output_twice():
    assert bytes_moved(cost((layer((2, 2, 2)), layer((5,)))), batch=3, dtype="fp32") == (7 + 3 * (48 + 2 * 13)) * 4
    assert bytes_moved(cost(()), batch=3, dtype="fp32") == 7 * 4  # no layers: weights only, no input


def test_floors_with_no_median_have_no_fraction():
    peaks = Peaks(matmul_flop_per_s=1e9, copy_bytes_per_s=1e8, device="cpu", dtype="fp32", threads=1, device_name="x")
    result = floors(cost(()), 1, "fp32", peaks, median_ms=0.0)
    assert result.fraction is None and result.compute_ms == pytest.approx(2e-3)
    assert floors(cost(()), 1, "fp32", peaks, median_ms=0.004).fraction == pytest.approx(0.5)
