"""A user's own network: ``path/to/file.py:factory`` or ``package.module:factory``, where the factory is a
callable that takes no arguments and returns a torch ``nn.Module``.

Every way such a name can fail (no file, no module, a syntax error, no such callable, a factory that raises or
returns something else) is one line that names the file and the problem.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import importlib.util
import re
import sys
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from mnv1_bench.errors import ModelNameError

if TYPE_CHECKING:
    from torch import nn

_DOTTED = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*"
_MODULE_FORM = re.compile(rf"^(?P<module>{_DOTTED}):(?P<factory>{_DOTTED})$")
_FILE_FORM = re.compile(rf"^(?P<path>.+\.py):(?P<factory>{_DOTTED})$")


def is_user_code(name: str) -> bool:
    """Whether `name` has the file or module form (the library prefixes are looked at before this)."""
    return bool(_FILE_FORM.match(name) or _MODULE_FORM.match(name))


def factory(name: str) -> Callable[[], object]:
    """The callable a file or module name points at; raises ModelNameError (one line) when there is none."""
    match = _FILE_FORM.match(name) or _MODULE_FORM.match(name)
    if match is None:
        raise ModelNameError(f"{name!r} is neither FILE.py:FACTORY nor MODULE:FACTORY")
    where = match.groupdict().get("path")
    module = _load_file(where) if where else _import_module(match["module"])
    found: object = module
    for part in match["factory"].split("."):
        if not hasattr(found, part):
            public = [n for n in vars(module) if not n.startswith("_") and callable(vars(module)[n])]
            close = difflib.get_close_matches(part, public, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ModelNameError(f"{where or match['module']} has no {match['factory']!r}{hint}")
        found = getattr(found, part)
    if not callable(found):
        raise ModelNameError(f"{name}: {match['factory']!r} is of type {type(found).__name__}, not a callable")
    return found


def build(name: str) -> nn.Module:
    """Call the factory and check that it gave a module; whatever it raises becomes one line."""
    from torch import nn

    make = factory(name)
    try:
        with _contained():
            model = make()
    except SystemExit as error:
        raise ModelNameError(
            f"{name}: the factory called sys.exit({error.code!r}) instead of returning a module"
        ) from None
    except Exception as error:
        raise ModelNameError(f"{name}: the factory raised {_first_line(error)}") from None
    if not isinstance(model, nn.Module):
        kind = type(model).__name__
        raise ModelNameError(f"{name}: the factory returned an object of type {kind}, not a torch nn.Module")
    return model


@cache
def _load_file(where: str) -> ModuleType:
    path = Path(where).expanduser()
    if not path.is_file():
        raise ModelNameError(f"no file {where} (a model named FILE.py:FACTORY needs the file)")
    module_name = f"mnv1_bench_user_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ModelNameError(f"{where} cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look their module up there
    try:
        with _contained():
            spec.loader.exec_module(module)
    except SystemExit as error:
        del sys.modules[module_name]
        raise ModelNameError(f"{where} called sys.exit({error.code!r}) when loaded") from None
    except SyntaxError as error:
        del sys.modules[module_name]
        raise ModelNameError(f"{where}: syntax error on line {error.lineno}: {error.msg}") from None
    except Exception as error:
        del sys.modules[module_name]
        raise ModelNameError(f"{where} raised {_first_line(error)} when loaded") from None
    return module


def _import_module(dotted: str) -> ModuleType:
    here = str(Path.cwd())
    added = here not in sys.path  # `package.module` is looked for where the command runs, as `python -m` does
    if added:
        sys.path.insert(0, here)
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as error:
        raise ModelNameError(f"no module named {error.name or dotted!r} (for the model {dotted}:...)") from None
    except SyntaxError as error:
        raise ModelNameError(f"{error.filename}: syntax error on line {error.lineno}: {error.msg}") from None
    except Exception as error:
        raise ModelNameError(f"module {dotted} raised {_first_line(error)} when imported") from None
    finally:
        if added:
            sys.path.remove(here)


def _contained():
    """What the user's code prints goes to stderr: stdout carries the tool's tables and JSON alone."""
    return contextlib.redirect_stdout(sys.stderr)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
