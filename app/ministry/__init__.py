"""Pages for ministry members: their agency's responses, the point-by-point form, extensions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ministry", __name__)

from app.ministry import views  # noqa: E402,F401
