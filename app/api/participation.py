"""API v1: invite codes."""

from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.api.helpers import json_body
from app.extensions import db, limiter
from app.services.issues import get_issue
from app.services.participation import invites
from app.services.rate_limits import participant_key, vote_limit


@bp.post("/issues/<int:issue_id>/invites/redeem")
@limiter.limit(vote_limit, key_func=participant_key)
def redeem_invite(issue_id: int):
    """Redeem {"code"}: this session's participant (made now if needed) may then write in the issue."""
    issue = get_issue(issue_id)
    redeemed = invites.redeem(issue, json_body().get("code"))
    db.session.commit()
    return jsonify(issue_id=issue.id, participant_id=redeemed.participant_id)
