"""The one error type commands raise for bad input: printed as one line, exit status 1."""
from __future__ import annotations


class CliError(Exception):
    """A user-facing problem; the message names what was wrong."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
