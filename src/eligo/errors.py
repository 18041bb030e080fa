"""One exception root for everything eligo raises on purpose.

::

    EligoError                     a message for the user, never a traceback
    ├── ProtocolError              a protocol file is wrong (file:line:col, criterion, did-you-mean)
    ├── InputError                 an input file cannot be read as one patient's FHIR R4 Bundle
    ├── UsageError                 a command-line argument is wrong (exit status 2)
    └── EvaluationError            a backend met an IR node it cannot handle (a bug, named)
"""

from __future__ import annotations

__all__ = ["EligoError", "EvaluationError", "InputError", "ProtocolError", "UsageError"]


class EligoError(Exception):
    """Root of every error eligo raises on purpose."""


class ProtocolError(EligoError):
    """A protocol file cannot be loaded; carries where and, when known, which criterion."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        criterion: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.criterion = criterion
        super().__init__(self.where() + message)

    def where(self) -> str:
        parts = []
        if self.file:
            loc = self.file
            if self.line is not None:
                loc += f":{self.line}"
                if self.column is not None:
                    loc += f":{self.column}"
            parts.append(loc)
        if self.criterion:
            parts.append(f"criterion {self.criterion}")
        return ": ".join(parts) + (": " if parts else "")


class InputError(EligoError):
    """An input file is not a readable FHIR R4 Bundle of exactly one patient."""

    def __init__(self, source: str, message: str) -> None:
        self.source = source
        self.message = message
        super().__init__(f"{source}: {message}")


class UsageError(EligoError):
    """A command-line argument is wrong."""


class EvaluationError(EligoError):
    """A backend was given a node it has no rule for."""
