"""A reproduced table: raw values for CSV, how Markdown shows them, and the notes that explain differences.

Counts stay exact integers in ``frame`` (and so in the CSV); rounding to millions happens only in Markdown.
The paper's figures are kept as the strings it printed, so their precision is never lost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

# The shared value formatters, re-exported so each table module imports its formatting from one place.
from mnv1_bench.formatting import (
    accuracy as accuracy,
    fixed as fixed,
    millions as millions,
    missing as missing,
    signed as signed,
    yes_no as yes_no,
)


@dataclass(frozen=True)
class Col:
    """One Markdown column: the frame's key, its header (with unit and source), and a formatter."""

    key: str
    header: str
    fmt: Callable[[object], str] = str
    align: str = "right"  # "left" for words, "right" for numbers


@dataclass(frozen=True)
class PaperTable:
    """One of the paper's tables, reproduced: ``frame`` feeds the CSV, ``columns`` the Markdown."""

    number: int  # the paper's table number
    title: str  # the paper's caption
    source: str  # one line: where each column comes from and in which convention
    frame: pd.DataFrame
    columns: tuple[Col, ...]
    notes: tuple[str, ...]  # errata and every difference beyond the paper's rounding, with its reason
    compared: int | None = None  # rows compared with the paper (None: nothing to compare)
    misses: tuple[str, ...] = ()  # the rows that do not agree at the paper's printed precision

    @property
    def stem(self) -> str:
        return f"table{self.number}"

    def markdown(self) -> str:
        """The table as Markdown: caption, source line, pipe table, then the notes as a list."""
        cells = [[c.fmt(record[c.key]) for c in self.columns] for record in self.frame.to_dict("records")]
        body = pd.DataFrame(cells, columns=[c.header for c in self.columns])  # headers may repeat ("Δ")
        # disable_numparse: tabulate would otherwise re-read "+0.72" or "4.20" as numbers and reformat them.
        grid = body.to_markdown(index=False, disable_numparse=True, colalign=[c.align for c in self.columns])
        lines = [f"# Table {self.number}: {self.title}", "", self.source, "", grid]
        if self.notes:
            lines += ["", "Notes:", ""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"

    def csv(self) -> str:
        return self.frame.to_csv(index=False, lineterminator="\n")


def text(value: object) -> str:
    return "-" if missing(value) or value == "" else str(value)


def word(key: str, header: str, fmt: Callable[[object], str] = text) -> Col:
    """A left-aligned column of words."""
    return Col(key, header, fmt, "left")


def diff_pct(measured: float, printed: str | None) -> float | None:
    """(measured - printed) / printed in percent, both in the printed unit; None where nothing is printed."""
    if printed is None or float(printed) == 0:
        return None
    return 100.0 * (measured - float(printed)) / float(printed)


def rounded(values: Sequence[float | None], digits: int = 4) -> list[float | None]:
    """Floats for the CSV, rounded so the files do not carry floating-point noise."""
    return [None if missing(v) else round(float(v), digits) for v in values]
