"""The exception type the CLI turns into a one-line message and exit code 2, and the warnings it shows as one
line each ("warning: ..."): a run goes on after them."""


class UsageProblem(ValueError):
    """Bad input from a user: the message is one line that names the problem."""


class ModelNameError(UsageProblem):
    """A model name or option that cannot be turned into a network; the message is one line for users."""


class Trouble(UserWarning):
    """Something the user should know that does not stop the run (a file skipped, a cache not kept)."""


class SaveFailed(Trouble):
    """A result could not be saved: the run goes on and the command ends with a non-zero exit code."""
