"""The exception services raise when a request cannot be carried out."""

from __future__ import annotations


class AgoraError(Exception):
    """A user-facing failure: a stable machine code, a translated message and an HTTP status.

    Services raise it before writing anything, so nothing partial is stored.
    """

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.status = status
