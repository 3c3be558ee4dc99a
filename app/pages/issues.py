"""Citizen pages: the issue list, an issue, my votes."""

from __future__ import annotations

from flask import render_template

from app.pages import bp


@bp.get("/")
def home():
    """The list of issues."""
    return render_template("pages/home.html", issues=[])
