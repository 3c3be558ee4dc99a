"""JSON API v1: the same actions as the pages, for the page's scripts and for integrators."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

from app.api import (  # noqa: E402,F401
    issues,
    openapi,
    opendata,
    opinion,
    report,
    responses,  # noqa: E402,F401  (ministry responses)
    session,
    statements,
    votes,
    webhooks,
)
