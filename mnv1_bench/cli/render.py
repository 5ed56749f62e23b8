"""Render a DataFrame as a rich table, JSON, CSV or Markdown. Results go to stdout, diagnostics to stderr.

Rich tables fit the console: every cell is shown whole (numbers are never cut), headers may wrap, and when the
console is too narrow for every column the lowest-priority columns are left out and named in a note.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

# The shared rendering vocabulary, re-exported so each command imports its columns and formatting from one place.
from mnv1_bench.formatting import (
    CONVENTION as CONVENTION,
    DELTA_TEXT as DELTA_TEXT,
    Column as Column,
    accuracy as accuracy,
    blank as blank,
    delta as delta,
    fixed as fixed,
    fraction_pct as fraction_pct,
    markdown_table,
    millions as millions,
    missing as missing,
    printed as printed,
    ratio as ratio,
    records as records,
    signed as signed,
    text as text,
    word as word,
    yes_no as yes_no,
)

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

PIPED_WIDTH = 120  # columns when stdout is not a terminal and COLUMNS is unset
MAX_WIDTH = 10_000  # a larger COLUMNS is a slip, not a screen: the fallback width is used instead
# A rich table's box: one space of padding either side of each cell, and a rule between and around columns.
CELL_PADDING, RULE = 2, 1

Wide = Annotated[
    bool, typer.Option("--wide", help="Show every column, even where the table is wider than the terminal.")
]


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"


def number(digits: int = 1):
    return fixed(digits)


def emit(
    frame: pd.DataFrame,
    fmt: Format,
    columns: Sequence[Column],
    title: str = "",
    notes: Sequence[str] = (),
    wide: bool = False,
) -> None:
    """Print one table in the chosen format; `notes` (sources, conventions) follow the table and its Markdown.

    Columns whose key the frame lacks are skipped (the paper's columns appear only where the paper has them).
    """
    shown = [column for column in columns if column.shows(frame.columns)]
    if fmt is Format.json:
        typer.echo(json.dumps(records(frame), indent=2))
    elif fmt is Format.csv:
        typer.echo(frame.to_csv(index=False), nl=False)
    elif fmt is Format.md:
        heading = f"**{title}**\n\n" if title else ""
        typer.echo(f"{heading}{markdown_table(records(frame), shown)}\n")
        for note in notes:
            typer.echo(f"{note}\n")
    else:
        print_table(records(frame), shown, title, notes, wide)


def print_table(rows: list[dict], columns: Sequence[Column], title: str, notes: Sequence[str], wide: bool) -> None:
    """A rich table that fits the console, then its notes (dim, wrapped at the console's width)."""
    from rich.console import Console

    console = stdout_console()
    terminal = console.width
    kept, widths, dropped = fit(rows, columns, terminal)
    if wide:
        kept, widths, dropped = list(columns), None, []
    needed = table_width(widths or natural_widths(rows, kept))
    if needed > console.width:  # wider than the terminal (--wide, or too many essential columns): never cut
        console = Console(width=needed)
    console.print(_rich_table(rows, kept, widths, title))
    if dropped:
        left_out = ", ".join(f"'{c.header}'" for c in dropped)
        notes = [f"Left out to fit {terminal} columns: {left_out}; --wide shows every column.", *notes]
    for note in notes:
        console.print(note, style="dim", highlight=False)


def _rich_table(rows: list[dict], columns: Sequence[Column], widths: list[int] | None, title: str) -> Table:
    from rich.table import Table

    table = Table(title=title or None, title_justify="left")
    for index, column in enumerate(columns):
        table.add_column(column.header, justify=column.align, width=None if widths is None else widths[index])
    for row in rows:
        table.add_row(*(column.cell(row) for column in columns))
    return table


def natural_widths(rows: list[dict], columns: Sequence[Column], headers: bool = True) -> list[int]:
    """Each column's width with every cell whole and on one line (and its header too, unless ``headers`` is
    False)."""
    from rich.cells import cell_len

    return [max([cell_len(column.header) if headers else 1,
                 *(cell_len(column.cell(row)) for row in rows)])
            for column in columns]  # fmt: skip


def narrowest_widths(rows: list[dict], columns: Sequence[Column]) -> list[int]:
    """Each column's width with headers and words wrapped at spaces, and every number whole (never cut)."""
    from rich.cells import cell_len

    def pieces(column: Column, value: str) -> list[str]:
        return value.split() if column.align == "left" else [value]

    return [max([*(cell_len(word) for word in column.header.split()),
                 *(cell_len(piece) for row in rows for piece in pieces(column, column.cell(row)))])
            for column in columns]  # fmt: skip


def table_width(widths: Sequence[int]) -> int:
    return sum(widths) + len(widths) * (CELL_PADDING + RULE) + RULE


def fit(rows: list[dict], columns: Sequence[Column], width: int) -> tuple[list[Column], list[int] | None, list[Column]]:
    """The columns to show within ``width``, their widths (None: as wide as they like), and those left out.

    Headers wrap first; then columns are left out, lowest priority first (the highest ``priority`` number; among
    equals, the rightmost); only when every column left is essential (priority 0) do words in cells wrap too.
    Numbers never wrap, shrink or get cut.
    """
    # Words wrap only if the essential columns cannot show every cell on one line; otherwise columns go first.
    wrap_words = table_width(_layouts(rows, [c for c in columns if c.priority == 0])[1]) > width
    kept, dropped = list(columns), []
    while True:
        natural, one_line, narrowest = _layouts(rows, kept)
        if table_width(natural) <= width:
            return kept, None, dropped
        floor = narrowest if wrap_words else one_line
        optional = [c for c in kept if c.priority > 0]
        if table_width(floor) <= width or not optional:
            return kept, _share(floor, [one_line, natural], width), dropped
        victim = max(optional, key=lambda c: (c.priority, kept.index(c)))
        kept.remove(victim)
        dropped.append(victim)


def _layouts(rows: list[dict], columns: Sequence[Column]) -> tuple[list[int], list[int], list[int]]:
    """Widths with everything on one line; with cells on one line and headers wrapped; with words wrapped too."""
    narrowest = narrowest_widths(rows, columns)
    cells = natural_widths(rows, columns, headers=False)
    return natural_widths(rows, columns), [max(c, n) for c, n in zip(cells, narrowest, strict=True)], narrowest


def _share(narrowest: list[int], wanted: Sequence[list[int]], width: int) -> list[int]:
    """Give the room beyond the narrowest layout first to the cells (so words unwrap), then to the headers;
    within each, to the columns that need least to unwrap."""
    widths = list(narrowest)
    room = width - table_width(widths)
    for target in wanted:
        for index in sorted(range(len(widths)), key=lambda i: target[i] - widths[i]):
            grow = max(0, min(room, target[index] - widths[index]))
            widths[index] += grow
            room -= grow
    return widths


def console_width() -> int:
    """COLUMNS when set to a width; else the terminal's width, or 120 when stdout is piped."""
    columns = os.environ.get("COLUMNS", "").strip()
    if is_size(columns):
        return int(columns)
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else PIPED_WIDTH


def is_size(text: str) -> bool:
    """A terminal size in ASCII digits, 1 to MAX_WIDTH ("²" passes str.isdigit() but not int())."""
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_WIDTH


@contextmanager
def terminal_size_checked() -> Iterator[None]:
    """COLUMNS and LINES set to anything but a size are set aside for the run, with one warning each (rich reads
    them with int() and would stop with a traceback), and put back afterwards."""
    set_aside = {}
    for name in ("COLUMNS", "LINES"):
        value = os.environ.get(name, "")
        if value.strip() and not is_size(value.strip()):
            set_aside[name] = os.environ.pop(name)
            warn(f"{name}={value!r} is not a size from 1 to {MAX_WIDTH:,} in digits 0-9; the terminal's own is used")
    try:
        yield
    finally:
        os.environ.update(set_aside)


def stdout_console() -> Console:
    """A rich console for results, as wide as :func:`console_width` says."""
    from rich.console import Console

    return Console(width=console_width())


def stderr_console() -> Console:
    """Progress and diagnostics go to stderr, never stdout."""
    from rich.console import Console

    return Console(stderr=True)


def warn(message: str) -> None:
    typer.echo(f"warning: {message}", err=True)
