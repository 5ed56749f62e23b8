"""Write tables to disk: Markdown and CSV of each, atomically (:func:`mnv1_bench.files.write_atomic`)."""

from __future__ import annotations

from pathlib import Path

from mnv1_bench.files import write_atomic
from mnv1_bench.tables.base import PaperTable


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text with Unix newlines so a reader never sees a half-written file."""
    return write_atomic(path, text)


def write_table(table: PaperTable, out: Path, suffix: str = "") -> list[Path]:
    """tableN.md and tableN.csv (``suffix`` "_timed" for the machine-dependent timed versions)."""
    stem = f"{table.stem}{suffix}"
    return [write_text(out / f"{stem}.md", table.markdown()), write_text(out / f"{stem}.csv", table.csv())]
