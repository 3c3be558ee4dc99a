"""Casting votes: one current vote per participant and statement; every vote kept as an event."""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Executable, Select, and_, bindparam, insert, select, text, update

from app import signals
from app.exceptions import AgoraError
from app.extensions import db
from app.models import (
    EmbedSettings,
    Issue,
    IssueStage,
    IssueStatus,
    ModerationStatus,
    Statement,
    Vote,
    VoteEvent,
    VoteValue,
    utcnow,
)
from app.security.ids import parse_id
from app.services.integrations.xids import check_participation, is_xid_policy
from app.services.issues import issue_not_found
from app.services.participation.policy import IssueRule, check_can_write
from app.services.process import stages
from app.services.visibility import status_visible_to_citizens, viewer_is_staff

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


@dataclass(frozen=True)
class Ballot:
    """A vote that passed every check, ready to be stored."""

    issue_id: int
    statement_id: int
    value: VoteValue
    # Only allow-listed XIDs may vote: read with the checks (no second query); None = read it again.
    xid_policy: bool | None = None


def check_vote(issue_id: int, statement_id: object, raw_value: object) -> Ballot:
    """Every check a vote must pass, or the 4xx of the first that fails; writes nothing.

    The issue, its current stage's ``voting_open`` flag and the statement are read in one query of
    plain columns rather than three ORM look-ups by primary key: the vote is the request a live
    issue receives most often.
    """
    statement_id = _statement_id(statement_id)
    found = db.session.execute(_vote_check_query(), {"issue_id": issue_id, "statement_id": statement_id}).first()
    if found is None or (found.status is IssueStatus.DRAFT and not viewer_is_staff()):
        raise issue_not_found()
    check_can_write(IssueRule(issue_id, found.slug, found.participation))  # 403 participation_required
    value = parse_vote_value(raw_value)
    if found.statement_issue_id != issue_id:
        raise _statement_not_found()
    if found.moderation_status == ModerationStatus.REJECTED:
        raise AgoraError(
            "statement_rejected",
            _("This statement was removed by the moderators and cannot be voted on."),
            409,
        )
    if not status_visible_to_citizens(found.moderation_status, found.moderation_mode) and not viewer_is_staff():
        raise _statement_not_found()  # hidden until moderated (strict mode): to a citizen it does not exist yet
    if not stages.voting_open_in(found.current_stage, found.voting_open):
        raise stages.voting_closed(found.current_stage)
    return Ballot(
        issue_id=issue_id,
        statement_id=statement_id,
        value=value,
        xid_policy=is_xid_policy(found.participation, found.xid_only),
    )


@functools.cache
def _vote_check_query() -> Select:
    """``check_vote``'s one query, built once: constructing a statement costs more CPU than
    running it from SQLAlchemy's compiled cache, on the request a live issue gets most."""
    return (
        select(
            Issue.slug,
            Issue.status,
            Issue.participation,
            Issue.current_stage,
            Issue.moderation_mode,
            IssueStage.voting_open,
            Statement.issue_id.label("statement_issue_id"),
            Statement.moderation_status,
            EmbedSettings.xid_only,
        )
        .select_from(Issue)
        .outerjoin(IssueStage, and_(IssueStage.issue_id == Issue.id, IssueStage.key == Issue.current_stage))
        .outerjoin(Statement, Statement.id == bindparam("statement_id"))
        .outerjoin(EmbedSettings, EmbedSettings.issue_id == Issue.id)
        .where(Issue.id == bindparam("issue_id"))
    )


def record_vote(ballot: Ballot, participant_id: int) -> VoteResult:
    """Write a checked vote and its event (the caller commits, then calls ``announce_vote``)."""
    check_participation(ballot.issue_id, participant_id, xid_policy=ballot.xid_policy)  # 403 before any write
    return _write_vote(ballot.issue_id, participant_id, ballot.statement_id, ballot.value)


