"""What several commands share: comma-list options, names resolved once, numbers and folders checked, progress
bars on stderr (the timed path of compare, sweep, tables and proxy: :mod:`.timed`). Command modules import from
here and from :mod:`.timed`, never from each other."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from typing import TYPE_CHECKING, TypeVar

import typer

from mnv1_bench.cli.render import Column, stderr_console, warn, word
from mnv1_bench.errors import UsageProblem
from mnv1_bench.formatting import threads_text as threads_text  # re-exported: the commands import it from here

if TYPE_CHECKING:
    from pathlib import Path

    from mnv1_bench.models.registry import ModelSpec
    from mnv1_bench.timing.run import Progress

T = TypeVar("T")
E = TypeVar("E", bound=Enum)
MAX_BATCH = 65_536  # images per call; larger is refused before any memory estimate could overflow
MAX_THREADS = 65_536  # what the option parser takes at all; threads_checked() holds it to the cores here
THREADS_PER_CORE = 4  # --threads beyond this many per core is refused; beyond one per core, warned and flagged


def comma_list(option: str, value: str, parse: Callable[[str], T], wanted: str) -> list[T]:
    """ "a, b,a" -> [parse("a"), parse("b")]: duplicates dropped and said, order kept; an empty item ("1,,2",
    "1,") is refused, since it is most likely a value left out; `parse` raises UsageProblem for a bad item;
    `wanted` says what the option takes, for the message when it is empty."""
    items = [v.strip() for v in value.split(",")]
    if not any(items):
        raise UsageProblem(f"{option} needs at least one of {wanted}")
    if not all(items):
        raise UsageProblem(f"{option} has an empty item in {value!r}: give {wanted} separated by single commas")
    return drop_repeats(option, [parse(item) for item in items])


def drop_repeats(option: str, values: list[T], name: Callable[[T], str] = str) -> list[T]:
    """`values` with repeats dropped (order kept), saying on stderr which were given more than once."""
    unique = list(dict.fromkeys(values))
    repeated = [name(v) for v in unique if values.count(v) > 1]
    if repeated:
        warn(f"{option}: {', '.join(repeated)} given more than once; each is used once")
    return unique


def unique_specs(
    option: str, names: Sequence[str], num_classes: int = 1000, shape: tuple[int, int, int] | None = None
) -> list[ModelSpec]:
    """Each name resolved (all of them, before anything is built), for `shape` (C, H, W) where given, else at
    each network's own input; networks named twice kept once and said."""
    from mnv1_bench.models.registry import resolve

    resolved = [resolve(name, num_classes, shape) for name in names]
    by_name: dict[str, ModelSpec] = {}
    for spec in resolved:
        by_name.setdefault(spec.name, spec)
    return [by_name[name] for name in drop_repeats(option, [spec.name for spec in resolved])]


def input_shape_option(res: int | None, input_shape: str | None) -> tuple[int, int, int] | None:
    """--res or --input-shape as one image's (C, H, W); None when neither is given. Both: refused."""
    from mnv1_bench.models.sources.spec import parse_shape, square

    if res is not None and input_shape is not None:
        raise UsageProblem("give --res or --input-shape, not both")
    if input_shape is not None:
        return parse_shape(input_shape)
    return None if res is None else square(res)


def with_input_column(columns: Sequence[Column], specs: Sequence[ModelSpec]) -> tuple[Column, ...]:
    """An "Input" column after the model's where a network from outside the paper is shown: the paper's names
    say their input size (mobilenet-0.75-160, vgg16 at 224), torchvision's and timm's do not at their own."""
    if all(spec.source == "paper" for spec in specs):
        return tuple(columns)
    return (columns[0], word("input", "Input", priority=2), *columns[1:])


def whole_number(maximum: int) -> Callable[[object], int]:
    """A Typer parser for an integer option: ASCII digits only (not "²" or "١"), at most `maximum`, so that a
    value never overflows what it sizes. Lower bounds stay with the checks that name them."""

    def parse(value: object) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip()
        number = text[1:] if text.startswith("-") else text
        if not (number.isascii() and number.isdigit()):
            raise typer.BadParameter(f"takes a whole number in digits 0-9, got {text!r}")
        if int(text) > maximum:
            raise typer.BadParameter(f"takes at most {maximum:,}, got {text}")
        return int(text)

    return parse


def threads_checked(threads: int | None) -> int | None:
    """--threads: refused above THREADS_PER_CORE per core this process may use, warned above one per core."""
    from mnv1_bench.environment import available_cores

    cores = available_cores()
    if threads is not None and threads > THREADS_PER_CORE * cores:
        raise UsageProblem(f"--threads {threads} is more than {THREADS_PER_CORE} per core ({cores} cores here)")
    if threads is not None and threads > cores:
        warn(f"--threads {threads} is more than the {cores} cores here: threads will wait for each other and "
             "times will be longer than the machine can do")  # fmt: skip
    return threads


def output_folder(option: str, folder: Path) -> Path:
    """`folder`, checked (one line, exit 2) to be a folder that exists or can be made, and writable."""
    from mnv1_bench.store.runs import check_folder

    check_folder(option, folder)
    return folder


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
        if not (item.isascii() and item.isdigit()) or not 1 <= int(item) <= MAX_BATCH:
            raise UsageProblem(f"{option} takes positive integers up to {MAX_BATCH:,} separated by commas, "
                               f"got {item!r}")  # fmt: skip
        return int(item)

    return comma_list(option, value, parse, "positive integers")


@contextmanager
def progress_bar() -> Iterator[Progress]:
    """A transient bar on stderr for :func:`mnv1_bench.timing.run.time_runs` ("vgg16 eager fp32 b1  3/28")."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
               TimeElapsedColumn())  # fmt: skip
    console = stderr_console()  # no bar where stderr is not a terminal: a finished bar would leave an empty line
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("", total=None)

        def report(done: int, total: int, doing: str) -> None:
            bar.update(task, completed=done, total=total, description=doing)

        yield report


def with_progress(keys: Iterable, work: Callable, verb: str) -> dict:
    """Run ``work(keys, on_each)`` with a rich progress bar on stderr ("counting mobilenet-1.0-224 3/28")."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    keys = list(dict.fromkeys(keys))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    console = stderr_console()
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
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
