"""API v1: statements."""

from __future__ import annotations

from app.api import bp  # noqa: F401
