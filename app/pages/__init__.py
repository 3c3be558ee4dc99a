"""Server-rendered pages for citizens."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages", __name__)

from app.pages import issues, language, opendata, report  # noqa: E402,F401