def announce_vote(ballot: Ballot, participant_id: int, result: VoteResult) -> None:
    """Send `vote_cast` for a committed vote (the live map and counts; notification only)."""
    signals.vote_cast.send(
        current_app._get_current_object(),
        issue_id=ballot.issue_id,
        statement_id=ballot.statement_id,
        participant_id=participant_id,
        value=int(ballot.value),
        vote_event_id=result.event_id,
        changed=result.outcome is not VoteOutcome.UNCHANGED,
    )


def _statement_id(raw: object) -> int:
    statement_id = parse_id(raw)
    if statement_id is None:
        raise AgoraError("statement_invalid", _("Say which statement the vote is for."), 400)
    return statement_id


def _statement_not_found() -> AgoraError:
    return AgoraError("statement_not_found", _("We could not find that statement in this issue."), 404)


def _write_vote(issue_id: int, participant_id: int, statement_id: int, value: VoteValue) -> VoteResult:
    """Store the vote and its event (not committed).

    Two changes of one vote at the same moment must not leave the current vote and the event
    log disagreeing (A's update, B's update, then A's event last). So the first statement is an
    insert that does nothing when the vote exists, and an existing vote is then read with a row
    lock: on PostgreSQL the second change waits for the first to commit and reads its value; on
    SQLite the insert has already taken the database's one write lock. The event is written
    while the lock is held, so event order is update order.

    Plain SQL statements rather than ORM objects, as in ``check_vote``: the unit of work (build
    objects, flush, expire them on commit) is not needed for two rows whose values we know.
    """
    now = utcnow()
    sql = _vote_statements()
    row = dict(issue_id=issue_id, participant_id=participant_id, statement_id=statement_id, value=int(value))
    if db.session.execute(sql.insert_vote, {**row, "updated_at": now}).first() is not None:
        outcome, updated_at = VoteOutcome.CREATED, now
    else:
        stored = db.session.execute(sql.lock_vote, row).one()
        if stored.value == int(value):
            outcome, updated_at = VoteOutcome.UNCHANGED, stored.updated_at
        else:
            db.session.execute(sql.update_vote, {"vote_id": stored.id, "value": int(value), "updated_at": now})
            outcome, updated_at = VoteOutcome.CHANGED, now
    event_id = db.session.execute(sql.insert_event, {**row, "created_at": now}).scalar_one()
    return VoteResult(
        vote=CurrentVote(statement_id=statement_id, value=int(value), updated_at=updated_at),
        event_id=event_id,
        outcome=outcome,
    )


@dataclass(frozen=True)
class _VoteStatements:
    """``_write_vote``'s statements, built once (as ``_vote_check_query``)."""

    insert_vote: Executable  # does nothing when the vote exists
    lock_vote: Executable
    update_vote: Executable
    insert_event: Executable


@functools.cache
def _vote_statements() -> _VoteStatements:
    votes, events = Vote.__table__, VoteEvent.__table__
    # Written out: the dialects' own ``insert().on_conflict_do_nothing()`` cannot be cached by
    # SQLAlchemy, so it was compiled again for every vote. ON CONFLICT ... DO NOTHING RETURNING
    # means the same on PostgreSQL and SQLite (3.35+).
    insert_vote = text(
        "INSERT INTO vote (issue_id, participant_id, statement_id, value, updated_at) "
        "VALUES (:issue_id, :participant_id, :statement_id, :value, :updated_at) "
        "ON CONFLICT (participant_id, statement_id) DO NOTHING RETURNING id"
    ).bindparams(bindparam("updated_at", type_=votes.c.updated_at.type))
    return _VoteStatements(
        insert_vote=insert_vote,
        lock_vote=select(votes.c.id, votes.c.value, votes.c.updated_at)
        .where(
            votes.c.participant_id == bindparam("participant_id"),
            votes.c.statement_id == bindparam("statement_id"),
        )
        .with_for_update(),
        update_vote=update(votes)
        .where(votes.c.id == bindparam("vote_id"))
        .values(value=bindparam("value"), updated_at=bindparam("updated_at")),
        insert_event=insert(events).returning(events.c.id),
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
