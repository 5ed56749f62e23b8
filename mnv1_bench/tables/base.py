"""A reproduced table: raw values for CSV, how Markdown shows them, and the notes that explain differences.

Counts stay exact integers in ``frame`` (and so in the CSV); rounding to millions happens only in Markdown.
The paper's figures are kept as :class:`mnv1_bench.paper.Printed`, written as the text it printed, so their
precision is never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from mnv1_bench.counting.frames import diff_pct as diff_pct

# The shared rendering vocabulary, re-exported so each table module imports it from one place.
from mnv1_bench.formatting import (
    DELTA_TEXT as DELTA_TEXT,
    Column as Column,
    accuracy as accuracy,
    delta as delta,
    fixed as fixed,
    markdown_table,
    millions as millions,
    missing as missing,
    printed_delta as printed_delta,
    signed as signed,
    text as text,
    word as word,
    yes_no as yes_no,
)


@dataclass(frozen=True)
class PaperTable:
    """One of the paper's tables, reproduced: ``frame`` feeds the CSV, ``columns`` the Markdown."""

    number: int  # the paper's table number
    title: str  # the paper's caption
    source: str  # one line: where each column comes from and in which convention
    frame: pd.DataFrame
    columns: tuple[Column, ...]
    notes: tuple[str, ...]  # errata and every difference beyond the paper's rounding, with its reason
    compared: int | None = None  # rows compared with the paper (None: nothing to compare)
    misses: tuple[str, ...] = ()  # the rows that do not agree at the paper's printed precision

    @property
    def stem(self) -> str:
        return f"table{self.number}"

    def markdown(self) -> str:
        """The table as Markdown: caption, source line, pipe table, then the notes as a list."""
        grid = markdown_table(self.frame.to_dict("records"), self.columns)
        lines = [f"# Table {self.number}: {self.title}", "", self.source, "", grid]
        if self.notes:
            lines += ["", "Notes:", ""] + [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"

    def csv(self) -> str:
        return self.frame.to_csv(index=False, lineterminator="\n")


def rounded(values: Sequence[float | None], digits: int = 4) -> list[float | None]:
    """Floats for the CSV, rounded so the files do not carry floating-point noise."""
    return [None if missing(v) else round(float(v), digits) for v in values]
