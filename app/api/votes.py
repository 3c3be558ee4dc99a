"""API v1: votes."""

from __future__ import annotations

from app.api import bp  # noqa: F401
