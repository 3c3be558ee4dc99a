"""API v1: invite codes."""

from __future__ import annotations

from flask import jsonify

from app.api import bp, schemas
from app.api.spec import PARTICIPANT, endpoint
from app.extensions import db, limiter
from app.services.issues import get_issue
from app.services.participation import invites
from app.services.rate_limits import participant_key, vote_limit


@bp.post("/issues/<int:issue_id>/invites/redeem")
@limiter.limit(vote_limit, key_func=participant_key)
@endpoint(
    "Redeem an invite code",
    tag="participation",
    body=schemas.InviteIn,
    responses={200: schemas.InviteRedeemed},
    auth=PARTICIPANT,
    errors=(404, 409),
)
def redeem_invite(issue_id: int, body: dict):
    """Redeem {"code"}: this session's participant (made now if needed) may then write in the issue."""
    issue = get_issue(issue_id)
    redeemed = invites.redeem(issue, body.get("code"))
    db.session.commit()
    return jsonify(issue_id=issue.id, participant_id=redeemed.participant_id)
