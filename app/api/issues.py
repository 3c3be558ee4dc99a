"""API v1: issues, and the next statement to vote on."""

from __future__ import annotations

from flask import jsonify

from app.api import bp, schemas
from app.api.helpers import json_body
from app.api.serializers import serialize_issue, serialize_statement
from app.api.spec import STAFF, endpoint
from app.extensions import db
from app.services.issues import counts_for, get_issue, issue_counts, list_issues
from app.services.opinion.routing import choose_next_statement
from app.services.participants import current_participant_id
from app.services.participation.settings import apply_settings, parse_settings
from app.services.permissions import current_user_id


@bp.get("/issues")
@endpoint("List issues", tag="issues", responses={200: schemas.IssueSummary(many=True)})
def issues():
    """Every issue with its stage and counts."""
    found = list_issues()
    counts = issue_counts(issue.id for issue in found)
    return jsonify([serialize_issue(issue, counts[issue.id]) for issue in found])


@bp.get("/issues/<int:issue_id>")
@endpoint("An issue", tag="issues", responses={200: schemas.IssueDetail}, errors=(404,))
def issue(issue_id: int):
    """One issue with its description."""
    found = get_issue(issue_id)
    return jsonify(serialize_issue(found, counts_for(found), detail=True))


@bp.patch("/issues/<int:issue_id>")
@endpoint(
    "Change an issue's participation settings",
    tag="issues",
    body=schemas.IssueSettingsIn,
    responses={200: schemas.IssueDetail},
    auth=STAFF,
    errors=(404,),
)
def update_issue_settings(issue_id: int, body: dict):
    """Facilitators and admins change {"participation", "status", "map_visible", "statements_open",
    "moderation_mode"}; answered with the issue as ``GET`` shows it."""
    found = get_issue(issue_id)
    changes = parse_settings(json_body())  # strictly, every value, before anything changes
    apply_settings(found, changes, current_user_id())
    db.session.commit()
    return jsonify(serialize_issue(found, counts_for(found), detail=True))


@bp.get("/issues/<int:issue_id>/next-statement")
@endpoint(
    "The next statement to vote on",
    tag="statements",
    responses={200: schemas.StatementOut, 204: None},
    errors=(404,),
)
def next_statement(issue_id: int):
    """A statement this participant has not voted on yet, or 204 No Content when none is left."""
    found = get_issue(issue_id)
    statement = choose_next_statement(found, current_participant_id())
    if statement is None:
        return "", 204
    return jsonify(serialize_statement(statement))
