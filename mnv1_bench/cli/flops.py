"""`mnv1-bench flops`: mult-adds and parameters, measured, beside the paper's figures."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from mnv1_bench.cli.common import input_shape_option, unique_specs, whole_number, with_input_column
from mnv1_bench.cli.options import InputShape
from mnv1_bench.cli.render import (
    Column,
    Format,
    Wide,
    delta,
    emit,
    millions,
    number,
    printed,
    stderr_console,
    warn,
    word,
    yes_no,
)
from mnv1_bench.errors import UsageProblem
from mnv1_bench.models.archs.mobilenet_range import MAX_ALPHA, MAX_RESOLUTION, MIN_RESOLUTION

if TYPE_CHECKING:
    from mnv1_bench.counting import Cost
    from mnv1_bench.models.registry import ModelSpec


class BlockChoice(str, Enum):
    separable = "separable"
    standard = "standard"


SUMMARY_COLUMNS = (
    word("model", "Model"),
    word("paper_row", "Paper row"),
    Column("mult_adds", "Mult-adds (M)", millions(1)),
    Column("params", "Params (M)", millions(3), priority=1),
    Column("weights", "Weights (M)", millions(3)),
    Column("paper_mult_adds_m", "Paper mult-adds (M)", printed),
    Column("mult_adds_delta", "Δ mult-adds (M)", value=delta("mult_adds", "paper_mult_adds_m")),
    Column("paper_params_m", "Paper params (M)", printed),
    Column("weights_delta", "Δ weights (M)", value=delta("weights", "paper_params_m")),
    Column("agrees_with_paper", "Agrees", yes_no),
    Column("fvcore_total", "fvcore all-ops (M)", millions(1), priority=2),
)
LAYER_COLUMNS = (
    word("index", "#"),
    word("name", "Layer"),
    word("type", "Type"),
    word("stride", "Stride", priority=2),
    word("in_shape", "Input", priority=1),
    word("out_shape", "Output"),
    Column("mult_adds", "Mult-adds (M)", millions(2)),
    Column("params", "Params", number(0)),
    Column("mult_adds_pct", "% mult-adds", number(2)),
)
BY_TYPE_COLUMNS = (
    word("type", "Type"),
    Column("mult_adds", "Mult-adds (M)", millions(2)),
    Column("mult_adds_pct", "% mult-adds", number(2)),
    Column("paper_mult_adds_pct", "Paper %", number(2)),
    Column("weights_pct", "% weights", number(2)),
    Column("paper_weights_pct", "Paper %", number(2)),
)


def flops(
    models: Annotated[
        list[str] | None,
        typer.Argument(
            help="Models to count (see `mnv1-bench models`). Without one, MobileNet is built from the options.",
            show_default=False,
        ),
    ] = None,
    alpha: Annotated[float | None, typer.Option(help=f"Width multiplier in (0, {MAX_ALPHA:g}] [default: 1.0].")] = None,
    res: Annotated[
        int | None,
        typer.Option(
            help=f"Input resolution, {MIN_RESOLUTION} to {MAX_RESOLUTION}: MobileNet's when no MODEL is named "
            "[default: 224]; else every named model's, as NAME@RES [default: each model's own].",
            parser=whole_number(MAX_RESOLUTION),
        ),  # fmt: skip
    ] = None,
    block: Annotated[
        BlockChoice | None,
        typer.Option(
            help="separable: 3x3 depthwise + 1x1 pointwise; standard: one full 3x3 conv (Conv MobileNet) "
            "[default: separable]."
        ),
    ] = None,
    shallow: Annotated[bool, typer.Option("--shallow", help="Drop the five 14x14x512 blocks (Table 5).")] = False,
    input_shape: InputShape = None,
    classes: Annotated[
        int,
        typer.Option(
            help="Number of classes of the classifier (Table 10 uses 120); not for detectors or your own networks.",
            parser=whole_number(10**6),
        ),
    ] = 1000,
    per_layer: Annotated[bool, typer.Option("--per-layer", help="Also show every conv and FC layer.")] = False,
    by_type: Annotated[bool, typer.Option("--by-type", help="Also show the split by layer type (Table 2).")] = False,
    format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    wide: Wide = False,
) -> None:
    """Count mult-adds and parameters, and show the paper's figures beside them.

    Mult-adds are multiply-accumulates of conv, FC and attention layers (the paper's convention; FLOPs = 2 x
    mult-adds), counted from shapes on the meta device; params are every learnable parameter, weights the weight
    tensors of those layers (what the paper's parameter figures count). Each model is counted at its own input
    size unless --res, --input-shape or NAME@RES say otherwise. Examples: mnv1-bench flops --alpha 0.75 --res 160;
    mnv1-bench flops torchvision:resnet50 --res 160; mnv1-bench flops my_net.py:build --input-shape 1,28,28
    """
    from mnv1_bench.counting import frames

    if per_layer and by_type and format is not Format.table:
        raise UsageProblem(f"--format {format.value} prints one table: choose --per-layer or --by-type")
    from mnv1_bench.counting import count

    specs = _specs(models, alpha, res, input_shape, block, shallow, classes)
    costs = [count(spec) for spec in _progress(specs)]
    for spec, cost in zip(specs, costs, strict=True):
        if cost.unknown_ops:
            warn(f"{spec.name}: no counter knows {', '.join(cost.unknown_ops)}; their cost is in neither total")
    if format is Format.table or not (per_layer or by_type):
        summary = frames.summary_frame([frames.summary_row(s, c) for s, c in zip(specs, costs, strict=True)])
        columns = with_input_column(SUMMARY_COLUMNS, specs)
        shown = frames.printed_values(summary) if format in (Format.json, Format.csv) else summary
        emit(shown, format, columns, "Cost per image (measured) beside the paper", _notes(summary), wide)
    for spec, cost in zip(specs, costs, strict=True):
        _details(spec, cost, per_layer, by_type, format, wide)


def _specs(models, alpha, res, input_shape, block, shallow: bool, classes: int) -> list[ModelSpec]:
    """The named models (at --res or --input-shape where given), or one MobileNet built from the numbers given
    (never from a formatted name)."""
    from mnv1_bench.models import registry

    if models and (any(v is not None for v in (alpha, block)) or shallow):
        raise UsageProblem(
            "--alpha, --block and --shallow build MobileNet when no MODEL is named; "
            "name variants instead, e.g. mobilenet-0.75-160 or shallow-mobilenet"
        )
    shape = input_shape_option(res, input_shape)
    if models:
        return unique_specs("MODEL", models, classes, shape)
    if input_shape is not None:
        raise UsageProblem("--input-shape is for named models; MobileNet takes --res")
    block_name = (block or BlockChoice.separable).value
    alpha, res = 1.0 if alpha is None else alpha, 224 if res is None else res
    return [registry.mobilenet(alpha, res, block=block_name, shallow=shallow, num_classes=classes)]


def _details(spec: ModelSpec, cost: Cost, per_layer: bool, by_type: bool, format: Format, wide: bool) -> None:
    """The per-layer table and the split by layer type (the paper's Table 2), as asked."""
    from mnv1_bench.counting import frames

    if per_layer:
        frame = frames.layers_frame(cost)
        frame.insert(0, "model", spec.name)
        emit(frame, format, LAYER_COLUMNS, f"{spec.name}: conv and FC layers, in execution order", (), wide)
    if by_type:
        frame = frames.by_type_frame(cost, with_paper=frames.is_table2_model(spec))
        frame.insert(0, "model", spec.name)
        notes = [frames.TABLE2_SOURCE] if "paper_mult_adds_pct" in frame else []
        emit(frame, format, BY_TYPE_COLUMNS, f"{spec.name}: resources per layer type (Table 2)", notes, wide)


def _progress(specs):
    if len(specs) < 2:
        return specs
    from rich.progress import track

    console = stderr_console()  # no bar where stderr is not a terminal: a finished bar would leave an empty line
    return track(specs, description="counting", transient=True, console=console, disable=not console.is_terminal)


def _notes(summary) -> list[str]:
    from mnv1_bench import paper
    from mnv1_bench.counting import frames
    from mnv1_bench.formatting import DELTA_TEXT

    notes = [
        f"Measured by mnv1-bench; {frames.CONVENTION}.",
        f"Paper figures cited from {paper.CITATION}, Tables 4-10; {DELTA_TEXT}.",
    ]
    for row in summary.itertuples():
        if row.note:
            notes.append(f"{row.model}: {row.note}")
        if row.fvcore_extra:
            notes.append(f"{row.model}: fvcore's all-ops total also counts {row.fvcore_extra}")
        if row.excluded_ops:
            notes.append(f"{row.model}: left out by the convention: {row.excluded_ops}")
    return notes
