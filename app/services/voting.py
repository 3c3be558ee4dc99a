"""Casting votes: one current vote per participant and statement; every vote kept as an event."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from app import signals
from app.errors import AgoraError
from app.extensions import db
from app.models import Issue, ModerationStatus, Statement, Vote, VoteEvent, VoteValue, utcnow
from app.services import stages
from app.services.visibility import is_visible_to_citizens, viewer_is_staff

VOTE_LABELS = {value.label: value for value in VoteValue}


class VoteOutcome(enum.StrEnum):
    CREATED = "created"  # the first vote on this statement
    CHANGED = "changed"  # replaced an earlier, different vote
    UNCHANGED = "unchanged"  # the same vote again: recorded as an event, current vote as it was


@dataclass(frozen=True)
class CurrentVote:
    """The participant's current vote as committed (plain values: nothing to reload)."""

    statement_id: int
    value: int
    updated_at: datetime


@dataclass(frozen=True)
class VoteResult:
    vote: CurrentVote
    event_id: int
    outcome: VoteOutcome


def parse_vote_value(raw: object) -> VoteValue:
    """ "agree" | "disagree" | "pass" to a VoteValue, or a 400."""
    if isinstance(raw, str) and raw in VOTE_LABELS:
        return VOTE_LABELS[raw]
    raise AgoraError("vote_invalid", _('The vote must be "agree", "disagree" or "pass".'), 400)


def get_votable_statement(issue: Issue, statement_id: object) -> Statement:
    """The statement of this issue a participant may vote on, or a 404/409."""
    if isinstance(statement_id, str) and statement_id.isdigit():
        statement_id = int(statement_id)
    if not isinstance(statement_id, int) or isinstance(statement_id, bool):
        raise AgoraError("statement_invalid", _("Say which statement the vote is for."), 400)
    statement = db.session.get(Statement, statement_id)
    if statement is None or statement.issue_id != issue.id:
        raise AgoraError(
            "statement_not_found", _("We could not find that statement in this issue."), 404
        )
    if statement.moderation_status == ModerationStatus.REJECTED:
        raise AgoraError(
            "statement_rejected",
            _("This statement was removed by the moderators and cannot be voted on."),
            409,
        )
    if not is_visible_to_citizens(statement, issue) and not viewer_is_staff():
        # Hidden until moderated (strict mode): to a citizen it does not exist yet.
        raise AgoraError(
            "statement_not_found", _("We could not find that statement in this issue."), 404
        )
    return statement


def cast_vote(
    issue: Issue, participant_id: int, statement_id: object, raw_value: object
) -> VoteResult:
    """Record a vote in one transaction, then send `vote_cast`; validation precedes any write."""
    value = parse_vote_value(raw_value)
    statement = get_votable_statement(issue, statement_id)
    stages.ensure_voting_open(issue)  # 409 outside the stages where voting is open
    # Plain ids: after the commit, reading ``issue.id`` or ``statement.id`` would reload the rows.
    issue_id, statement_id = issue.id, statement.id
    try:
        result = _write_vote(issue_id, participant_id, statement_id, value)
    except IntegrityError:
        # A concurrent first vote by the same participant won the insert; ours becomes a change.
        db.session.rollback()
        result = _write_vote(issue_id, participant_id, statement_id, value)
    signals.vote_cast.send(
        current_app._get_current_object(),
        issue_id=issue_id,
        statement_id=statement_id,
        participant_id=participant_id,
        value=int(value),
        vote_event_id=result.event_id,
        changed=result.outcome is not VoteOutcome.UNCHANGED,
    )
    return result


def _write_vote(
    issue_id: int, participant_id: int, statement_id: int, value: VoteValue
) -> VoteResult:
    """Store the vote and its event, and commit.

    Plain SQL statements rather than ORM objects: a vote is the request a live issue receives
    most often, and the ORM's unit of work (build objects, flush, expire on commit) was half of
    its time here. Nothing else in the session is touched, so nothing needs flushing.
    """
    now = utcnow()
    stored = db.session.execute(
        select(Vote.id, Vote.value, Vote.updated_at).where(
            Vote.participant_id == participant_id, Vote.statement_id == statement_id
        )
    ).first()
    votes, events = Vote.__table__, VoteEvent.__table__
    if stored is None:
        db.session.execute(
            insert(votes).values(
                issue_id=issue_id,
                participant_id=participant_id,
                statement_id=statement_id,
                value=int(value),
                updated_at=now,
            )
        )
        outcome, updated_at = VoteOutcome.CREATED, now
    elif stored.value == int(value):
        outcome, updated_at = VoteOutcome.UNCHANGED, stored.updated_at
    else:
        db.session.execute(
            update(votes).where(votes.c.id == stored.id).values(value=int(value), updated_at=now)
        )
        outcome, updated_at = VoteOutcome.CHANGED, now
    event_id = db.session.execute(
        insert(events).values(
            issue_id=issue_id,
            participant_id=participant_id,
            statement_id=statement_id,
            value=int(value),
            created_at=now,
        )
    ).inserted_primary_key[0]
    db.session.commit()
    return VoteResult(
        vote=CurrentVote(statement_id=statement_id, value=int(value), updated_at=updated_at),
        event_id=event_id,
        outcome=outcome,
    )


def votes_of(issue: Issue, participant_id: int | None) -> list[tuple[Statement, Vote]]:
    """Every statement this participant voted on in the issue, with the vote, newest first."""
    if participant_id is None:
        return []
    rows = db.session.execute(
        select(Statement, Vote)
        .join(Vote, Vote.statement_id == Statement.id)
        .where(Vote.issue_id == issue.id, Vote.participant_id == participant_id)
        .order_by(Vote.updated_at.desc(), Vote.id.desc())
    )
    return [(statement, vote) for statement, vote in rows]
