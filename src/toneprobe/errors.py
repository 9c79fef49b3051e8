"""Error hierarchy. Every user-facing error maps to one exit code in ``cli.py``.

* ``InputError``, ``ConfigError`` (and ``RuleError``), ``ModelError``: exit 2
* ``ThresholdNotMet``: exit 1
"""

from __future__ import annotations


class ToneprobeError(Exception):
    """Base class of errors that are the user's to fix; printed as one line, no traceback."""

    exit_code = 2


class InputError(ToneprobeError):
    """A transcript (or other input file) cannot be read.

    ``path`` and ``line`` name the place; ``str(err)`` gives ``path:line: message``.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return f"{where}{self.message}"


class ConfigError(ToneprobeError):
    """A configuration file or option is invalid."""


class RuleError(ConfigError):
    """A rule file is invalid (names the file, the rule and the field)."""


class ModelError(ToneprobeError):
    """A sentiment or classifier model cannot be loaded or used."""


class ThresholdNotMet(ToneprobeError):
    """An evaluation threshold failed (exit 1)."""

    exit_code = 1
