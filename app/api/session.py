"""API v1: the anonymous session a client needs before it writes."""

from __future__ import annotations

from flask import jsonify
from flask_wtf.csrf import generate_csrf

from app.api import bp, schemas
from app.api.spec import endpoint
from app.services.participants import get_or_create_participant


@bp.get("/session")
@endpoint("Start or resume a session", tag="session", responses={200: schemas.SessionOut})
def session():
    """The participant id (created on first call) and the CSRF token for X-CSRFToken."""
    participant = get_or_create_participant()
    return jsonify(participant_id=participant.id, csrf_token=generate_csrf())
