"""The `mnv1-bench` command line: each command parses its options, calls the library, renders the result."""

from __future__ import annotations

import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from typer.core import TyperGroup

from mnv1_bench.cli.render import terminal_size_checked
from mnv1_bench.errors import SaveFailed, Trouble, UsageProblem
from mnv1_bench.store import runs as results

SAVE_FAILED_EXIT = 1  # the command ran, but a result it measured could not be saved (docs/conventions.md)
OS_ERROR_EXIT = 1  # an output file could not be written; what was there before is left as it was


def _one_line(message: str) -> None:
    typer.echo(f"mnv1-bench: error: {message}", err=True)


class Stopped(Exception):
    """Ctrl-C (SIGINT) or SIGTERM, carried past Typer, which would turn it into a silent exit 130."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is, so that `finally` blocks and `with` blocks clean up as for Ctrl-C."""


_last_signal: list[int] = []


def _on_sigterm(signum: int, frame: object) -> None:
    _last_signal.append(signum)
    raise Terminated


@contextmanager
def _signals() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C (temporary files are removed on the way out); the old handler comes back."""
    _last_signal.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


@contextmanager
def _one_line_warnings(failed: list[str]) -> Iterator[None]:
    """Trouble warnings become one "warning: ..." line each; a failed save is remembered for the exit code."""
    with warnings.catch_warnings():
        warnings.simplefilter("always", Trouble)
        shown = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None) -> None:
            if not issubclass(category, Trouble):
                shown(message, category, filename, lineno, file, line)
                return
            if issubclass(category, SaveFailed):
                failed.append(str(message))
            typer.echo(f"warning: {message}", err=True)

        warnings.showwarning = show
        yield


def _saved(run_files: list[results.RunFile]) -> list[tuple[str, results.RunFile]]:
    """("3 rows", run file) for each run file that saved a row or failed to."""
    return [(f"{f.saved} row{'' if f.saved == 1 else 's'}", f) for f in run_files if f.saved or f.error]


class OneLineErrors(TyperGroup):
    """Every user error becomes one line on stderr and exit code 2: no usage block, no traceback. Ctrl-C and
    SIGTERM print one line with what was saved and exit 130 / 143; a failed save ends with exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Stopped(_last_signal[-1] if _last_signal else signal.SIGINT) from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        failed: list[str] = []
        with terminal_size_checked(), _signals(), results.recording() as run_files, _one_line_warnings(failed):
            code = self._run(args, prog_name, complete_var, run_files, **extra)
            code = code if isinstance(code, int) else 0  # a command returns None when it succeeds
            saved = _saved(run_files)
        if code == 0:
            for count, run_file in saved:
                typer.echo(f"saved {count} to {run_file.path}", err=True)
            if failed or any(f.error for f in run_files):
                code = SAVE_FAILED_EXIT
        if not standalone_mode:
            return code
        sys.exit(code)

    def _run(self, args, prog_name, complete_var, run_files, **extra):
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except UsageProblem as error:
            _one_line(str(error))
            return 2
        except (Stopped, typer.Abort, KeyboardInterrupt) as error:
            signum = error.signum if isinstance(error, Stopped) else signal.SIGINT
            saved = "; ".join(f"{count} saved to {f.path}" for count, f in _saved(run_files)) or "no rows saved"
            typer.echo(f"interrupted: {saved}", err=True)
            return 128 + signum
        except OSError as error:  # an output that could not be written (disk full, read-only): nothing half-written
            where = f"{error.filename}: " if error.filename else ""
            _one_line(f"could not write: {where}{error.strerror or error}")
            return OS_ERROR_EXIT
        except Exception as error:
            # Typer's parsing errors (bad option values, unknown options) carry these two attributes;
            # they come from the click copy Typer vendors, which has no public import path.
            if not (hasattr(error, "format_message") and hasattr(error, "exit_code")):
                raise
            _one_line(error.format_message().replace("\n", " "))
            return error.exit_code


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
    from mnv1_bench.cli import compare, flops, layers, models, pick, proxy, sweep, tables, time as time_cmd

    app.command("models")(models.models)
    app.command("flops")(flops.flops)
    app.command("time")(time_cmd.time_models)
    app.command("compare")(compare.compare)
    app.command("tables")(tables.tables)
    app.command("sweep")(sweep.sweep)
    app.command("layers")(layers.layers)
    app.command("proxy")(proxy.proxy)
    app.command("pick")(pick.pick)


_register()


def main() -> None:
    app()
