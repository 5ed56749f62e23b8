"""The exception type the CLI turns into a one-line message and exit code 2, and the warnings it shows as one
line each ("warning: ..."): a run goes on after them."""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter
from typing import Self


class UsageProblem(ValueError):
    """Bad input from a user: the message is one line that names the problem.

    One made with :meth:`about` names the inputs at fault as the library calls them ("min_time_s") and keeps
    them in `parameters`, with the values it quotes in `values`, so that a front end can name them as its users
    give them (the CLI: "--min-time", :func:`mnv1_bench.cli.options.flagged`)."""

    parameters: tuple[str, ...] = ()
    values: Mapping[str, object] = {}
    _template = ""

    @classmethod
    def about(cls, template: str, **values: object) -> Self:
        """The problem `template` says: each of its fields that `values` does not fill is a parameter, and
        stands for its own name. ``about("{batch} must be at least 1, got {value}", value=0)``: "batch must be
        at least 1, got 0"."""
        fields = [field for _, field, _, _ in Formatter().parse(template) if field is not None]
        parameters = tuple(dict.fromkeys(field for field in fields if field not in values))
        problem = cls(template.format(**values, **{name: name for name in parameters}))
        problem.parameters, problem.values, problem._template = parameters, values, template
        return problem

    def naming(self, names: Mapping[str, str]) -> str:
        """The message with each parameter called what `names` calls it (as it is where `names` has none)."""
        if not self._template:
            return str(self)
        values = {k: v.naming(names) if isinstance(v, UsageProblem) else v for k, v in self.values.items()}
        return self._template.format(**values, **{name: names.get(name, name) for name in self.parameters})


class ModelNameError(UsageProblem):
    """A model name or option that cannot be turned into a network; the message is one line for users."""


class Trouble(UserWarning):
    """Something the user should know that does not stop the run (a file skipped, a cache not kept)."""


class SaveFailed(Trouble):
    """A result could not be saved: the run goes on and the command ends with a non-zero exit code."""
