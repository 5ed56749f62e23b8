"""Latency measured, then remembered: what `pick` times, saved as run files, and read back when nothing changed.

Rows are timed with the interleaved engine (:func:`mnv1_bench.timing.run.time_runs`) a few models at a time, and
each finished row is saved at once as an ordinary run file under the results folder (``time-<UTC>-<host>.jsonl``,
with the machine, software and command it was measured with), plus what `pick` needs to reuse it: the model's
params and weights and the ``--min-time`` it was timed with. A saved row is reused only when it was saved by
`pick` (it carries ``pick_min_time_s``) for the same model, on the same machine (host, CPU model, cores, GPU),
with the same software (Python, torch, torchvision, onnxruntime), in the same configuration (device, backend,
dtype, batch, threads, channels-last, BN folding, 1000 classes), at least as long a ``--min-time`` and as many
rounds, and was trusted: not BUSY, and not UNSTABLE unless its median is precise all the same (:data:`PRECISE`).
Untrusted rows are re-taken at once (``retakes`` times), and never reused later.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from mnv1_bench.counting import Cost
from mnv1_bench.environment import set_threads, software_versions
from mnv1_bench.models.registry import ModelSpec
from mnv1_bench.store import runs as results
from mnv1_bench.timing import stats
from mnv1_bench.timing.config import TimingConfig
from mnv1_bench.timing.flags import Flag, of_record
from mnv1_bench.timing.rounds import split_rounds
from mnv1_bench.timing.rows import TimingRow
from mnv1_bench.timing.run import Progress, time_runs

MIN_TIME_FIELD = "pick_min_time_s"  # present on the rows pick saved: it marks them as reusable by pick
MACHINE_FIELDS = ("hostname", "cpu_model", "cpu_cores", "gpu_name")
# A median whose 95% CI lies within ±PRECISE of it is precise enough to pick by, however spread the samples: on a
# small VM most rows have a CV over 10% (UNSTABLE) when quiet, yet their medians hold to a few percent.
PRECISE = 0.05
CHUNK = 8  # models prepared and interleaved together: bounds memory (VGG16 alone holds 0.5 GB) and lost work


@dataclass(frozen=True)
class Latency:
    """One model's measured latency per call (ms), as timed now or as saved by an earlier `pick`."""

    model: str
    median_ms: float
    samples_ms: tuple[float, ...]  # raw per-call samples, in the order taken
    round_sizes: tuple[int, ...]  # samples per interleaved round: they split samples_ms into rounds
    mult_adds: int  # per image, the paper's convention (conv + FC multiply-accumulates)
    params: int  # every learnable parameter
    weights: int  # conv and FC weights only (the paper's parameter convention)
    flags: tuple[Flag, ...]  # UNSTABLE, BUSY, SLOW, ... as decided when the row was made (timing.flags)
    utc: str  # when the run that took it started
    reused: bool  # read back from an earlier run (True) or measured by this one (False)
    source: str  # the run file it is saved in ("" when it could not be saved)

    @cached_property
    def ci_ms(self) -> tuple[float, float]:
        """The median's 95% interval (ms), once per row: `pick` shows it, fits by its upper end, trusts by it."""
        return median_ci(self.samples_ms, self.round_sizes)

    def precise(self) -> bool:
        """Whether the median's 95% CI lies within ±PRECISE of the median."""
        low, high = self.ci_ms
        return low >= self.median_ms * (1 - PRECISE) and high <= self.median_ms * (1 + PRECISE)

    @property
    def distrusted(self) -> tuple[Flag, ...]:
        """The flags that keep the row from being picked by: every UNSTABLE, BUSY and SLOW flag, except that a
        spread (CV) or a busy machine is excused when the median is precise all the same (:data:`PRECISE`): the
        interval says how much to trust it. Too few or too short samples, or a slow machine, never are."""
        kept = tuple(flag for flag in self.flags if flag.label in ("UNSTABLE", "BUSY", "SLOW"))
        excusable = {"spread", "busy"}
        if any(flag.kind in excusable for flag in kept) and self.precise():
            kept = tuple(flag for flag in kept if flag.kind not in excusable)
        return kept

    @property
    def untrusted(self) -> str:
        """Why the row is not trusted (noisy, busy, slow), in words; "" when it is trusted."""
        return "; ".join(flag.text() for flag in self.distrusted)

    @classmethod
    def from_record(cls, record: dict, reused: bool, source: str) -> Latency:
        return cls(
            model=record["model"],
            median_ms=float(record["median_ms"]),
            samples_ms=tuple(float(s) for s in record["samples_ms"]),
            round_sizes=tuple(int(n) for n in record.get("round_sizes") or [len(record["samples_ms"])]),
            mult_adds=int(record["mult_adds"]),
            params=int(record["params"]),
            weights=int(record["weights"]),
            flags=of_record(record),
            utc=str(record.get("utc") or ""),
            reused=reused,
            source=source,
        )


def _present(value: object) -> bool:
    return value is not None and value == value and value != ""  # NaN and "" mean absent


def identity(config: TimingConfig) -> dict:
    """The fields a saved row must match to be reused: this machine, this software, this configuration."""
    threads = set_threads(config.threads)  # the number the engine sets and records (it sets it again to time)
    env = results.environment(threads)
    return {
        **{key: env[key] for key in MACHINE_FIELDS},
        **software_versions(),
        "device": str(config.device),
        "backend": str(config.backend),
        "dtype": str(config.dtype),
        "batch": config.batch,
        "threads": threads,
        "channels_last": config.channels_last,
        "pick_fold_bn": config.fold_bn,
        "classes": 1000,
    }


