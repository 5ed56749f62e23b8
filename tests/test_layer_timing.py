"""Per-layer timing: attribution of spans to layers (fake clock), bytes and intensity by hand, real runs on CPU."""

from __future__ import annotations

import math
import time
from collections import OrderedDict

import pytest
import torch
from torch import nn

from mnv1_bench.counting import count_module
from mnv1_bench.counting.frames import is_table2_model
from mnv1_bench.errors import UsageProblem
from mnv1_bench.layers import frames as lf, timing as lt
from mnv1_bench.models.registry import resolve
from mnv1_bench.timing.config import TimingConfig

TINY = "mobilenet-0.25-64"
FAST = TimingConfig(device="cpu", batch=1, dtype="fp32", min_time_s=0.01)


def test_attribute_gives_each_span_to_the_layer_that_started_last():
    # stamps: start, a, b, a again, end; the span before the first layer goes to it; a runs twice.
    times = lt.attribute([None, "a", "b", "a", None], [1.0, 2.0, 3.0, 4.0])
    assert times == {"a": 1.0 + 2.0 + 4.0, "b": 3.0}


def test_attribute_rejects_mismatched_or_empty_passes():
    with pytest.raises(ValueError, match="gaps"):
        lt.attribute([None, "a", None], [1.0])
    with pytest.raises(ValueError, match="no layer"):
        lt.attribute([None, None], [1.0])


