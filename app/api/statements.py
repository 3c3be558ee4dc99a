"""API v1: reading and posting statements."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import select

from app.api import bp, schemas
from app.api.serializers import serialize_statement
from app.api.spec import PARTICIPANT, endpoint
from app.extensions import db, limiter
from app.models import Statement
from app.services.issues import get_issue
from app.services.participants import get_or_create_participant
from app.services.participation.policy import check_can_write
from app.services.participation.visibility import check_statements_open
from app.services.rate_limits import participant_key, statement_limit
from app.services.statements import announce_statement, post_statement, validate_statement_text
from app.services.visibility import is_visible_to_citizens, viewer_is_staff, visible_to_viewer


@bp.get("/issues/<int:issue_id>/statements")
@endpoint("Statements of an issue", tag="statements", responses={200: schemas.StatementOut(many=True)}, errors=(404,))
def statements(issue_id: int):
    """The statements this viewer may see: citizens the visible ones, facilitators all of them."""
    issue = get_issue(issue_id)
    found = db.session.scalars(
        select(Statement).where(Statement.issue_id == issue.id, visible_to_viewer(issue)).order_by(Statement.id)
    )
    return jsonify([serialize_statement(statement) for statement in found])


@bp.post("/issues/<int:issue_id>/statements")
@limiter.limit(statement_limit, key_func=participant_key)
@endpoint(
    "Post a statement",
    tag="statements",
    body=schemas.StatementIn,
    responses={201: schemas.StatementCreated},
    auth=PARTICIPANT,
    errors=(404, 409),
)
def create_statement(issue_id: int, body: dict):
    """Post {"text"}: 201 with the statement and whether citizens can see it yet."""
    issue = get_issue(issue_id)
    text = body["text"]
    check_can_write(issue)
    check_statements_open(issue)
    validate_statement_text(issue, text)  # 4xx before a participant is made for it
    participant = get_or_create_participant()
    statement = post_statement(issue, participant.id, text, as_staff=viewer_is_staff())
    db.session.commit()
    announce_statement(statement, issue)
    body = serialize_statement(statement)
    body["visible"] = is_visible_to_citizens(statement, issue)
    return jsonify(body), 201
