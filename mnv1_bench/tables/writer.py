"""Write tables to disk: Markdown and CSV of each, atomically (a temporary file, then os.replace)."""

from __future__ import annotations

import os
from pathlib import Path

from mnv1_bench.tables.base import PaperTable


def write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text with Unix newlines so a reader never sees a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    os.replace(tmp, path)
    return path


def write_table(table: PaperTable, out: Path, suffix: str = "") -> list[Path]:
    """tableN.md and tableN.csv (``suffix`` "_timed" for the machine-dependent timed versions)."""
    stem = f"{table.stem}{suffix}"
    return [write_text(out / f"{stem}.md", table.markdown()), write_text(out / f"{stem}.csv", table.csv())]
