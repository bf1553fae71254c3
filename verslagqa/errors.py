"""One family of errors: everything verslagqa raises on purpose is a :class:`VerslagQAError`.

Each names the file, store, model or service and the problem in its message, which the CLI
prints as one line; ``exit_code`` is the CLI's exit status for it. The subclasses keep the
built-in base a caller may already catch (a parse error is also a ``ValueError``, a missing
meeting a ``LookupError``).
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "MeetingNotFound",
    "VerslagQAError",
]


class VerslagQAError(Exception):
    """Base of every error verslagqa raises on purpose."""

    exit_code: int = 1


class ConfigError(VerslagQAError, ValueError):
    """A setting or option has a value verslagqa cannot use."""

    exit_code = 2


class MeetingNotFound(VerslagQAError, LookupError):
    """No meeting (or several) in the store for a meeting id, and no such file."""

    def __str__(self) -> str:  # LookupError would quote the message like a dict key
        return str(self.args[0]) if self.args else ""