class FakeClock:
    """Time only moves when a Tick module runs: each op's cost is known exactly."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Tick(nn.Module):
    def __init__(self, clock: FakeClock, seconds: float):
        super().__init__()
        self.clock, self.seconds = clock, seconds

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.clock.now += self.seconds
        return x


def ticking_net(clock: FakeClock) -> nn.Module:
    """conv1 -> (BN-like 5 ms) -> conv2 -> (ReLU + pool-like 7 ms) -> fc -> (11 ms); 3 ms before conv1."""
    return nn.Sequential(
        OrderedDict(
            head=Tick(clock, 0.003),
            conv1=nn.Conv2d(3, 4, 3, padding=1),
            bn=Tick(clock, 0.005),
            conv2=nn.Conv2d(4, 4, 1),
            relu_pool=Tick(clock, 0.007),
            pool=nn.AdaptiveAvgPool2d(1),
            flatten=nn.Flatten(1),
            fc=nn.Linear(4, 2),
            tail=Tick(clock, 0.011),
        )
    )


def test_ops_after_a_layer_count_with_it_and_layers_add_up_to_the_pass():
    clock = FakeClock()
    net = ticking_net(clock)
    cost = count_module(net, (1, 3, 8, 8))
    samples, totals = lt.time_model_layers(net.eval(), torch.zeros(1, 3, 8, 8), cost, runs=4, warmup=2, clock=clock)
    by_name = {layer.name: s for layer, s in zip(cost.layers, samples, strict=True)}
    assert by_name["conv1"] == pytest.approx((3.0 + 5.0,) * 4)  # head span + its BN-like op, in ms
    assert by_name["conv2"] == pytest.approx((7.0,) * 4)
    assert by_name["fc"] == pytest.approx((11.0,) * 4)
    assert totals == pytest.approx((26.0,) * 4)
    assert not net.conv1._forward_pre_hooks and not net.fc._forward_pre_hooks  # hooks removed afterwards


def test_a_slow_op_after_a_conv_is_charged_to_that_conv_on_the_real_clock():
    class Sleep(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            time.sleep(0.02)
            return x

    net = nn.Sequential(
        OrderedDict(conv1=nn.Conv2d(3, 4, 3), sleep=Sleep(), conv2=nn.Conv2d(4, 4, 1), flatten=nn.Flatten(1))
    )
    cost = count_module(net, (1, 3, 8, 8))
    samples, totals = lt.time_model_layers(net.eval(), torch.zeros(1, 3, 8, 8), cost, runs=3, warmup=1)
    conv1, conv2 = (min(s) for s in samples)
    assert conv1 >= 20.0 > conv2
    assert all(sum(run) == pytest.approx(total) for *run, total in zip(*samples, totals, strict=True))


def test_bytes_and_intensity_of_a_layer_by_hand():
    # params 10, input 2x3x3 = 18, output 4x3x3 = 36, batch 2, 4-byte elements: 4 * (10 + 2 * 54)
    assert lt.layer_bytes(10, (2, 3, 3), (4, 3, 3), batch=2, size=4) == 472


@pytest.fixture(scope="module")
def tiny_timing(counted):
    spec, cost = counted(TINY)
    return lt.time_layers(spec, TimingConfig(**{**FAST.__dict__, "threads": 1}), cost, runs=3, warmup=1)


def test_every_counted_layer_gets_a_time_in_execution_order(tiny_timing, counted):
    _, cost = counted(TINY)
    assert [t.name for t in tiny_timing.layers] == [layer.name for layer in cost.layers]
    assert all(len(t.samples_ms) == 3 and t.time_ms > 0 for t in tiny_timing.layers)
    assert tiny_timing.threads == 1 and tiny_timing.runs == 3
    assert "BN folded into 27 convs" in tiny_timing.settings  # prepared as the timing engine prepares it
    for run, total in enumerate(tiny_timing.totals_ms):  # each pass's layer spans tile it exactly
        assert sum(t.samples_ms[run] for t in tiny_timing.layers) == pytest.approx(total)


def test_layers_frame_of_the_first_conv_by_hand(tiny_timing):
    frame = lf.layers_frame(tiny_timing)
    stem = frame.iloc[0]
    # Conv 3x3 s2, 3 -> 8 channels (32 x 0.25), 64x64 -> 32x32: 8*32*32 outputs x 27 mult-adds each.
    assert stem["mult_adds"] == 8 * 32 * 32 * 27
    assert stem["bytes"] == 4 * (8 * 27 + 3 * 64 * 64 + 8 * 32 * 32)
    assert stem["flops_per_byte"] == pytest.approx(2 * 8 * 32 * 32 * 27 / (4 * (216 + 12288 + 8192)))
    for column in ("mult_adds_pct", "bytes_pct", "time_pct", "params_pct"):
        assert frame[column].sum() == pytest.approx(100.0)


def test_by_type_adds_time_to_table2(tiny_timing):
    table = lf.by_type_frame(tiny_timing)
    assert set(table["type"]) == {"Conv 3x3", "Conv dw 3x3", "Conv 1x1", "FC"}
    assert dict(zip(table["type"], table["layers"], strict=True)) == {
        "Conv 3x3": 1, "Conv dw 3x3": 13, "Conv 1x1": 13, "FC": 1}  # fmt: skip
    assert table["time_ms"].sum() == pytest.approx(tiny_timing.sum_ms)
    assert table["time_pct"].sum() == pytest.approx(100.0)
    assert "paper_mult_adds_pct" not in table  # Table 2's published shares are for 1.0 MobileNet-224 only


def test_half_precision_halves_the_bytes(counted):
    spec, cost = counted(TINY)
    timing = lt.time_layers(spec, TimingConfig(**{**FAST.__dict__, "dtype": "bf16"}), cost, runs=1, warmup=0)
    assert timing.layers[0].bytes == 2 * (216 + 12288 + 8192)


def test_agreement_and_bad_settings():
    assert lt.agreement_pct(11.5, 10.0) == pytest.approx(15.0)
    assert is_table2_model(resolve("mobilenet")) and not is_table2_model(resolve("mobilenet", 120))
    assert not is_table2_model(resolve("mobilenet-1.0-192"))
    net = nn.Sequential(nn.Conv2d(3, 4, 3))
    cost = count_module(net, (1, 3, 8, 8))
    with pytest.raises(UsageProblem):
        lt.time_model_layers(net, torch.zeros(1, 3, 8, 8), cost, runs=0)


def test_other_backends_are_refused(counted):
    spec, cost = counted(TINY)
    with pytest.raises(UsageProblem, match="eager"):
        lt.time_layers(spec, TimingConfig(backend="onnxruntime"), cost)


@pytest.mark.cuda
def test_cuda_layer_times_come_from_events_and_tile_the_pass(counted):
    spec, cost = counted(TINY)
    timing = lt.time_layers(spec, TimingConfig(device="cuda", min_time_s=0.01), cost, runs=5, warmup=2)
    assert timing.device == "cuda" and all(t.time_ms > 0 for t in timing.layers)
    for run in range(timing.runs):
        assert sum(t.samples_ms[run] for t in timing.layers) == pytest.approx(timing.totals_ms[run], rel=1e-6)
    assert not math.isnan(lf.layers_frame(timing)["time_pct"].sum())
