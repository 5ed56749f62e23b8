"""The library's errors name its own parameters (min_time_s, num_classes); the CLI alone says which option gave
each (--min-time, --classes), through one mapping, cli.options.FLAGS."""

from __future__ import annotations

from dataclasses import replace

import pytest
import typer
from typer.testing import CliRunner

from mnv1_bench.cli import COMMANDS, app
from mnv1_bench.cli.options import FLAGS, flagged
from mnv1_bench.errors import ModelNameError, UsageProblem
from mnv1_bench.models.registry import resolve
from mnv1_bench.timing import run
from mnv1_bench.timing.config import TimingConfig


def test_a_library_error_names_the_parameter_and_the_cli_the_option(fake_timing):
    with pytest.raises(UsageProblem) as error:
        run.validate(replace(TimingConfig(), min_time_s=0.0))
    assert str(error.value) == "min_time_s must be a positive number of seconds, at most 3600, got 0"
    assert error.value.parameters == ("min_time_s",) and error.value.values == {"value": 0.0}

    result = CliRunner().invoke(app, ["time", "mobilenet-0.25-64", "--min-time", "0", "--no-save"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "mnv1-bench: error: --min-time must be a positive number of seconds, at most 3600, got 0\n"


def test_a_model_name_error_names_num_classes():
    with pytest.raises(ModelNameError) as error:
        resolve("ssd300-mobilenet", 5)
    assert str(error.value) == "ssd300-mobilenet has a fixed COCO head; num_classes does not apply to it"
    assert flagged(error.value) == "ssd300-mobilenet has a fixed COCO head; --classes does not apply to it"


def test_values_stay_as_given_even_with_braces_or_parameter_names_in_them():
    problem = UsageProblem.about("{weights} {path}: no such file", path="weights/{batch}.pt")
    assert str(problem) == "weights weights/{batch}.pt: no such file"
    assert flagged(problem) == "--weights weights/{batch}.pt: no such file"


def test_a_problem_quoted_in_another_is_named_too():
    kept, skipped = run.supported([TimingConfig(backend="eager", dtype="int8"), TimingConfig()])
    assert kept == [TimingConfig()] and len(skipped) == 1
    assert str(skipped[0]).endswith("(backend onnxruntime or openvino)")
    assert flagged(skipped[0]).endswith("(--backend onnxruntime or openvino)")


def test_a_plain_message_is_left_as_it_is():
    assert flagged(UsageProblem("batch {x} is --odd")) == "batch {x} is --odd"


def test_every_flag_the_mapping_names_is_an_option_of_some_command():
    group = typer.main.get_command(app)
    options = {opt for name in COMMANDS for param in group.get_command(None, name).params for opt in param.opts}
    named = {flag for text in FLAGS.values() for flag in text.split(" or ")}
    assert named <= options, named - options
