"""Published measurements never get worse silently: a committed section or figure is replaced only by a run that
is at least as stable, unless the user forces it.

A run's stability is how many of its rows were flagged unstable (CV over 10%, samples too short) and how many
were taken while other processes were using the CPU (busy). A run replaces what is published when it has no
busy row and no more unstable rows than the published one; with nothing published, any run is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

# The sentence a proxy section (tables/beyond.spread) or a *_timed table (tables/timed.timed_table) states its
# stability in (Stability.stated writes it): the counts are read back from it.
SPREAD = re.compile(r"over (\d+) models; (\d+) flagged unstable[^;.]*(?:; (\d+) taken while the machine was busy)?")


@dataclass(frozen=True)
class Stability:
    """How trustworthy one run is: its rows, and how many of them were flagged."""

    rows: int
    unstable: int
    busy: int

    def text(self) -> str:
        return f"{self.unstable} unstable and {self.busy} busy rows of {self.rows}"

    def stated(self, busy_counted: bool = True) -> str:
        """How a section states this stability, in the words :func:`of_section` reads back (SPREAD); without
        `busy_counted` the busy clause is left out, as in a section written before busy rows were counted."""
        busy = f"; {self.busy} taken while the machine was busy" if busy_counted else ""
        return f"over {self.rows} models; {self.unstable} flagged unstable (CV over 10%){busy}."


@dataclass(frozen=True)
class Decision:
    replace: bool
    message: str  # one line for the user: what was done and why


def of_frame(frame: pd.DataFrame) -> Stability:
    """The stability of rows with `unstable` and (when recorded) `busy` columns."""
    busy = int(frame["busy"].fillna(False).astype(bool).sum()) if "busy" in frame else 0
    return Stability(len(frame), int(frame["unstable"].fillna(False).astype(bool).sum()), busy)


def of_section(text: str | None) -> Stability | None:
    """The stability a published section states, None when there is no section or it states none. A section
    written before busy rows were counted reads as 0 busy."""
    match = SPREAD.search(text or "")
    if match is None:
        return None
    return Stability(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def decide(new: Stability, published: Stability | None, what: str, force: bool = False) -> Decision:
    """Whether a run replaces `what` (e.g. "tables/beyond_the_paper.md's cpu section"), with the reason."""
    if published is None:
        return Decision(True, f"wrote {what} (nothing was published; this run: {new.text()})")
    if force:
        return Decision(True, f"replaced {what} because of --force (this run: {new.text()}; published: "
                              f"{published.text()})")  # fmt: skip
    if new.busy == 0 and new.unstable <= published.unstable:
        return Decision(True, f"replaced {what}: this run is at least as stable ({new.text()}; published: "
                              f"{published.text()})")  # fmt: skip
    return Decision(False, f"kept {what}: this run is less stable ({new.text()}; published: {published.text()}); "
                           "rerun on a quieter machine, or pass --force to replace it")  # fmt: skip
