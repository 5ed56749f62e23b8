"""Where a network's time goes: measured time per conv/FC layer, beside its mult-adds, params and bytes.

Mechanism: boundary timestamps from forward pre-hooks. Each conv and FC module (the layers `counting.count`
lists) gets a pre-hook that stamps the clock as it starts; the pass is also stamped at its start and end.
A layer's time is the span from its stamp to the next one: the layer itself *and what runs after it until the
next conv/FC layer starts* (batch norm where it is not folded, activation, pooling, flatten, concatenation).
The span before the first layer goes to the first layer. The spans tile the forward pass, so per-layer times
add up to the instrumented pass by construction; what remains to check is that the hooks do not slow the pass
(the CLI compares the sum with the uninstrumented whole-network time of `mnv1_bench.timing.run`).

Why hooks and not torch.profiler: on CPU both could meet the goal (measured on this project's 2-core AMD EPYC,
1.0 MobileNet-224, batch 1, 1 thread: the profiler's per-op self-CPU times add up to 24.5 ms per pass against a
24.8 ms pass without it). Hooks were chosen because (1) they charge time to modules directly, where the profiler
reports aten ops that must be mapped back to modules (record_function scopes or stack traces); (2) their spans
tile the pass, so the sum matches the whole by construction, not by the luck of what the profiler leaves out;
(3) they cost little: hooked and plain passes interleaved, 28.98 ms against 28.86 ms median (+0.4%); (4) on CUDA
a profiler's kernel times leave out the launch gaps that dominate small-batch inference, where event spans
include them.

On CUDA the stamps are CUDA events recorded in the stream (no synchronisation between layers, which would
change what is measured); the device is synchronised before each run and once after it, before the events are
read. On CPU the clock is `time.perf_counter` (injectable, so tests can use a fake clock).

Units: time in milliseconds (median over runs); mult-adds per image, paper convention (conv + FC
multiply-accumulates; FLOPs = 2 x mult-adds); bytes per forward pass at the given batch, the minimum traffic
model: the layer's weights and biases + its input + its output activations, at the dtype's element size.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import torch
from torch import nn

from mnv1_bench.counting import Cost
from mnv1_bench.environment import set_threads
from mnv1_bench.errors import UsageProblem
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.flags import Flag, unstable
from mnv1_bench.timing.pytorch import example_input, torch_model
from mnv1_bench.timing.run import time_spec
from mnv1_bench.timing.stats import Stats, summarize

if TYPE_CHECKING:
    from mnv1_bench.models.registry import ModelSpec

ATTRIBUTION = (
    "each conv/FC layer's time runs from its start to the start of the next conv/FC layer, so it includes "
    "the batch norm (where not folded), activation and pooling after it; the last layer also gets the rest "
    "of the pass"
)
AGREEMENT_TOLERANCE_PCT = 15.0  # per-layer times should add up to the whole-network time within this
DEFAULT_RUNS = 30  # timed passes; each layer's time is its median over these
DEFAULT_WARMUP = 5  # untimed passes first (allocator, caches, cuDNN's algorithm choice)


@dataclass(frozen=True)
class LayerTime:
    """One conv/FC layer with what it costs and how long it (and the ops after it) took, per run."""

    index: int  # 1-based, execution order
    name: str  # module path
    type: str  # as the paper names it: "Conv 3x3", "Conv dw 3x3", "Conv 1x1", "FC"
    in_shape: tuple[int, ...]  # batch left out
    out_shape: tuple[int, ...]
    mult_adds: int  # per image
    params: int  # weight + bias
    weights: int  # weight tensor only
    bytes: int  # per forward pass at the batch: weights + biases + input + output, at the dtype's size
    samples_ms: tuple[float, ...]  # one per timed run

    @property
    def time_ms(self) -> float:
        return statistics.median(self.samples_ms)


@dataclass(frozen=True)
class LayerTiming:
    """Per-layer times of one network on one device, with the setting that produced them."""

    model: str
    device: str
    dtype: str  # "fp32" | "fp16" | "bf16", as mnv1_bench.timing names them
    batch: int
    threads: int  # intra-op threads set while timing
    warmup: int
    torch_version: str
    settings: str  # how the network was prepared (BN folding, memory format), as the timing engine says
    cost: Cost
    layers: tuple[LayerTime, ...]
    totals_ms: tuple[float, ...]  # instrumented forward pass per run, first stamp to last

    @property
    def runs(self) -> int:
        return len(self.totals_ms)

    @property
    def sum_ms(self) -> float:
        """Sum of the per-layer medians."""
        return sum(layer.time_ms for layer in self.layers)

    @property
    def instrumented_ms(self) -> float:
        """Median of the instrumented forward passes."""
        return statistics.median(self.totals_ms)


def layer_bytes(params: int, in_shape: tuple[int, ...], out_shape: tuple[int, ...], batch: int, size: int) -> int:
    """Minimum bytes a layer moves in one pass: its parameters once, its input and output per image."""
    return size * (params + batch * (math.prod(in_shape) + math.prod(out_shape)))


def attribute(names: list[str | None], gaps: list[float]) -> dict[str, float]:
    """Turn one pass's stamps into per-layer time.

    ``names[k]`` labels stamp k (a layer name, or None for the start and end of the pass); ``gaps[k]`` is the
    time from stamp k to stamp k+1. Each gap goes to the layer that started last; gaps before the first layer
    go to the first layer. A module called twice gets both spans.
    """
    if len(gaps) != len(names) - 1:
        raise ValueError(f"{len(names)} stamps need {len(names) - 1} gaps, got {len(gaps)}")
    first = next((n for n in names if n is not None), None)
    if first is None:
        raise ValueError("no layer ran between the first and last stamp")
    times: dict[str, float] = {}
    current = first
    for name, gap in zip(names[:-1], gaps, strict=True):
        current = name if name is not None else current
        times[current] = times.get(current, 0.0) + gap
    return times


class _Stamps:
    """Clock reads (CPU) or recorded CUDA events, with the name of what starts at each."""

    def __init__(self, cuda: bool, clock: Callable[[], float]):
        self.cuda, self.clock = cuda, clock
        self.names: list[str | None] = []
        self.stamps: list = []

    def mark(self, name: str | None) -> None:
        if self.cuda:
            event = torch.cuda.Event(enable_timing=True)
            event.record()
            self.stamps.append(event)
        else:
            self.stamps.append(self.clock())
        self.names.append(name)

    def gaps_ms(self) -> list[float]:
        if self.cuda:
            torch.cuda.synchronize()
            return [a.elapsed_time(b) for a, b in zip(self.stamps, self.stamps[1:], strict=False)]
        return [1e3 * (b - a) for a, b in zip(self.stamps, self.stamps[1:], strict=False)]


def time_model_layers(
    model: nn.Module,
    example: torch.Tensor,
    cost: Cost,
    runs: int = DEFAULT_RUNS,
    warmup: int = DEFAULT_WARMUP,
    clock: Callable[[], float] = time.perf_counter,
) -> tuple[tuple[tuple[float, ...], ...], tuple[float, ...]]:
    """Run ``model(example)`` warmup + runs times with a pre-hook stamp on each layer of ``cost``.

    ``model`` must be ready (eval, on the device and dtype of ``example``; threads already set). Returns the
    per-layer samples in milliseconds (one tuple per layer of ``cost.layers``, one value per run) and the
    instrumented total of each run.
    """
    if runs < 1 or warmup < 0:
        raise UsageProblem(f"runs must be at least 1 and warm-up at least 0, got {runs} and {warmup}")
    cuda = example.device.type == "cuda"
    modules = dict(model.named_modules())
    missing = [layer.name for layer in cost.layers if layer.name not in modules]
    if missing:
        raise ValueError(f"the model has no module {missing[0]!r}: was it counted from another network?")
    samples: dict[str, list[float]] = {layer.name: [] for layer in cost.layers}
    totals: list[float] = []
    stamps = _Stamps(cuda, clock)
    handles = [
        modules[layer.name].register_forward_pre_hook(lambda _m, _i, name=layer.name: stamps.mark(name))
        for layer in cost.layers
    ]
    try:
        with torch.inference_mode():
            for run in range(warmup + runs):
                stamps.names.clear()
                stamps.stamps.clear()
                if cuda:
                    torch.cuda.synchronize()  # nothing queued before the pass may land in its first span
                stamps.mark(None)
                model(example)
                stamps.mark(None)
                gaps = stamps.gaps_ms()
                if run < warmup:
                    continue
                per_layer = attribute(stamps.names, gaps)
                for layer_name, values in samples.items():
                    values.append(per_layer.get(layer_name, 0.0))
                totals.append(sum(gaps))
    finally:
        for handle in handles:
            handle.remove()
    return tuple(tuple(samples[layer.name]) for layer in cost.layers), tuple(totals)


def time_layers(
    spec: ModelSpec,
    config: TimingConfig,
    cost: Cost,
    runs: int = DEFAULT_RUNS,
    warmup: int = DEFAULT_WARMUP,
) -> LayerTiming:
    """Time every conv/FC layer of ``spec`` (counted at batch 1 as ``cost``), eager PyTorch only.

    The network is prepared exactly as ``mnv1_bench.timing.run.time_spec`` prepares it for ``config`` (same
    batch-norm folding, dtype, memory format, seeded input and thread setting), so the per-layer sum can be
    compared with its whole-network time. ``config`` has passed ``mnv1_bench.timing.run.validate``.
    """
    if config.backend != "eager":
        raise UsageProblem(f"per-layer timing hooks into eager PyTorch modules; {config.backend} has none")
    threads = set_threads(config.threads)
    model, settings = torch_model(spec, config)
    example = example_input(spec, config)
    samples, totals = time_model_layers(model, example, cost, runs, warmup)
    size = example.element_size()
    layers = tuple(
        LayerTime(
            index=layer.index, name=layer.name, type=layer.type, in_shape=layer.in_shape,
            out_shape=layer.out_shape, mult_adds=layer.mult_adds, params=layer.params, weights=layer.weights,
            bytes=layer_bytes(layer.params, layer.in_shape, layer.out_shape, config.batch, size),
            samples_ms=layer_samples,
        )
        for layer, layer_samples in zip(cost.layers, samples, strict=True)
    )  # fmt: skip
    return LayerTiming(
        model=spec.name, device=config.device, dtype=config.dtype, batch=config.batch, threads=threads,
        warmup=warmup, torch_version=torch.__version__, settings="; ".join(["PyTorch eager", *settings]),
        cost=cost, layers=layers, totals_ms=totals,
    )  # fmt: skip


def agreement_pct(sum_ms: float, whole_ms: float) -> float:
    """(sum of per-layer times - whole-network time) / whole-network time, in percent."""
    return 100.0 * (sum_ms - whole_ms) / whole_ms


@dataclass(frozen=True)
class LayerRun:
    """Per-layer times and the whole network's time around them, in one setting."""

    timing: LayerTiming
    whole: Stats  # the whole network without hooks: samples pooled from before and after the hooked passes
    unstable: tuple[Flag, ...]  # why the whole-network time should not be trusted, () when it can be

    @property
    def agreement_pct(self) -> float:
        """Sum of the per-layer medians against the whole-network median, in percent (0: they agree)."""
        return agreement_pct(self.timing.sum_ms, self.whole.median_ms)

    @property
    def invalid(self) -> str:
        """Why the per-layer times cannot be read as the network's, or "" when they can: the layers must add up
        to the whole network timed without hooks, within AGREEMENT_TOLERANCE_PCT."""
        if abs(self.agreement_pct) <= AGREEMENT_TOLERANCE_PCT:
            return ""
        return (f"the per-layer times add up to {self.agreement_pct:+.1f}% of the whole-network time, beyond "
                f"±{AGREEMENT_TOLERANCE_PCT:g}%")  # fmt: skip


def time_layers_and_whole(
    spec: ModelSpec,
    config: TimingConfig,
    cost: Cost,
    runs: int = DEFAULT_RUNS,
    on_phase: Callable[[str], None] = lambda phase: None,
) -> LayerRun:
    """Time the whole network (no hooks) for half of ``config.min_time_s``, then every layer, then the whole
    again, and pool the two whole-network measurements: a shared machine's drift between the measurements
    weighs on both alike. ``config`` has passed ``mnv1_bench.timing.run.validate``; ``on_phase`` hears what runs."""
    half = replace(config, min_time_s=config.min_time_s / 2)
    on_phase(f"timing {spec.name} whole (no hooks)")
    before = time_spec(spec, half, cost=cost)
    on_phase(f"timing {spec.name}'s layers")
    timing = time_layers(spec, config, cost, runs=runs)
    on_phase(f"timing {spec.name} whole again")
    after = time_spec(spec, half, cost=cost)
    whole = summarize(before.samples_ms + after.samples_ms)
    return LayerRun(timing, whole, unstable(whole, max(before.calls_per_sample, after.calls_per_sample)))
