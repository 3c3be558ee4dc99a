"""Error handling for the whole app: JSON for the API, pages for people."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("errors", __name__)

from app.errors import handlers  # noqa: E402,F401
