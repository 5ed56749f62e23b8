"""`tables` writes all or nothing: a full disk part way leaves the folder as it was, with no temporary files."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from typer.testing import CliRunner

from mnv1_bench.cli import app
from mnv1_bench.tables import generate as gen

COMMITTED = Path(__file__).resolve().parents[1] / "tables"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_full_disk_while_writing_the_index_leaves_the_old_set_untouched(tmp_path, monkeypatch):
    out = tmp_path / "tables"
    shutil.copytree(COMMITTED, out)
    (out / "table2.md").write_text("an older table 2\n")  # a set that differs from what would be written
    before = snapshot(out)

    def full_disk(path, text):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(gen, "write_text", full_disk)  # the index, written last
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["tables", "--out", str(out), "--results", str(tmp_path / "none")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("mnv1-bench: error: could not write: ") and line.endswith("No space left on device")
    assert snapshot(out) == before  # neither a new table 2 nor a stale mix, and no staging folder or .tmp left
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_a_successful_run_moves_every_file_into_place(tmp_path):
    out = tmp_path / "tables"
    generated = gen.generate(out, tmp_path / "none")
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in generated.files) and all(p.parent == out for p in generated.files)
    assert snapshot(out)["table2.md"] == (COMMITTED / "table2.md").read_bytes()
