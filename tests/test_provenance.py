"""The environment record, atomic per-row saving, and loading every saved row back."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mnv1_bench import environment
from mnv1_bench.environment import available_cores, git_commit
from mnv1_bench.errors import Trouble
from mnv1_bench.store import runs as results

REPO = Path(__file__).resolve().parent.parent


def test_environment_record():
    env = results.environment(3, argv=["mnv1-bench", "time", "mobilenet", "--batch", "1,32"])
    assert set(results.ENV_FIELDS) <= set(env)
    assert env["command"] == "mnv1-bench time mobilenet --batch 1,32"
    assert env["env_threads"] == 3
    assert env["hostname"] == socket.gethostname()
    assert env["cpu_cores"] == os.cpu_count()
    datetime.fromisoformat(env["utc"])  # parses
    assert env["utc"].endswith("+00:00")
    import torch

    assert env["torch"].split("+")[0] == torch.__version__.split("+")[0]
    assert env["gpu_name"] is None or torch.cuda.is_available()


def test_git_commit_is_the_checkout_head():
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip("not a git checkout")
    assert environment.git_commit().split("-")[0] == head.stdout.strip()


def test_git_commit_outside_a_checkout_is_none(tmp_path):
    assert environment.git_commit(tmp_path) is None


def test_run_path_names_time_and_host(tmp_path):
    when = datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    path = results.run_path(tmp_path, when, host="gpu box/1")
    assert path == tmp_path / "time-20250304T050607Z-gpu-box-1.jsonl"


def test_each_added_row_is_persisted_whole(tmp_path):
    path = tmp_path / "results" / "time-x.jsonl"
    run = results.RunFile(path, {"hostname": "h", "command": "c"})
    run.add({"model": "a", "median_ms": 1.0})
    assert [json.loads(line)["model"] for line in path.read_text().splitlines()] == ["a"]
    run.add({"model": "b", "median_ms": 2.0})
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["model"] for r in rows] == ["a", "b"] and all(r["hostname"] == "h" for r in rows)


def test_an_interrupted_write_keeps_the_rows_before_it_and_no_half_line(tmp_path, monkeypatch):
    path = tmp_path / "time-x.jsonl"
    run = results.RunFile(path, {})
    run.add({"model": "a", "median_ms": 1.0})
    real_write = os.write

    def interrupted(fd, data):
        real_write(fd, bytes(data[:5]))
        raise KeyboardInterrupt

    monkeypatch.setattr(results.os, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run.add({"model": "b", "median_ms": 2.0})
    assert [json.loads(line)["model"] for line in path.read_text().splitlines()] == ["a"]
    assert [p.name for p in tmp_path.iterdir()] == ["time-x.jsonl"]  # no temp file left behind


def test_load_results_reads_every_run(tmp_path):
    for name, models in (("time-1-a.jsonl", ["m1", "m2"]), ("time-2-b.jsonl", ["m3"])):
        run = results.RunFile(tmp_path / name, {"hostname": name, "git_commit": "abc"})
        for model in models:
            run.add({"model": model, "device": "cpu", "median_ms": 1.5, "samples_ms": [1.0, 2.0]})
    (tmp_path / "time-3-c.jsonl").write_text('{"model": "m4", "median_ms": 3}\nnot json\n')
    (tmp_path / "gpu-check-x.txt").write_text("not rows")
    with pytest.warns(Trouble, match=r"skipped 1 of 2 rows \(line 2: not JSON\) in .*time-3-c.jsonl") as caught:
        frame = results.load_results(tmp_path)
    assert len(caught) == 1  # one warning, for the one file with a bad line
    assert sorted(frame["model"]) == ["m1", "m2", "m3", "m4"]
    assert set(frame["source"]) == {"time-1-a.jsonl", "time-2-b.jsonl", "time-3-c.jsonl"}
    assert frame.loc[frame["model"] == "m3", "hostname"].item() == "time-2-b.jsonl"


def test_load_results_of_an_empty_folder(tmp_path):
    frame = results.load_results(tmp_path / "missing")
    assert frame.empty and {"model", "median_ms", "hostname", "git_commit"} <= set(frame.columns)


def test_available_cores_without_an_affinity_mask(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert available_cores() == 3
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert available_cores() == 1


def _git(repo, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


def test_git_commit_marks_modified_tracked_files_dirty(tmp_path):
    _git(tmp_path, "init", "-q")
    (tmp_path / "tracked.txt").write_text("one\n")
    _git(tmp_path, "add", "tracked.txt")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "first")
    head = _git(tmp_path, "rev-parse", "HEAD")
    assert len(head) == 40
    assert git_commit(tmp_path) == head
    (tmp_path / "untracked.txt").write_text("new\n")
    assert git_commit(tmp_path) == head  # untracked files do not change what was measured
    (tmp_path / "tracked.txt").write_text("two\n")
    assert git_commit(tmp_path) == f"{head}-dirty"
