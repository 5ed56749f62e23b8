"""What a command loads: `mnv1-bench --help` imports no command, and `flops` on a paper network imports neither
another command, the timing package nor a runtime (onnxruntime, openvino, timm). Each case runs in a fresh
interpreter, since this one has imported everything already."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from mnv1_bench.cli import COMMANDS, app

# What `flops mobilenet` needs: the CLI and its rendering, the counting package, the registry with the paper's
# networks and MobileNet, the paper's figures, and the run-file store the CLI records saves with.
MAX_FLOPS_MODULES = 26
RUNTIMES = ("onnxruntime", "openvino", "timm")

LOADED = """
import json, sys
from mnv1_bench.cli import app
code = app(sys.argv[1:], standalone_mode=False)
ours = sorted(m for m in sys.modules if m.startswith("mnv1_bench"))
print("LOADED " + json.dumps({"code": code, "ours": ours, "others": [m for m in sys.modules if "." not in m]}))
"""


def loaded(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", LOADED, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("LOADED ")]
    return json.loads(line.removeprefix("LOADED "))


def command_modules(ours: list[str]) -> set[str]:
    return {m for m in ours if m.removeprefix("mnv1_bench.cli.") in {module for module, _, _ in COMMANDS.values()}}


def test_help_imports_no_command_and_no_torch():
    seen = loaded("--help")
    assert seen["code"] == 0
    assert not command_modules(seen["ours"]), seen["ours"]
    assert "torch" not in seen["others"] and not any(m.startswith("mnv1_bench.timing") for m in seen["ours"])


def test_flops_on_a_paper_network_loads_only_what_counting_needs():
    seen = loaded("flops", "mobilenet", "--format", "json")
    assert seen["code"] == 0
    assert command_modules(seen["ours"]) == {"mnv1_bench.cli.flops"}
    assert not any(m.startswith("mnv1_bench.timing") for m in seen["ours"]), seen["ours"]
    assert not set(RUNTIMES) & set(seen["others"])
    assert len(seen["ours"]) <= MAX_FLOPS_MODULES, seen["ours"]


def test_help_lists_every_command_with_the_first_sentence_of_its_docstring():
    group = typer.main.get_command(app)
    result = CliRunner().invoke(app, ["--help"], terminal_width=200)
    rows = [line.split(maxsplit=1) for line in result.stdout.split("Commands:")[1].splitlines() if line.strip()]
    assert [name for name, _ in rows] == list(COMMANDS)
    for name, (_, _, first) in COMMANDS.items():
        command = group.get_command(None, name)
        assert command.get_short_help_str(10**6) == first, name
        assert first in result.stdout


@pytest.mark.parametrize("typo", ["flop", "tabels"])
def test_a_mistyped_command_is_still_answered_with_the_closest(typo):
    result = CliRunner().invoke(app, [typo])
    assert result.exit_code == 2 and "Did you mean" in result.stderr
