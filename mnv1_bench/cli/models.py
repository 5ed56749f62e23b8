"""`mnv1-bench models`: the names the other commands accept."""

from __future__ import annotations

import textwrap

import typer

from mnv1_bench.archs.mobilenet_range import ALPHA_DECIMALS, MAX_ALPHA, MAX_RESOLUTION, MIN_RESOLUTION
from mnv1_bench.cli.render import console_width


def models() -> None:
    """List the model names every command accepts, with input size and a one-line description."""
    from mnv1_bench.registry import APPLICATION_NETS, MOBILENET_NAMES, REFERENCE_NETS

    rows = [(name, "224x224", text) for name, text in MOBILENET_NAMES.items()]
    rows.append((
        "mobilenet-ALPHA-RES", "RESxRES",
        f"ALPHA in (0, {MAX_ALPHA:g}], at most {ALPHA_DECIMALS} decimals; RES {MIN_RESOLUTION} to {MAX_RESOLUTION}; "
        'also the paper\'s "0.75 MobileNet-160"',
    ))  # fmt: skip
    rows += [(net.name, f"{net.input_size}x{net.input_size}", net.description) for net in REFERENCE_NETS.values()]
    rows += [(net.name, f"{net.input_size}x{net.input_size}", net.description) for net in APPLICATION_NETS.values()]
    rows.append(
        ("torchvision:NAME", "224x224", "any torchvision classifier, e.g. torchvision:googlenet (299 for inception_v3)")
    )
    width = max(len(name) for name, _, _ in rows)
    indent = " " * (width + 13)  # descriptions wrap under themselves, within the terminal's width
    for name, size, text in rows:
        line = f"{name:<{width}}  {size:>9}  {text}"
        typer.echo(textwrap.fill(line, max(console_width(), len(indent) + 20), subsequent_indent=indent))
