"""Hardening shared by every entry point: ids, text, request limits, headers, redirects, sockets.

``init_app`` runs early in the app factory: the id converter must be in place before blueprints
add their routes, and the body-size check before CSRF's (which parses forms).
"""

from __future__ import annotations

from flask import Flask

from app.security import headers, limits, sockets
from app.security.ids import IdConverter


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    limits.init_app(app)
    headers.init_app(app)
    sockets.init_app(app)
    from app.security import sessions  # imports the models

    sessions.init_app(app)
