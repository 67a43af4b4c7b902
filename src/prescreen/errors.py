"""The two exception families the CLI turns into exit code 1 (user error).

Anything else escaping to the CLI is a bug in prescreen and exits 2.
Messages name the file, line/row and column and say what to do next; they never
contain patient data values.
"""


class PrescreenError(Exception):
    """Base of every error caused by user input rather than a bug."""


class ExtractError(PrescreenError):
    """A registry extract (a folder of OMOP tables) cannot be used as given."""


class CriteriaError(PrescreenError):
    """A trial criteria file is invalid, or a parameter override does not fit it."""
