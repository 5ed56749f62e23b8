"""Published results never get worse silently: stability read back from a section, the replace-or-keep rule,
and the proxy command keeping a published figure."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from mnv1_bench.cli import app
from mnv1_bench.tables.beyond import spread
from mnv1_bench.tables.published import Stability, decide, of_frame, of_section

# The sentence of the committed CPU section, typed in: written before busy rows were counted.
COMMITTED = "Spread of the measurements: median CV 12.6% over 22 models; 14 flagged unstable (CV over 10%)."


def frame(unstable: list[bool], busy: list[bool]) -> pd.DataFrame:
    return pd.DataFrame({"cv": [0.05] * len(unstable), "unstable": unstable, "busy": busy})


def test_a_section_states_its_stability_and_it_reads_back():
    assert of_section(COMMITTED) == Stability(22, 14, 0)
    run = frame([True, False, False], [True, True, False])
    assert of_section(f"intro\n\n{spread(run)} More text.") == of_frame(run) == Stability(3, 1, 2)
    assert of_section(None) is None and of_section("no spread here") is None


@pytest.mark.parametrize(
    ("new", "old", "force", "replace", "said"),
    [
        (Stability(22, 3, 0), None, False, True, "wrote X (nothing was published"),
        (Stability(22, 14, 0), Stability(22, 14, 0), False, True, "replaced X: this run is at least as stable"),
        (Stability(22, 15, 0), Stability(22, 14, 0), False, False, "kept X: this run is less stable"),
        (Stability(22, 0, 1), Stability(22, 14, 0), False, False, "pass --force to replace it"),
        (Stability(22, 22, 22), Stability(22, 0, 0), True, True, "replaced X because of --force"),
    ],
)  # fmt: skip
def test_only_a_run_at_least_as_stable_replaces_what_is_published(new, old, force, replace, said):
    decision = decide(new, old, "X", force)
    assert decision.replace is replace and decision.message.startswith(said) or said in decision.message


def test_proxy_on_a_subset_keeps_a_published_figure_unless_forced(tmp_path):
    from mnv1_bench.timing import roofline

    def calibrate(device, dtype, threads):
        return roofline.Peaks(5e10, 1e10, device, dtype, threads, "fake")

    roofline.set_default_cache(roofline.PeakCache(tmp_path / "peaks.json", calibrate))
    figure = tmp_path / "proxy_cpu.png"
    figure.write_bytes(b"published")
    args = ["proxy", "--models", "mobilenet-0.25-64,mobilenet-0.5-64,mobilenet-0.25-96", "--min-time", "0.02",
            "--threads", "1", "--out", str(tmp_path), "--format", "json"]  # fmt: skip
    try:
        kept = CliRunner().invoke(app, args)
        assert kept.exit_code == 0, kept.output
        assert figure.read_bytes() == b"published" and f"kept {figure}" in kept.stderr.replace("\n", "")
        forced = CliRunner().invoke(app, [*args, "--force"])
        assert forced.exit_code == 0, forced.output
        assert figure.read_bytes().startswith(b"\x89PNG") and f"saved {figure}" in forced.stderr.replace("\n", "")
    finally:
        roofline.set_default_cache(None)
