"""Value formatters shared by the CLI's rich tables and the Markdown of the reproduced tables.

Pure and stdlib-only (no pandas import), so the CLI can use them without slowing its start-up. Counts stay
exact integers in the data; these only round when a value is shown.
"""

from __future__ import annotations

from collections.abc import Callable


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
