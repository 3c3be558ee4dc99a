"""API v1: session."""

from __future__ import annotations

from app.api import bp  # noqa: F401
