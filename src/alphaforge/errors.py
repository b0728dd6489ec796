"""Errors that reach the user: each says where the problem is and how to fix it.

The CLI maps :class:`InputError` to exit code 2 (bad input or usage) and every other
:class:`AlphaForgeError` to exit code 1, printing the message without a traceback.
"""

from __future__ import annotations


class AlphaForgeError(Exception):
    """A failure the user can act on: ``where`` names the file/column/row, ``fix`` the remedy."""

    exit_code = 1

    def __init__(self, message: str, *, where: str | None = None, fix: str | None = None) -> None:
        self.message = message
        self.where = where
        self.fix = fix
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.fix:
            text += f"\n  fix: {self.fix}"
        return text

    def to_dict(self) -> dict[str, str | None]:
        """JSON form used by ``--json`` error output."""
        return {"error": type(self).__name__, "message": self.message, "where": self.where, "fix": self.fix}


class InputError(AlphaForgeError):
    """Bad input data, configuration or usage (exit code 2)."""

    exit_code = 2


class MissingInputError(AlphaForgeError):
    """A stage's inputs are absent from the workspace; ``fix`` names the command to run first."""

    exit_code = 2


class WorkspaceBusyError(AlphaForgeError):
    """Another process holds the workspace lock."""

    exit_code = 1
