"""The rendering vocabulary shared by the CLI's tables and the reproduced tables' Markdown: value formatters,
one column type, one Markdown writer, and the convention every count is stated in.

Pure and light (no pandas import), so the CLI can use it without slowing its start-up. Counts stay exact
integers in the data; these only round when a value is shown.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from mnv1_bench import paper

DELTA_TEXT = (
    "Δ = measured - paper in millions, to one digit more than the paper prints (more where needed to show on "
    "which side of one unit of the paper's last printed digit it falls)"
)
MULT_ADDS_CONVENTION = (
    "mult-adds = multiply-accumulates of conv and FC layers (the paper's convention; FLOPs = 2 x mult-adds)"
)
# What every command's params and weights mean (docs/conventions.md); tables of the paper's networks, which have
# no attention, say MULT_ADDS_CONVENTION.
PARAMS_AND_WEIGHTS = (
    "params = every learnable parameter; weights = weight tensors of those layers, what the paper's params count "
    "and Δ compares"
)
CONVENTION = (
    "mult-adds = multiply-accumulates of conv, FC and attention layers (the paper's convention; FLOPs = 2 x "
    f"mult-adds); {PARAMS_AND_WEIGHTS}"
)


def missing(value: object) -> bool:
    """None, NaN, or pandas' NA (whose truth value raises TypeError, so it is caught rather than imported)."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN is the only float unequal to itself
    except TypeError:  # pd.NA != pd.NA is pd.NA, and bool(pd.NA) raises
        return True


def millions(digits: int = 1) -> Callable[[object], str]:
    """An exact count shown in millions, e.g. 568740352 -> "568.7" (digits=1)."""
    return lambda v: "-" if missing(v) else f"{float(v) / 1e6:,.{digits}f}"


def fixed(digits: int, suffix: str = "") -> Callable[[object], str]:
    return lambda v: "-" if missing(v) else f"{float(v):,.{digits}f}{suffix}"


def signed(digits: int, suffix: str = "%") -> Callable[[object], str]:
    """A difference with its sign; a value that rounds to zero shows as 0, never as "-0.0"."""

    def fmt(v: object) -> str:
        if missing(v):
            return "-"
        rounded = round(float(v), digits)
        return f"{0.0:.{digits}f}{suffix}" if rounded == 0 else f"{rounded:+.{digits}f}{suffix}"

    return fmt


def yes_no(value: object) -> str:
    return "-" if missing(value) else ("yes" if value else "no")


def accuracy(value: object) -> str:
    """A cited accuracy in percent, as printed: 70.6%."""
    return "-" if missing(value) else f"{float(value):g}%"


def text(value: object) -> str:
    return "-" if missing(value) or value == "" else str(value)


def blank(value: object) -> str:
    """Words where a missing value means "nothing to say" (a flag not raised), shown as an empty cell."""
    return "" if missing(value) else str(value)


def fraction_pct(v: object) -> str:
    """A fraction as a percentage: 0.126 -> 12.6%."""
    return "-" if missing(v) else f"{100 * float(v):.1f}%"


def printed(v: object) -> str:
    """A cited figure (a :class:`mnv1_bench.paper.Printed`) as the paper prints it: 569, 4.2, 1.32."""
    return "-" if missing(v) else str(v)


def ratio(significant: int = 3) -> Callable[[object], str]:
    """A ratio at the same significant figures whatever its size: 27.2x, 2.78x, 0.141x, 0.0412x (three)."""

    def fmt(v: object) -> str:
        if missing(v):
            return "-"
        value = float(v)
        magnitude = math.floor(math.log10(abs(value))) if value else 0
        return f"{value:,.{max(0, significant - 1 - magnitude)}f}x"

    return fmt


def printed_delta(measured: float, printed: paper.Printed) -> str:
    """measured - printed, both in the printed unit (e.g. millions), with one digit more than the paper prints, and
    more where needed so the shown difference is on the same side of one unit of the last printed digit as the
    agreement verdict (:meth:`mnv1_bench.paper.Printed.agrees`): 4,867.3 vs "4866" -> "+1.3", never "0.0" beside
    "no"."""
    unit, difference, agrees = printed.resolution, printed.delta(measured), printed.agrees(measured)
    digits = max(0, -round(math.log10(unit))) + 1
    while digits < 9 and (abs(round(difference, digits)) < unit) != agrees:
        digits += 1
    shown = round(difference, digits)
    return f"{0:.{digits}f}" if shown == 0 else f"{shown:+,.{digits}f}"


def delta(measured_key: str, printed_key: str, scale: float = 1e6) -> Callable[[dict], str]:
    """A row's measured count (``measured_key``, in units) minus its printed figure (``printed_key``, a
    :class:`mnv1_bench.paper.Printed` in millions when ``scale`` is 1e6), shown by :func:`printed_delta`; "-" where
    the paper prints nothing."""

    def value(record: dict) -> str:
        measured, printed = record.get(measured_key), record.get(printed_key)
        return "-" if missing(measured) or missing(printed) else printed_delta(float(measured) / scale, printed)

    return value


@dataclass(frozen=True)
class Column:
    """One column of a table, in every format: the data's key, its header (with unit and source), a formatter.

    ``priority`` says what goes first when a terminal is too narrow for every column: 0 is essential and always
    shown; higher numbers are left out first (and listed in a note; ``--wide`` shows them).
    """

    key: str
    header: str
    fmt: Callable[[object], str] = text
    align: str = "right"  # "left" for words, "right" for numbers
    priority: int = 0
    value: Callable[[dict], object] | None = None  # a value drawn from the whole row, where ``key`` is not enough

    def cell(self, record: dict) -> str:
        """This column's text for one row."""
        return self.fmt(record.get(self.key) if self.value is None else self.value(record))

    def shows(self, keys: Iterable[str]) -> bool:
        """Whether a frame with these keys has this column's data."""
        return self.value is not None or self.key in keys


def word(key: str, header: str, fmt: Callable[[object], str] = text, priority: int = 0) -> Column:
    """A left-aligned column of words."""
    return Column(key, header, fmt, "left", priority)


def threads_text(threads: int) -> str:
    """ "1 thread", "2 threads"."""
    return f"{threads} thread" + ("" if threads == 1 else "s")


def records(frame) -> list[dict]:
    """A DataFrame's rows as plain dicts with native Python numbers and None (JSON null) for missing values."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def cells(records: Iterable[dict], columns: Sequence[Column]) -> list[list[str]]:
    """Each record's values, formatted as its columns show them."""
    return [[column.cell(record) for column in columns] for record in records]


def markdown_table(records: Iterable[dict], columns: Sequence[Column]) -> str:
    """A pipe table of the formatted values, numbers right-aligned, headers as declared (they may repeat)."""
    from tabulate import tabulate

    # disable_numparse: tabulate would otherwise re-read "+0.72" or "4.20" as numbers and reformat them.
    return tabulate(
        cells(records, columns),
        headers=[column.header for column in columns],
        tablefmt="pipe",
        disable_numparse=True,
        colalign=[column.align for column in columns],
    )
