"""API v1: voting."""

from __future__ import annotations

from flask import jsonify

from app.api import bp, schemas
from app.api.serializers import serialize_vote
from app.api.spec import PARTICIPANT, endpoint
from app.extensions import db, limiter
from app.services.participants import get_or_create_participant_id
from app.services.rate_limits import participant_key, vote_limit
from app.services.voting import VoteOutcome, announce_vote, check_vote, record_vote


@bp.post("/issues/<int:issue_id>/votes")
@limiter.limit(vote_limit, key_func=participant_key)
@endpoint(
    "Vote on a statement",
    tag="votes",
    body=schemas.VoteIn,
    responses={200: schemas.VoteResult, 201: schemas.VoteResult},
    auth=PARTICIPANT,
    errors=(404, 409),
)
def vote(issue_id: int, body: dict):
    """Vote {"statement_id", "vote"}: 201 for a first vote, 200 when it repeats or changes one.

    The issue's counts are not in the answer: computing them costs three aggregate queries over
    all the issue's votes, on every vote. The page gets them from the ``vote_counts`` socket
    event (at most two a second per issue) and ``GET /api/v1/issues/<id>``.
    """
    # 4xx before any write: a draft is a 404 to citizens, the issue's rule a 403, then the vote itself.
    ballot = check_vote(issue_id, body.get("statement_id"), body.get("vote"))
    participant_id = get_or_create_participant_id()  # 429 past the address's new-participant limit
    result = record_vote(ballot, participant_id)
    db.session.commit()  # acknowledged only once stored
    announce_vote(ballot, participant_id, result)
    status = 201 if result.outcome is VoteOutcome.CREATED else 200
    return jsonify(
        vote=serialize_vote(result.vote),
        vote_event_id=result.event_id,
        outcome=result.outcome.value,
    ), status
