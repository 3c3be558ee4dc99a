"""Endpoints for operators and load balancers."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.extensions import db

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """Ready when the database answers; used by docker-compose and nginx health checks."""
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok"})
