"""API v1: the live opinion map of an issue (the same payload the socket pushes)."""

from __future__ import annotations

from flask import jsonify

from app.api import bp, schemas
from app.api.spec import endpoint
from app.services.issues import get_issue
from app.services.opinion.latest_map import map_for_viewer
from app.services.participants import current_participant_id


@bp.get("/issues/<int:issue_id>/opinion-map")
@endpoint("The live opinion map", tag="opinion map", responses={200: schemas.OpinionMap}, errors=(404,))
def opinion_map(issue_id: int):
    """The latest opinion map, with the caller's own place on it (``you``)."""
    issue = get_issue(issue_id)
    return jsonify(map_for_viewer(issue.id, current_participant_id()))
