"""API v1: issues."""

from __future__ import annotations

from app.api import bp  # noqa: F401
