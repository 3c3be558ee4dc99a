"""API v1: ministry responses across issues, for watchdogs and journalists."""

from __future__ import annotations

from flask import jsonify, request

from app.api import bp
from app.api.serializers import serialize_response
from app.models import utcnow
from app.services.accountability.responses import list_responses, parse_status


@bp.get("/responses")
def responses():
    """``[{"issue_id", "kind", "due_at", "answered_at", "status", ...}]``; ``?status=`` filters."""
    status = parse_status(request.args.get("status"))
    now = utcnow()
    return jsonify([serialize_response(response, now) for response in list_responses(status, now)])
