"""The `mnv1-bench` command line: each command parses its options, calls the library, renders the result."""

from __future__ import annotations

import importlib
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command_from_info
from typer.models import CommandInfo

from mnv1_bench.cli.render import terminal_size_checked
from mnv1_bench.errors import SaveFailed, Trouble, UsageProblem
from mnv1_bench.store import runs as results

SAVE_FAILED_EXIT = 1  # the command ran, but a result it measured could not be saved (docs/conventions.md)
OS_ERROR_EXIT = 1  # an output file could not be written; what was there before is left as it was


def _one_line(message: str) -> None:
    typer.echo(f"mnv1-bench: error: {message}", err=True)


class Stopped(Exception):
    """Ctrl-C (SIGINT), SIGTERM or SIGHUP, carried past Typer, which would turn it into a silent exit 130."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the process is, so that `finally` and `with` blocks clean up as for Ctrl-C."""


# Signals that end a run like Ctrl-C: what was measured is kept and shown, temporary files removed.
ENDING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


_last_signal: list[int] = []


def _on_sigterm(signum: int, frame: object) -> None:
    _last_signal.append(signum)
    raise Terminated


@contextmanager
def _signals() -> Iterator[None]:
    """SIGTERM and SIGHUP unwind like Ctrl-C (temporary files are removed on the way out); the old handlers come
    back."""
    _last_signal.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {signum: signal.signal(signum, _on_sigterm) for signum in ENDING_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in old.items():
            signal.signal(signum, handler)


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


# One command per module, in the order a new user needs them: name -> (module of mnv1_bench.cli, function, the
# first sentence of its docstring). `mnv1-bench --help` lists these without importing a command module
# (tests/test_cli_loading.py checks they match the docstrings).
COMMANDS = {
    "models": ("models", "models",
               "List the model names every command accepts, with input size and a one-line description."),
    "flops": ("flops", "flops", "Count mult-adds and parameters, and show the paper's figures beside them."),
    "time": ("time", "time_models",
             "Time models: median, IQR, p90 and runs per row, throughput, and roofline floors."),
    "compare": ("compare", "compare",
                "Compare models with 1.0 MobileNet-224 as the paper's Table 8 does, and check its ratios."),
    "tables": ("tables", "tables",
               "Write the paper's Tables 1-14 (Markdown + CSV), Figures 4 and 5 and an index into OUT."),
    "sweep": ("sweep", "sweep",
              "Count every MobileNet of a width x resolution grid (the paper's Figures 4 and 5)."),
    "layers": ("layers", "layers",
               "Measured time of every conv and FC layer beside its mult-adds, params and bytes moved, and by type."),
    "proxy": ("proxy", "proxy",
              "Time the paper's 16-model grid, Conv MobileNet and the reference networks; fit latency to mult-adds."),
    "pick": ("pick", "pick",
             "Pick the most accurate network that fits a budget on this device: the paper's Figure 4, measured here."),
}  # fmt: skip


class LazyCommands(MutableMapping):
    """The commands by name, each module imported when its command is first looked up: running one command
    loads neither torch's runtimes nor the other commands' modules. Names are known up front, so a mistyped
    command is still answered with "Did you mean ...?"."""

    def __init__(self) -> None:
        self._built: dict = {}

    def __getitem__(self, name: str):
        if name not in self._built:
            if name not in COMMANDS:
                raise KeyError(name)
            module, function, _ = COMMANDS[name]
            callback = getattr(importlib.import_module(f"mnv1_bench.cli.{module}"), function)
            info = CommandInfo(name=name, callback=callback)
            self._built[name] = get_command_from_info(
                info, pretty_exceptions_short=app.pretty_exceptions_short, rich_markup_mode=app.rich_markup_mode
            )
        return self._built[name]

    def __setitem__(self, name: str, command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*COMMANDS, *self._built]))

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self._built))


class OneLineErrors(TyperGroup):
    """Every user error becomes one line on stderr and exit code 2: no usage block, no traceback. Ctrl-C and
    SIGTERM and SIGHUP print one line with what was saved (naming the signal) and exit 130 / 143 / 129; a failed
    save ends with exit code 1."""

    def __init__(self, **attrs) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands()

    def list_commands(self, ctx) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx, formatter) -> None:
        """The command list from COMMANDS, cut to the width as Typer cuts a docstring, importing no command."""
        limit = formatter.width - 6 - max(map(len, COMMANDS))
        rows = [(name, TyperCommand(name=name, help=first).get_short_help_str(limit))
                for name, (_, _, first) in COMMANDS.items()]  # fmt: skip
        with formatter.section("Commands"):
            formatter.write_dl(rows)

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
            from mnv1_bench.cli.options import flagged

            _one_line(flagged(error))
            return 2
        except (Stopped, typer.Abort, KeyboardInterrupt) as error:
            signum = error.signum if isinstance(error, Stopped) else signal.SIGINT
            saved = "; ".join(f"{count} saved to {f.path}" for count, f in _saved(run_files)) or "no rows saved"
            by = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
            typer.echo(f"interrupted{by}: {saved}", err=True)
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


def main() -> None:
    app()
