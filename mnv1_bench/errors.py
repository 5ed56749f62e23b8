"""The one exception type the CLI turns into a one-line message and exit code 2."""


class UsageProblem(ValueError):
    """Bad input from a user: the message is one line that names the problem."""
