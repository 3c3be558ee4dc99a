"""Logging in on a device that took part anonymously: the device's participation joins the account's.

One person, one participant: the device's votes move to the account's participant (on a
statement both voted on, the later vote wins), and so do its vote events, statements, replies,
invites and exclusions. Where both had voted, an event with the surviving value is appended, so
that each statement's latest event is again the current vote (the opinion map reads events in
id order). All of it in the caller's one transaction.
"""

from __future__ import annotations

from flask import current_app, session
from sqlalchemy import delete, insert, select, update

from app import signals
from app.extensions import db
from app.models import (
    DiscussionPost,
    InviteCode,
    Issue,
    Participant,
    ParticipantExclusion,
    Statement,
    User,
    Vote,
    VoteEvent,
    utcnow,
)
from app.services.participants import SESSION_KEY, current_participant_id


def attach_device(user: User) -> set[int]:
    """After login: make the session's participant the account's; the ids of issues whose votes moved.

    Not committed: the caller commits, then calls ``votes_moved`` with the result.
    """
    device_id = current_participant_id()
    device = db.session.get(Participant, device_id, with_for_update=True) if device_id is not None else None
    account = db.session.scalar(
        select(Participant).where(Participant.user_id == user.id).order_by(Participant.id).limit(1).with_for_update()
    )
    if account is None:
        if device is not None and device.user_id is None:
            device.user_id = user.id  # the device's participant becomes the account's
        else:
            session.pop(SESSION_KEY, None)  # another account's device: start afresh at the first write
        return set()
    session[SESSION_KEY] = account.id
    if device is None or device.id == account.id or device.user_id is not None:
        return set()
    return merge_participants(device.id, account.id)


def merge_participants(source_id: int, target_id: int) -> set[int]:
    """Move everything of ``source_id`` to ``target_id`` (the caller commits); the issues touched."""
    now = utcnow()
    votes = Vote.__table__
    theirs = {
        row.statement_id: row
        for row in db.session.execute(
            select(votes.c.id, votes.c.issue_id, votes.c.statement_id, votes.c.value, votes.c.updated_at)
            .where(votes.c.participant_id == target_id)
            .with_for_update()
        )
    }
    mine = db.session.execute(
        select(votes.c.id, votes.c.issue_id, votes.c.statement_id, votes.c.value, votes.c.updated_at)
        .where(votes.c.participant_id == source_id)
        .with_for_update()
    ).all()
    issues: set[int] = set()
    both: list[tuple[int, int, int]] = []  # (issue, statement, surviving value)
    for vote in mine:
        issues.add(vote.issue_id)
        kept = theirs.get(vote.statement_id)
        if kept is None:
            db.session.execute(update(votes).where(votes.c.id == vote.id).values(participant_id=target_id))
            continue
        db.session.execute(delete(votes).where(votes.c.id == vote.id))
        value = kept.value
        if vote.updated_at > kept.updated_at:  # the device's vote is the later one
            value = vote.value
            db.session.execute(
                update(votes).where(votes.c.id == kept.id).values(value=vote.value, updated_at=vote.updated_at)
            )
        both.append((vote.issue_id, vote.statement_id, value))
    db.session.execute(update(VoteEvent).where(VoteEvent.participant_id == source_id).values(participant_id=target_id))
    if both:
        db.session.execute(
            insert(VoteEvent),
            [dict(issue_id=i, participant_id=target_id, statement_id=s, value=v, created_at=now) for i, s, v in both],
        )
    issues |= set(db.session.scalars(select(Statement.issue_id).where(Statement.author_id == source_id)))
    for model in (Statement, DiscussionPost):
        db.session.execute(update(model).where(model.author_id == source_id).values(author_id=target_id))
    db.session.execute(
        update(InviteCode).where(InviteCode.participant_id == source_id).values(participant_id=target_id)
    )
    _move_exclusions(source_id, target_id)
    if issues:
        db.session.execute(update(Issue).where(Issue.id.in_(issues)).values(votes_revision=Issue.votes_revision + 1))
    return issues


def _move_exclusions(source_id: int, target_id: int) -> None:
    target_issues = select(ParticipantExclusion.issue_id).where(ParticipantExclusion.participant_id == target_id)
    db.session.execute(
        delete(ParticipantExclusion).where(
            ParticipantExclusion.participant_id == source_id, ParticipantExclusion.issue_id.in_(target_issues)
        )
    )
    db.session.execute(
        update(ParticipantExclusion)
        .where(ParticipantExclusion.participant_id == source_id)
        .values(participant_id=target_id)
    )


def votes_moved(issue_ids: set[int]) -> None:
    """After the commit: the maps and counts of these issues are recomputed from the moved votes."""
    app = current_app._get_current_object()
    for issue_id in sorted(issue_ids):
        signals.votes_regrouped.send(app, issue_id=issue_id)
