"""`mnv1-bench models`: the names the other commands accept, and a search across every source."""

from __future__ import annotations

import textwrap
from typing import Annotated

import typer

from mnv1_bench.cli.render import console_width
from mnv1_bench.errors import UsageProblem


def models(
    search: Annotated[
        str | None,
        typer.Option(
            "--search",
            help="Names containing this text, across the paper's networks, torchvision and timm, with their prefix.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """List the model names every command accepts, with input size and a one-line description.

    Sources: the paper's networks, torchvision:NAME, timm:NAME, your own FILE.py:FACTORY or MODULE:FACTORY, and
    NAME@RES for another input size. Example: mnv1-bench models --search resnet
    """
    from mnv1_bench.models import catalog

    if search is None:
        entries = catalog.listing()
    elif not search.strip():
        raise UsageProblem("--search needs some text, e.g. --search resnet")
    else:
        entries = catalog.search(search)
        if not entries:
            raise UsageProblem(f"no model name contains {search.strip()!r} (see `mnv1-bench models`)")
    width = max(len(entry.name) for entry in entries)
    indent = " " * (width + 13)  # descriptions wrap under themselves, within the terminal's width
    for entry in entries:
        line = f"{entry.name:<{width}}  {entry.size:>9}  {entry.description}"
        typer.echo(textwrap.fill(line, max(console_width(), len(indent) + 20), subsequent_indent=indent))
