"""`tables` writes all or nothing: a full disk part way leaves the folder as it was, with no temporary files."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from typer.testing import CliRunner

from mnv1_bench.cli import app
from mnv1_bench.tables import generate as gen
from mnv1_bench.timing.flags import Flag
from mnv1_bench.timing.rows import TimingRow

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
    (tmp_path / "none").mkdir()
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


def _timed_row(model: str, unstable: bool = False, busy: bool = False) -> TimingRow:
    samples = (10.0, 10.2, 9.8, 10.1, 9.9)
    marks = (Flag("spread", 0.2, 0.1),) * unstable + (Flag("busy", 1.0, 0.25),) * busy
    return TimingRow(
        model=model, device="cpu", backend="eager", dtype="fp32", batch=1, threads=1, samples_ms=samples,
        mult_adds=1, compute_floor_ms=None, memory_floor_ms=None, settings="", flags=marks,
    )  # fmt: skip


def _timings(busy: bool = False) -> dict:
    models = ("conv-mobilenet-1.0-224", "mobilenet-1.0-224")  # Table 4's two rows
    return {(m, 1000): _timed_row(m, unstable=i == 0, busy=busy) for i, m in enumerate(models)}


def test_timed_tables_are_replaced_only_by_a_run_at_least_as_stable(tmp_path):
    out = tmp_path / "tables"
    first = gen.generate(out, tmp_path / "none", _timings(), "cpu (test)")
    published = (out / "table4_timed.md").read_text()
    assert (
        "Stability: over 2 models; 1 flagged unstable (CV over 10%); 0 taken while the machine was busy." in published
    )
    assert any(d.startswith(f"wrote {out / 'table4_timed.md'}") for d in first.decisions)

    busy = gen.generate(out, tmp_path / "none", _timings(busy=True), "cpu (busy)")
    assert (out / "table4_timed.md").read_text() == published  # a busy run never replaces a published table
    (said,) = [d for d in busy.decisions if "table4_timed.md" in d]
    assert said.startswith("kept ") and "less stable" in said and "--force" in said

    forced = gen.generate(out, tmp_path / "none", _timings(busy=True), "cpu (busy)", force=True)
    assert "2 taken while the machine was busy" in (out / "table4_timed.md").read_text()
    assert any(d.startswith("replaced ") and "--force" in d for d in forced.decisions)
