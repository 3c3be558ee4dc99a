"""Socket.IO: one room per issue; the live opinion map."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the socket event handlers."""
