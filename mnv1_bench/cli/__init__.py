"""The `mnv1-bench` command line: each command parses its options, calls the library, renders the result."""

from __future__ import annotations

import sys

import typer
from typer.core import TyperGroup

from mnv1_bench.errors import UsageProblem


def _one_line(message: str) -> None:
    typer.echo(f"mnv1-bench: error: {message}", err=True)


class OneLineErrors(TyperGroup):
    """Every user error becomes one line on stderr and exit code 2: no usage block, no traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except UsageProblem as error:
            _one_line(str(error))
            code = 2
        except (typer.Abort, KeyboardInterrupt):
            _one_line("interrupted")
            code = 130
        except Exception as error:
            # Typer's parsing errors (bad option values, unknown options) carry these two attributes;
            # they come from the click copy Typer vendors, which has no public import path.
            if not (hasattr(error, "format_message") and hasattr(error, "exit_code")):
                raise
            _one_line(error.format_message().replace("\n", " "))
            code = error.exit_code
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(
    cls=OneLineErrors,
    help="Build MobileNet v1 and its reference networks, count what they cost, time them, and reproduce "
    "the MobileNet paper's tables (Howard et al. 2017, arXiv 1704.04861).",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback(invoke_without_command=True)
def _root(ctx: typer.Context) -> None:
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())


def _register() -> None:
    """One command per module, in the order a new user needs them; each module imports torch lazily."""
    from mnv1_bench.cli import compare, flops, layers, models, proxy, sweep, tables, time as time_cmd

    app.command("models")(models.models)
    app.command("flops")(flops.flops)
    app.command("time")(time_cmd.time_models)
    app.command("compare")(compare.compare)
    app.command("tables")(tables.tables)
    app.command("sweep")(sweep.sweep)
    app.command("layers")(layers.layers)
    app.command("proxy")(proxy.proxy)


_register()


def main() -> None:
    app()
