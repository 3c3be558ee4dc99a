"""API v1: ministry responses across issues, for watchdogs and journalists."""

from __future__ import annotations

from flask import jsonify

from app.api import bp, schemas
from app.api.serializers import serialize_response
from app.api.spec import endpoint
from app.models import utcnow
from app.services.accountability.responses import list_responses, parse_status


@bp.get("/responses")
@endpoint(
    "Ministry responses",
    tag="responses",
    query=schemas.ResponsesQuery,
    responses={200: schemas.ResponseOut(many=True)},
    errors=(400,),
)
def responses(query: dict):
    """``[{"issue_id", "kind", "due_at", "answered_at", "status", ...}]``; ``?status=`` filters."""
    status = parse_status(query.get("status"))
    now = utcnow()
    return jsonify([serialize_response(response, now) for response in list_responses(status, now)])
