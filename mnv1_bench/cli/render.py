"""Render a DataFrame as a rich table, JSON, CSV or Markdown. Results go to stdout, diagnostics to stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

import typer

# The shared value formatters, re-exported so each table module imports its formatting from one place.
from mnv1_bench.formatting import (
    accuracy as accuracy,
    fixed as fixed,
    millions as millions,
    missing as missing,
    signed as signed,
    yes_no as yes_no,
)

if TYPE_CHECKING:
    import pandas as pd


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    fmt: Callable[[object], str] = str


def number(digits: int = 1) -> Callable[[object], str]:
    return fixed(digits)


signed_pct = signed(1)  # +1.1%; a difference that rounds to zero shows as 0.0%, never -0.0%


def fraction_pct(v: object) -> str:
    """A fraction as a percentage: 0.126 -> 12.6%."""
    return "-" if missing(v) else f"{100 * float(v):.1f}%"


def printed(v: object) -> str:
    """A cited figure as the paper prints it (no added digits): 569, 4.2, 1.32."""
    return "-" if missing(v) else f"{float(v):g}"


def ratio(digits: int = 2) -> Callable[[object], str]:
    """27.23x; below 1, two significant digits (0.024x) so a small ratio does not read 0.0x."""
    return lambda v: "-" if missing(v) else (f"{float(v):,.{digits}f}x" if float(v) >= 1 else f"{float(v):.2g}x")


def text(v: object) -> str:
    return "-" if missing(v) else str(v)


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts with native Python numbers and None (JSON null) for missing values."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def emit(
    frame: pd.DataFrame,
    fmt: Format,
    columns: Sequence[Column],
    title: str = "",
    notes: Sequence[str] = (),
) -> None:
    """Print one table in the chosen format; `notes` (sources, conventions) follow the rich table only."""
    if fmt is Format.json:
        typer.echo(json.dumps(records(frame), indent=2))
    elif fmt is Format.csv:
        typer.echo(frame.to_csv(index=False), nl=False)
    elif fmt is Format.md:
        typer.echo(frame.astype(object).where(frame.notna(), "").to_markdown(index=False))
    else:
        from rich.table import Table

        table = Table(title=title or None, title_justify="left")
        for column in columns:
            is_text = column.fmt in (str, text)
            table.add_column(column.header, justify="left" if is_text else "right", no_wrap=is_text)
        for row in records(frame):
            table.add_row(*(column.fmt(row.get(column.key)) for column in columns))
        console = stdout_console()
        console.print(table)
        for note in notes:
            console.print(note, style="dim", highlight=False)


def stdout_console():
    """A rich console for results: the terminal's width, or wide enough not to fold tables when piped."""
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 200)


def stderr_console():
    """Progress and diagnostics go to stderr, never stdout."""
    from rich.console import Console

    return Console(stderr=True)


def warn(message: str) -> None:
    typer.echo(f"warning: {message}", err=True)
