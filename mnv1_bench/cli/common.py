"""What several commands share: comma-list options, the batch-1 --time configuration, progress bars on stderr,
Markdown with formatted columns. Command modules import from here, never from each other."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import TYPE_CHECKING, TypeVar

from mnv1_bench.choices import Device
from mnv1_bench.cli.render import stderr_console
from mnv1_bench.errors import UsageProblem
from mnv1_bench.formatting import threads_text as threads_text  # re-exported: the commands import it from here

if TYPE_CHECKING:
    from mnv1_bench.timing.config import TimingConfig
    from mnv1_bench.timing.run import Progress

T = TypeVar("T")
E = TypeVar("E", bound=Enum)


def comma_list(option: str, value: str, parse: Callable[[str], T], wanted: str) -> list[T]:
    """ "a, b,a" -> [parse("a"), parse("b")]: blanks and duplicates dropped, order kept; `parse` raises
    UsageProblem for a bad item; `wanted` says what the option takes, for the message when it is empty."""
    items = [v.strip() for v in value.split(",") if v.strip()]
    if not items:
        raise UsageProblem(f"{option} needs at least one of {wanted}")
    return list(dict.fromkeys(parse(item) for item in items))


def choice_list(option: str, value: str, choices: type[E]) -> list[E]:
    """ "eager,onnxruntime" -> [Backend.eager, Backend.onnxruntime], each checked against `choices`."""
    names = ", ".join(c.value for c in choices)

    def parse(item: str) -> E:
        try:
            return choices(item.lower())
        except ValueError:
            raise UsageProblem(f"{option}: unknown value {item.lower()!r}; choose from {names}") from None

    return comma_list(option, value, parse, names)


def positive_int_list(option: str, value: str) -> list[int]:
    """ "1,32" -> [1, 32]; each a positive integer."""

    def parse(item: str) -> int:
        if not item.isdigit() or int(item) < 1:
            raise UsageProblem(f"{option} takes positive integers separated by commas, got {item!r}")
        return int(item)

    return comma_list(option, value, parse, "positive integers")


def timing_config(device: Device, min_time: float, threads: int | None) -> TimingConfig:
    """The --time options' batch-1 fp32 eager configuration, validated before anything is built or timed."""
    from mnv1_bench.timing.config import TimingConfig
    from mnv1_bench.timing.run import validate

    config = TimingConfig(device=device, batch=1, min_time_s=min_time, threads=threads)
    validate(config)
    return config


@contextmanager
def progress_bar() -> Iterator[Progress]:
    """A transient bar on stderr for :func:`mnv1_bench.timing.run.time_runs` ("vgg16 eager fp32 b1  3/28")."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=stderr_console(), transient=True) as bar:
        task = bar.add_task("", total=None)

        def report(done: int, total: int, doing: str) -> None:
            bar.update(task, completed=done, total=total, description=doing)

        yield report


def with_progress(keys: Iterable, work: Callable, verb: str) -> dict:
    """Run ``work(keys, on_each)`` with a rich progress bar on stderr ("counting mobilenet-1.0-224 3/28")."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    keys = list(dict.fromkeys(keys))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr_console(), transient=True) as progress:
        task = progress.add_task(f"{verb} {key_name(keys[0])}" if keys else verb, total=len(keys))

        def on_each(key) -> None:
            done = keys.index(key) + 1
            following = f" {key_name(keys[done])}" if done < len(keys) else ""
            progress.update(task, completed=done, description=f"{verb}{following}")

        return work(keys, on_each)


def key_name(key: tuple[str, int]) -> str:
    """A (model, classes) key as the user reads it: "vgg16", or "mobilenet (1001 classes)"."""
    name, classes = key
    return name if classes == 1000 else f"{name} ({classes} classes)"