def _same(stored: object, wanted: object) -> bool:
    if not _present(stored):
        return wanted is None
    return stored == wanted


def reusable(results_dir: Path, config: TimingConfig, names: Sequence[str], rounds: int) -> dict[str, Latency]:
    """The newest trusted row `pick` saved under `results_dir` for each of `names` that matches :func:`identity`,
    by model name; models without one are left out."""
    folder = Path(results_dir)
    if not folder.is_dir():
        return {}
    frame = results.load_results(folder)
    if frame.empty or MIN_TIME_FIELD not in frame.columns:
        return {}
    wanted, names = identity(config), set(names)
    found: dict[str, tuple[str, dict]] = {}
    for record in frame.to_dict("records"):
        if record["model"] not in names or not _reusable(record, wanted, config, rounds):
            continue
        utc = str(record.get("utc") or "")
        if record["model"] not in found or utc > found[record["model"]][0]:
            found[record["model"]] = (utc, record)
    return {name: Latency.from_record(record, True, record["source"]) for name, (_, record) in found.items()}


def _reusable(record: dict, wanted: dict, config: TimingConfig, rounds: int) -> bool:
    if not _present(record.get(MIN_TIME_FIELD)) or float(record[MIN_TIME_FIELD]) < config.min_time_s:
        return False
    if not _present(record.get("rounds")) or int(record["rounds"]) < rounds:
        return False
    if not all(_present(record.get(k)) for k in ("samples_ms", "params", "weights", "mult_adds")):
        return False
    if not all(_same(record.get(key), value) for key, value in wanted.items()):
        return False
    return not Latency.from_record(record, True, "").untrusted  # UNSTABLE or BUSY with a precise median is trusted


def time_candidates(
    specs: Sequence[ModelSpec],
    costs: Sequence[Cost],
    config: TimingConfig,
    results_dir: Path | None,
    rounds: int,
    retakes: int,
    progress: Progress | None = None,
) -> dict[str, Latency]:
    """Time each model (cheapest first, CHUNK at a time, in interleaved rounds) with a validated `config`; re-take
    the UNSTABLE, BUSY or SLOW ones up to `retakes` times; save every row under `results_dir` (None: do not save).

    Returns each model's last row. Ctrl-C propagates; the rows finished before it are saved."""
    report = progress or (lambda done, total, doing: None)
    run_file = None
    if results_dir is not None:
        env = results.environment(set_threads(config.threads))
        run_file = results.RunFile(results.run_path(results_dir), env)
    latest: dict[str, Latency] = {}
    todo = sorted(zip(specs, costs, strict=True), key=lambda pair: pair[1].mult_adds)
    done, total = 0, len(todo) * rounds
    for attempt in range(retakes + 1):
        for start in range(0, len(todo), CHUNK):
            group = todo[start : start + CHUNK]
            label = "" if attempt == 0 else "re-taking "

            def step(n: int, _of: int, doing: str, offset: int = done, total: int = total, label: str = label) -> None:
                report(offset + n, total, f"{label}{doing}")

            run = time_runs([s for s, _ in group], [config], None, step, [c for _, c in group], checked=True,
                            rounds=rounds)  # fmt: skip
            for row, (spec, cost) in zip(run.rows, group, strict=False):
                latest[spec.name] = _keep(row, spec, cost, config, run_file, attempt)
            if run.interrupted:
                raise KeyboardInterrupt
            done += len(group) * rounds
        todo = [(spec, cost) for spec, cost in todo if latest[spec.name].untrusted]
        total += len(todo) * rounds if attempt < retakes else 0
        if not todo:
            break
    return latest


def _keep(row: TimingRow, spec: ModelSpec, cost: Cost, config: TimingConfig, run_file, attempt: int) -> Latency:
    """The row as saved (with what reuse needs), appended to the run file at once."""
    record = {
        **row.record(),
        "classes": spec.num_classes,
        "params": cost.params,
        "weights": cost.weights,
        MIN_TIME_FIELD: config.min_time_s,
        "pick_fold_bn": config.fold_bn,
        "pick_attempt": attempt + 1,
    }
    saved = run_file is not None and run_file.add(record)
    record["utc"] = run_file.env["utc"] if run_file is not None else results.utc_now().isoformat(timespec="seconds")
    return Latency.from_record(record, False, run_file.path.name if saved else "")


def median_ci(samples_ms: Sequence[float], round_sizes: Sequence[int]) -> tuple[float, float]:
    """A 95% interval of the median per-call time (ms) over :data:`.stats.WINDOWS` windows of consecutive rounds
    (:func:`mnv1_bench.timing.stats.median_ci`): rounds close in time share the machine's state, so they are never
    taken as independent. NaN when the rounds do not split the samples, or there are fewer than two rounds."""
    sizes = [n for n in (round_sizes or (len(samples_ms),)) if n > 0]
    if len(sizes) < 2 or sum(sizes) != len(samples_ms):
        return math.nan, math.nan
    return stats.median_ci(stats.windows(split_rounds(samples_ms, sizes)))
