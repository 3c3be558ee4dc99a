"""API v1: the session a client needs before it writes."""

from __future__ import annotations

from flask import jsonify
from flask_wtf.csrf import generate_csrf

from app.api import bp, schemas
from app.api.spec import endpoint
from app.services.participants import current_participant_id


@bp.get("/session")
@endpoint("Start or resume a session", tag="session", responses={200: schemas.SessionOut})
def session():
    """The participant id (null until this session's first write) and the CSRF token for X-CSRFToken."""
    return jsonify(participant_id=current_participant_id(), csrf_token=generate_csrf())
